"""speed.py's training-step figures: s_clip against clip_ft at the same images per step, the OT's
iterations over training, and where a heads-only step's time goes, all from cached states; the
shared step setup. Steps that train image blocks: block_step_speed.py."""

from __future__ import annotations

import copy
import itertools
import math
import statistics
import time
from contextlib import contextmanager

import torch
from timing import paired_ratio, timings

from sclip.allocator import freed_memory_kept
from sclip.features import encode_texts
from sclip.models import build_model
from sclip.training.batch import TrainData, embed_batch
from sclip.training.config import TrainConfig
from sclip.training.methods import KeywordBank, make_method
from sclip.training.optim import make_optimizer
from sclip.training.sampler import Batch


def _step_setup(trainable: dict, image_size: int, n: int = 512, scale: float = 100.0):
    """A model, cached states of n random images and 4n captions, and a 28-keyword bank.
    s = 100 by default, CLIP's trained value: ε = 1/s = 0.01, where OT is slowest."""
    model = build_model({"image_size": image_size, "trainable": trainable})
    with torch.no_grad():
        model.logit_scale.fill_(math.log(scale))
    g = torch.Generator().manual_seed(0)
    pixels = torch.randint(0, 256, (n, 3, image_size, image_size), dtype=torch.uint8, generator=g)
    with torch.no_grad():
        image_state = model.run_stages("image", pixels, 0, model.first_trainable["image"])
    words = ["airport", "farmland", "forest", "harbor", "river", "storage tanks", "viaduct"]
    captions = [
        f"many {words[i % 7]} near a {words[(i * 3) % 7]} and some {words[(i * 5) % 7]}"
        for i in range(4 * n)
    ]
    text_state = encode_texts(model, captions, progress=False)
    keywords = [f"{w} {i}" if i else w for w in words for i in range(4)]
    bank = KeywordBank(
        state=encode_texts(model, keywords, progress=False),
        stage=model.first_trainable["text"],
        candidates=torch.rand(4 * n, len(keywords), generator=g) > 0.8,
    )
    data = TrainData(
        image_state,
        model.first_trainable["image"],
        text_state,
        model.first_trainable["text"],
        torch.arange(n // 2),
        [torch.arange(4 * i, 4 * i + 4) for i in range(n // 2)],
        torch.arange(n // 2, n),
    )
    return model.train(), data, bank


def _optimiser_step(
    model, data, method, batch, device, precision="fp32", encode_image=None, paired_bank=None
):
    """A callable running one full training step (embed, losses, backward, AdamW); `batch`
    is one Batch, or a list of them taken in turn, one per call; `paired_bank`: the one
    `method.start_bank` returned, if any."""
    optimizer = make_optimizer(model, TrainConfig(lr=1e-4))
    batches = itertools.cycle(batch if isinstance(batch, list) else [batch])

    def run():
        step = embed_batch(
            model,
            data,
            next(batches),
            device,
            0,
            1,
            precision,
            encode_image,
            method.text_bank(),
            paired_bank,
        )
        parts = method.losses(model, step)
        optimizer.zero_grad(set_to_none=True)
        sum(parts.values()).backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    return run


def step_batches(data: TrainData, count: int, size: int = 256) -> tuple[list, list]:
    """`count` rounds of batches, as training draws them: clip_ft `size` paired images, s_clip
    half of those plus `size` / 2 unpaired ones (the same images per step), a random caption
    of each. Distinct batches matter for s_clip: its OT's iterations depend on the batch, and
    one batch trained on over and over grows harder to solve (`ot_drift`) where no training run
    repeats a batch."""
    g = torch.Generator().manual_seed(1)
    paired, unpaired, half = data.paired_images, data.unpaired_images, size // 2
    clip_ft, s_clip = [], []
    for _ in range(count):
        positions = torch.randperm(len(paired), generator=g)[:size]
        images = paired[positions]
        captions = torch.stack(
            [
                data.captions_of[p][torch.randint(len(data.captions_of[p]), (), generator=g)]
                for p in positions.tolist()
            ]
        )
        extra = unpaired[torch.randperm(len(unpaired), generator=g)[:half]]
        clip_ft.append(Batch(images, captions, torch.empty(0, dtype=torch.long)))
        s_clip.append(Batch(images[:half], captions[:half], extra))
    return clip_ft, s_clip


@freed_memory_kept()  # steps as training runs them (training/loop.py)
def train_step(
    trainable: dict,
    image_size: int,
    repeats: int,
    scale: float = 100.0,
    plain_ot: bool = False,
    n: int = 512,
) -> dict:
    """s_clip's and clip_ft's step times side by side over n cached images (half paired, half
    unpaired), a new batch each round (`step_batches`); with `plain_ot`, also s_clip with POT's
    plain Sinkhorn iteration instead of the over-relaxed default, in the same rounds."""
    model, data, bank = _step_setup(trainable, image_size, n=n, scale=scale)
    cpu = torch.device("cpu")
    clip_ft = make_method("clip_ft")
    s_clip = make_method("s_clip", keywords=bank)
    paired_only, mixed = step_batches(data, repeats + 1)

    steps = {
        "clip_ft": _optimiser_step(model, data, clip_ft, paired_only, cpu),
        "s_clip": _optimiser_step(model, data, s_clip, mixed, cpu),
    }
    if plain_ot:
        plain = make_method("s_clip", keywords=bank, sinkhorn_method="sinkhorn")
        steps["s_clip_plain_ot"] = _optimiser_step(model, data, plain, mixed, cpu)
    for run in steps.values():  # warm-up: first-call allocations and kernel selection
        run()
    times = timings(steps, repeats)
    result = {
        "clip_ft_step_s": min(times["clip_ft"]),
        "s_clip_step_s": min(times["s_clip"]),
        "ratio": paired_ratio(times, "s_clip", "clip_ft"),
        "ratio_of_best": min(times["s_clip"]) / min(times["clip_ft"]),
    }
    if plain_ot:
        result["s_clip_plain_ot_step_s"] = min(times["s_clip_plain_ot"])
        result["ratio_plain_ot"] = paired_ratio(times, "s_clip_plain_ot", "clip_ft")
    return result


@contextmanager
def counted_ot_iterations():
    """The per-step OT solver's iteration count of every call made inside the block."""
    import sclip.pseudo_labels.ot as ot

    solve, counts = ot.sinkhorn_overrelaxed, []

    def counted(*args, **kwargs):
        result = solve(*args, **kwargs)
        counts.append(result.iterations)
        return result

    ot.sinkhorn_overrelaxed = counted
    try:
        yield counts
    finally:
        ot.sinkhorn_overrelaxed = solve


def ot_drift(steps: int) -> dict:
    """s_clip's OT iterations per step over `steps` heads-only steps at s = 100, on one batch
    over and over (how train_step timed before) and on a new batch each step (now, as in
    training), from the same start: medians of the first and the last sixth of the steps."""
    model, data, bank = _step_setup({"image": "heads", "text": "heads"}, 128, n=1024)
    _, mixed = step_batches(data, steps)
    result = {}
    for name, batches in (("one_batch", mixed[:1]), ("new_batches", mixed)):
        run = _optimiser_step(
            copy.deepcopy(model),
            data,
            make_method("s_clip", keywords=bank),
            batches,
            torch.device("cpu"),
        )
        with counted_ot_iterations() as counts:
            for _ in range(steps):
                run()
        sixth = max(steps // 6, 1)
        result[name] = {
            "first": statistics.median(counts[:sixth]),
            "last": statistics.median(counts[-sixth:]),
        }
    return result


def phase_times(model, data, method, batches, device, precision="fp32") -> dict[str, float]:
    """Median milliseconds of each part of a step (embedding, losses with the OT, backward,
    AdamW), the device synchronised between parts: where a method's extra time goes. The
    synchronisations cost overlap, so the parts add up to more than a step."""
    import sclip.training.methods as methods

    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    optimizer = make_optimizer(model, TrainConfig(lr=1e-5))
    solve, ot_ms = methods.caption_targets, []

    def timed_solve(*args, **kwargs):
        sync()
        t = time.perf_counter()
        plan = solve(*args, **kwargs)
        ot_ms.append(1e3 * (time.perf_counter() - t))
        return plan

    rows = []
    methods.caption_targets = timed_solve
    try:
        for batch in batches:
            marks = [time.perf_counter()]
            step = embed_batch(
                model, data, batch, device, 0, 1, precision, None, method.text_bank()
            )
            sync()
            marks.append(time.perf_counter())
            loss = sum(method.losses(model, step).values())
            sync()
            marks.append(time.perf_counter())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            sync()
            marks.append(time.perf_counter())
            optimizer.step()
            sync()
            marks.append(time.perf_counter())
            rows.append([1e3 * (b - a) for a, b in itertools.pairwise(marks)])
    finally:
        methods.caption_targets = solve
    parts = ("embed", "losses", "backward", "optimizer")
    out = {f"{p}_ms": statistics.median(r[i] for r in rows) for i, p in enumerate(parts)}
    if ot_ms:
        out["ot_ms"] = statistics.median(ot_ms)
    return out


@freed_memory_kept()  # steps as training runs them (training/loop.py)
def step_phases(rounds: int, scale: float = 100.0, n: int = 1024, warmup: int = 20) -> dict:
    """phase_times of each method's heads-only step on the CPU in fp32 (conf/base's), over
    `rounds` new batches after `warmup` untimed ones."""
    model, data, bank = _step_setup({"image": "heads", "text": "heads"}, 128, n=n, scale=scale)
    cpu = torch.device("cpu")
    paired_only, mixed = step_batches(data, rounds + warmup)
    out = {}
    for name, method, batches in (
        ("clip_ft", make_method("clip_ft"), paired_only),
        ("s_clip", make_method("s_clip", keywords=bank), mixed),
    ):
        phase_times(model, data, method, batches[:warmup], cpu)
        out[name] = phase_times(model, data, method, batches[warmup:], cpu)
    return out
