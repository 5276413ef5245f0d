"""speed.py's figures for steps that train image blocks, as conf/rsicd does: fp32, bf16 and
compiled steps, their FLOP rate, a trained text layer, the paired bank, and the image head's
pooling backward. The heads-only step figures are step_speed.py's."""

from __future__ import annotations

import time

import torch
from step_speed import _optimiser_step, _step_setup
from timing import best_of, paired_ratio, timings

from sclip.allocator import freed_memory_kept
from sclip.models import build_model
from sclip.training.batch import TrainData
from sclip.training.compile import CompiledOrEager
from sclip.training.device import resolve_precision
from sclip.training.methods import make_method
from sclip.training.sampler import Batch


@freed_memory_kept()  # steps as training runs them (training/loop.py)
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
    gflop = step_gflop(model, data, batch, device)
    return {
        "compiled_step_conv_share": conv_share(steps["compiled"]),
        "compiled_step_gflop": gflop,
        "compiled_step_gflops": gflop / t["compiled"],
        **matmul_rate(device),
        "precision_device": str(device),
        "precision_fp32_step_s": t["fp32"],
        "precision_bf16_step_s": t["bf16"],
        "precision_bf16_speedup": t["fp32"] / t["bf16"],
        "compiled_precision": auto,
        "compiled_step_s": t["compiled"],
        "compiled_first_step_s": compile_s,
        "compile_speedup": t[auto] / t["compiled"],
    }


def step_gflop(model, data: TrainData, batch: Batch, device) -> float:
    """GFLOP of one training step's trained image stages: the forward's, counted by torch's
    FlopCounterMode, times 3 (the backward's weight and input gradients each cost about a
    forward; an upper bound, as the first trained conv needs no input gradient). The backward
    is not counted directly: torch's counter charges a depthwise conv's input gradient as if
    it were dense (1,152× too much for EfficientNet's last block)."""
    from torch.utils.flop_counter import FlopCounterMode

    rows = torch.cat([batch.paired_images, batch.unpaired_images])
    state = data.image_state[rows].to(device)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model.encode_image(state, data.image_stage)
    return 3 * counter.get_total_flops() / 1e9


CONV_OPS = ("aten::mkldnn_convolution", "aten::convolution_backward", "aten::cudnn_convolution")


def conv_share(step, calls: int = 2) -> float:
    """Share of a step's self time (torch.profiler, over `calls` steps) spent in the
    convolution kernels themselves, forward and backward: the part no fusion of the
    elementwise ops around them can remove."""
    from torch.profiler import profile

    with profile() as prof:
        for _ in range(calls):
            step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    return sum(e.self_cpu_time_total for e in events if e.key in CONV_OPS) / total


def matmul_rate(device, size: int = 4096, repeats: int = 3) -> dict:
    """This device's fp32 matrix-multiply rate (best of `repeats` size² products): the
    ceiling a convolution-bound step could approach."""
    a, b = (torch.randn(size, size, device=device) for _ in range(2))
    a @ b

    def product():
        a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()

    seconds = best_of({"mm": product}, repeats)["mm"]
    return {"matmul_fp32_gflops": 2 * size**3 / seconds / 1e9}


@freed_memory_kept()  # steps as training runs them (training/loop.py)
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


@freed_memory_kept()  # steps as training runs them (training/loop.py)
def paired_bank_step(
    repeats: int, paired: int = 800, image_size: int = 224, batch: tuple = (128, 512)
) -> dict:
    """Seconds of an s_clip step as conf/rsicd trains it (last two image blocks, `batch` =
    128 paired + 512 unpaired, ε = 0.03, the precision `auto` picks) with its pseudo-labels
    over the batch and over a full paired bank of `paired` images (`paired_bank`; RSICD's
    10 % has 795), in the same rounds: the bank's OT is 512 × `paired` instead of 512 × 128,
    and its captions go through the text heads every step."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    precision = resolve_precision("auto", device)
    n_paired, n_unpaired = batch
    model, data, bank = _step_setup({"image": 2, "text": "heads"}, image_size, n=2 * paired)
    model.to(device)
    g = torch.Generator().manual_seed(2)
    batches = []
    for _ in range(max(repeats, 7)):
        positions = torch.randperm(paired, generator=g)[:n_paired]
        unpaired = data.unpaired_images[torch.randperm(paired, generator=g)[:n_unpaired]]
        captions = torch.stack([data.captions_of[p][0] for p in positions.tolist()])
        batches.append(Batch(data.paired_images[positions], captions, unpaired, positions))
    steps = {}
    for name, option in (("in_batch", False), ("paired_bank", True)):
        method = make_method(
            "s_clip", keywords=bank, unpaired_negatives=False, ot_epsilon=0.03, paired_bank=option
        )
        fill = method.start_bank(paired)
        if fill is not None:  # every slot written, as after RSICD's first epoch
            fill.record_captions(torch.arange(paired), torch.arange(paired) * 4)
            fill.update_images(torch.arange(paired), torch.randn(paired, model.config.embed_dim))
        steps[name] = _optimiser_step(
            model, data, method, batches, device, precision, paired_bank=fill
        )
    for run in steps.values():  # warm-up
        run()
    times = timings(steps, repeats)
    return {
        "paired_bank_device": str(device),
        "paired_bank_precision": precision,
        "paired_bank_slots": paired,
        "paired_bank_in_batch_step_s": min(times["in_batch"]),
        "paired_bank_step_s": min(times["paired_bank"]),
        "paired_bank_step_ratio": paired_ratio(times, "paired_bank", "in_batch"),
    }


@freed_memory_kept()  # steps as training runs them (training/loop.py)
def pool_backward(repeats: int, batch: int = 512) -> dict:
    """Forward and backward of the image tower's head (1x1 conv to 1280 channels, batch norm,
    ReLU6, pool) on `batch` NHWC maps of 7 × 7, pooled by `spatial_mean` against
    x.mean(dim=(2, 3)), in interleaved rounds, fp32: what the pooling's gradient layout costs
    batch norm's backward."""
    from sclip.models.offline import spatial_mean

    model = build_model({"image_size": 224, "trainable": {"image": 1, "text": "heads"}})
    head = model.image_stages[-2].train()
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, 320, 7, 7, generator=g).contiguous(memory_format=torch.channels_last)

    def step(pool):
        def run():
            head.zero_grad(set_to_none=True)
            pool(head.act(head.bn(head.conv(x)))).sum().backward()

        return run

    steps = {"mean": step(lambda y: y.mean(dim=(2, 3))), "spatial_mean": step(spatial_mean)}
    for run in steps.values():
        run()
    times = timings(steps, repeats)
    return {
        "pool_backward_batch": batch,
        "pool_backward_mean_s": min(times["mean"]),
        "pool_backward_spatial_mean_s": min(times["spatial_mean"]),
        "pool_backward_speedup": paired_ratio(times, "mean", "spatial_mean"),
    }
