"""Where the time goes: each figure is measured side by side in this one process (interleaved
repeats, best of them), so ratios hold on a noisy machine.

    python benchmarks/speed.py                       # embedding, train step, per-step and dataset OT
    python benchmarks/speed.py --rss                 # + peak RSS of `kedro run --env rsicd`

- embedding_ratio: images/s of the embedding pipeline's encoder (files → decode → frozen prefix)
  over the bare encoder forward on in-memory uint8 tensors, same images and batch size;
  embedding_nhwc_speedup: the bare forward with the EfficientNet tower in NHWC (the default)
  over the same forward in NCHW.
- selection_eval_speedup: the per-epoch val pass of RSICD training (1,027 images, last two
  image blocks) in fp32 NCHW (before) over NHWC in the precision `auto` picks (now).
- train_step_ratio: step time of s_clip (128 paired + 128 unpaired, the default; OT + keyword
  losses) over clip_ft (256 paired: the same images per step), both from cached states, as the
  median of same-round ratios; for the default heads-only training (300 rounds) at s = 100
  (ε = 0.01, the slowest OT), at s = 1/0.07 (where the offline model starts) and on one
  thread, the last two image blocks (conf/rsicd) and the whole image tower trained from
  pixels (128 px).
- precision_bf16_speedup: an s_clip step as conf/rsicd trains it (last two image blocks,
  128 + 512 images) in fp32 over the same step under bf16 autocast (`training.precision`);
  compile_speedup: that step compiled (`training.compile`) over eager, at the auto precision.
- text_layer_step_ratio: that step (ε = 0.03, auto precision) with MiniLM's last layer trained
  too (`model.trainable.text: 1`) over the text projection head alone.
- ot_step_ms: one s_clip caption target (128 × 128 OT at s = 100) with the default solver
  (over-relaxed Sinkhorn), beside POT's plain iteration (lean loop and POT's own) and its
  ε-scaling solver; ot_step_iterations_*: plain and over-relaxed iterations summed over 16
  batches of the same setup.
- ot_seconds / ot_marginal_error: the pseudo_labeling pipeline's dataset-level plan (its
  solver settings from conf/base) for 8,000 unpaired × 1,000 paired images (ε = 0.01), against
  the reference's 10 iterations.
- peak_rss_mb: peak resident memory of `kedro run --env rsicd` (all nodes, all methods).

Results go to benchmarks/results/speed.json (merged: figures not re-measured are kept).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import torch  # noqa: E402
from encode_speed import embedding, selection_eval  # noqa: E402
from ot_speed import ot_dataset_level, ot_step  # noqa: E402
from timing import best_of, machine, paired_ratio, timings  # noqa: E402

from sclip.features import encode_texts  # noqa: E402
from sclip.models import build_model  # noqa: E402
from sclip.training.compile import CompiledOrEager  # noqa: E402
from sclip.training.config import TrainConfig  # noqa: E402
from sclip.training.loop import TrainData, _embed_batch, resolve_precision  # noqa: E402
from sclip.training.methods import KeywordBank, make_method  # noqa: E402
from sclip.training.optim import make_optimizer  # noqa: E402
from sclip.training.sampler import Batch  # noqa: E402


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


def _optimiser_step(model, data, method, batch, device, precision="fp32", encode_image=None):
    """A callable running one full training step (embed, losses, backward, AdamW)."""
    optimizer = make_optimizer(model, TrainConfig(lr=1e-4))

    def run():
        step = _embed_batch(model, data, batch, device, 0, 1, precision, encode_image)
        parts = method.losses(model, step)
        optimizer.zero_grad(set_to_none=True)
        sum(parts.values()).backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    return run


def train_step(
    trainable: dict, image_size: int, repeats: int, scale: float = 100.0, plain_ot: bool = False
) -> dict:
    """s_clip's and clip_ft's step times side by side; with `plain_ot`, also s_clip with POT's
    plain Sinkhorn iteration instead of the over-relaxed default, in the same rounds."""
    model, data, bank = _step_setup(trainable, image_size, scale=scale)
    cpu = torch.device("cpu")
    clip_ft = make_method("clip_ft")
    s_clip = make_method("s_clip", keywords=bank)
    half = len(data.paired_images)  # 256 paired rows, 256 unpaired
    paired_only = Batch(
        torch.arange(half), torch.arange(half) * 4, torch.empty(0, dtype=torch.long)
    )
    mixed = Batch(
        torch.arange(half // 2), torch.arange(half // 2) * 4, torch.arange(half, half * 3 // 2)
    )

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


def precision_step(repeats: int) -> dict:
    """Seconds of one s_clip step as `conf/rsicd` trains it (last two image blocks, 128 paired
    + 512 unpaired) in fp32, under bf16 autocast (`training.precision`) and compiled at the
    precision `auto` picks (`training.compile`), side by side."""
    model, data, bank = _step_setup({"image": 2, "text": "heads"}, 224, n=1024)
    s_clip = make_method("s_clip", keywords=bank, unpaired_negatives=False)
    batch = Batch(torch.arange(128), torch.arange(128) * 4, torch.arange(512, 1024))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    steps = {p: _optimiser_step(model, data, s_clip, batch, device, p) for p in ("fp32", "bf16")}
    auto = resolve_precision("auto", device)
    compiled = CompiledOrEager(model.encode_image, "the image tower")
    steps["compiled"] = _optimiser_step(model, data, s_clip, batch, device, auto, compiled)
    t0 = time.perf_counter()
    steps["compiled"]()  # compiles: the paired and the unpaired batch, forward and backward
    compile_s = time.perf_counter() - t0
    t = best_of(steps, repeats)
    return {
        "precision_device": str(device),
        "precision_fp32_step_s": t["fp32"],
        "precision_bf16_step_s": t["bf16"],
        "precision_bf16_speedup": t["fp32"] / t["bf16"],
        "compiled_precision": auto,
        "compiled_step_s": t["compiled"],
        "compiled_first_step_s": compile_s,
        "compile_speedup": t[auto] / t["compiled"],
    }


def text_layer_step(repeats: int) -> dict:
    """Seconds of an s_clip step as conf/rsicd trains it (last two image blocks, 128 paired +
    512 unpaired, ε = 0.03, the precision `auto` picks) with the text projection head alone and
    with MiniLM's last layer trained too (`model.trainable.text: 1`, what the README suggests
    for retrieval), in the same rounds. The captions are synthetic, 8 to 11 words (about as
    long as RSICD's): a trained text layer works on each batch's longest caption."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    precision = resolve_precision("auto", device)
    batch = Batch(torch.arange(128), torch.arange(128) * 4, torch.arange(512, 1024))
    steps = {}
    for name, text in (("heads", "heads"), ("text_layer", 1)):
        model, data, bank = _step_setup({"image": 2, "text": text}, 224, n=1024)
        s_clip = make_method("s_clip", keywords=bank, unpaired_negatives=False, ot_epsilon=0.03)
        steps[name] = _optimiser_step(model.to(device), data, s_clip, batch, device, precision)
    for run in steps.values():  # warm-up
        run()
    times = timings(steps, repeats)
    return {
        "text_layer_device": str(device),
        "text_layer_precision": precision,
        "text_heads_step_s": min(times["heads"]),
        "text_layer_step_s": min(times["text_layer"]),
        "text_layer_step_ratio": paired_ratio(times, "text_layer", "heads"),
    }


def peak_rss(env: str) -> dict:
    """Peak RSS of a whole `kedro run --env <env>` in a child process: wait4's usage of that
    child (and the processes it waited for), so this script's own earlier children (e.g. the
    compile workers forked from it) do not count. Checkpoints go to a fresh folder, or the run
    would resume the last benchmark's finished training and skip it."""
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as checkpoints:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kedro",
                "run",
                "--env",
                env,
                "--params",
                f"checkpoints.dir={checkpoints}",
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"},
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"kedro run --env {env} failed (exit {child.returncode})")
    return {
        "peak_rss_mb": usage.ru_maxrss / 1024,  # Linux: KiB
        "peak_rss_env": env,
        "peak_rss_run_seconds": time.perf_counter() - t,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=512, help="images for the embedding figure")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=[
            "embedding",
            "selection_eval",
            "train_step",
            "precision",
            "text_layer",
            "ot_step",
            "ot",
        ],
    )
    parser.add_argument("--rss", action="store_true", help="also run `kedro run --env rsicd`")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/speed.json")
    args = parser.parse_args(argv)

    result = json.loads(args.out.read_text()) if args.out.exists() else {}

    def save(figure: str | None = None) -> None:  # after every figure: a later death keeps it
        result["machine"] = machine()
        result["date"] = time.strftime("%Y-%m-%d")
        if figure is not None:  # figures not re-measured keep the machine they were taken on
            result.setdefault("measured_on", {})[figure] = {
                "date": result["date"],
                **result["machine"],
            }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))

    if "embedding" not in args.skip:
        result.update(embedding(args.images, 64, args.repeats))
        print(
            f"embedding: pipeline {result['embedding_pipeline_images_per_s']:.1f} img/s, bare "
            f"{result['embedding_bare_images_per_s']:.1f} img/s, ratio {result['embedding_ratio']:.3f}",
            flush=True,
        )
        print(
            f"frozen prefix NHWC vs NCHW: {result['embedding_bare_images_per_s']:.1f} vs "
            f"{result['embedding_bare_nchw_images_per_s']:.1f} img/s, "
            f"{result['embedding_nhwc_speedup']:.2f}x",
            flush=True,
        )
        save("embedding")
    if "selection_eval" not in args.skip:
        result.update(selection_eval(args.repeats))
        print(
            f"per-epoch val pass ({result['selection_eval_images']} images, last two blocks): "
            f"fp32 NCHW {result['selection_eval_fp32_nchw_s']:.2f} s, fp32 NHWC "
            f"{result['selection_eval_fp32_s']:.2f} s, {result['selection_eval_precision']} NHWC "
            f"{result['selection_eval_s']:.2f} s: {result['selection_eval_speedup']:.2f}x",
            flush=True,
        )
        save("selection_eval")
    if "train_step" not in args.skip:
        # Heads-only steps take ~10 ms and the same-round ratio scatters by ±10 % from round
        # to round on a shared host: 100 rounds per repeat keep its median steady (~10 s).
        rounds = 100 * args.repeats
        heads = train_step({"image": "heads", "text": "heads"}, 224, rounds, plain_ot=True)
        # At the s the offline model starts at and keeps in a short run (1/0.07 → 15.4 in
        # RSICD's 150 steps): ε = 1/s ≈ 0.07, conf/base's s_clip OT, needs far fewer iterations.
        heads_start = train_step({"image": "heads", "text": "heads"}, 224, rounds, scale=1 / 0.07)
        # The same on one thread: what s_clip adds in work, without the serial parts (the OT's
        # loop, small ops) that leave the second core idle.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        heads_one_thread = train_step({"image": "heads", "text": "heads"}, 224, rounds)
        torch.set_num_threads(threads)
        blocks = train_step({"image": 2, "text": "heads"}, 224, args.repeats)
        full = train_step({"image": "all", "text": "heads"}, 128, args.repeats)
        result.update(
            {
                "train_step_ratio": heads["ratio"],
                "train_step_heads": heads,
                "train_step_ratio_heads_initial_scale": heads_start["ratio"],
                "train_step_heads_initial_scale": heads_start,
                "train_step_ratio_heads_one_thread": heads_one_thread["ratio"],
                "train_step_heads_one_thread": heads_one_thread,
                "train_step_ratio_image_blocks2": blocks["ratio"],
                "train_step_image_blocks2": blocks,
                "train_step_ratio_image_tower": full["ratio"],
                "train_step_image_tower": full,
            }
        )
        for name, r in (
            ("heads only, s = 100", heads),
            ("heads only, s = 1/0.07 (the offline model's start)", heads_start),
            ("heads only, one thread", heads_one_thread),
            ("last two image blocks", blocks),
            ("whole image tower", full),
        ):
            print(
                f"train step ({name}): clip_ft {r['clip_ft_step_s'] * 1e3:.1f} ms, s_clip "
                f"{r['s_clip_step_s'] * 1e3:.1f} ms (best of each), ratio {r['ratio']:.2f} "
                f"(median of same-round ratios; of the bests {r['ratio_of_best']:.2f})",
                flush=True,
            )
        print(
            f"  same rounds, s_clip with plain Sinkhorn: {heads['s_clip_plain_ot_step_s'] * 1e3:.1f}"
            f" ms, ratio {heads['ratio_plain_ot']:.2f}",
            flush=True,
        )
        save("train_step")
    if "precision" not in args.skip:
        result.update(precision_step(args.repeats))
        print(
            f"s_clip step, last two image blocks, 128 + 512 ({result['precision_device']}): fp32 "
            f"{result['precision_fp32_step_s']:.2f} s, bf16 {result['precision_bf16_step_s']:.2f} s, "
            f"speed-up {result['precision_bf16_speedup']:.2f}x; compiled ({result['compiled_precision']}) "
            f"{result['compiled_step_s']:.2f} s, {result['compile_speedup']:.2f}x faster, first step "
            f"{result['compiled_first_step_s']:.0f} s",
            flush=True,
        )
        save("precision")
    if "text_layer" not in args.skip:
        result.update(text_layer_step(args.repeats))
        print(
            f"s_clip step, last two image blocks, 128 + 512 ({result['text_layer_device']}, "
            f"{result['text_layer_precision']}): text head only {result['text_heads_step_s']:.2f} s, "
            f"+ MiniLM's last layer {result['text_layer_step_s']:.2f} s, ratio "
            f"{result['text_layer_step_ratio']:.2f}",
            flush=True,
        )
        save("text_layer")
    if "ot_step" not in args.skip:
        model, data, _ = _step_setup({"image": "heads", "text": "heads"}, 224)
        result.update(ot_step(model, data, 10 * args.repeats))
        print(
            f"per-step OT 128 × 128: {result['ot_step_ms']:.2f} ms ({result['ot_step_solver']}), "
            f"plain {result['ot_step_plain_ms']:.2f} ms (lean loop), POT's loop "
            f"{result['ot_step_pot_sinkhorn_ms']:.2f} ms, ε-scaling "
            f"{result['ot_step_epsilon_scaling_ms']:.1f} ms; iterations over "
            f"{result['ot_step_batches']} batches: plain {result['ot_step_iterations_plain']} "
            f"(slowest {result['ot_step_iterations_plain_max']}), over-relaxed "
            f"{result['ot_step_iterations_overrelaxed']} "
            f"(slowest {result['ot_step_iterations_overrelaxed_max']})",
            flush=True,
        )
        save("ot_step")
    if "ot" not in args.skip:
        result.update(ot_dataset_level(8000, 1000))
        print(
            f"OT 8000×1000: {result['ot_seconds']:.1f} s, marginal error "
            f"{result['ot_marginal_error']:.1e} (relative {result['ot_marginal_error_relative']:.1e}); "
            f"reference 10 iterations: {result['ot_reference_10_iter_marginal_error']:.1e} "
            f"(relative {result['ot_reference_10_iter_marginal_error_relative']:.1e})",
            flush=True,
        )
        save("ot")
    if args.rss:
        result.update(peak_rss("rsicd"))
        print(f"peak RSS of kedro run --env rsicd: {result['peak_rss_mb']:.0f} MB", flush=True)
        save("peak_rss")
    save()
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
