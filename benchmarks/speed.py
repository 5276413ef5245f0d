"""Where the time goes: each figure is measured side by side in this one process (interleaved
repeats, best of them), so ratios hold on a noisy machine.

    python benchmarks/speed.py                       # embedding, train step, per-step and dataset OT
    python benchmarks/speed.py --rss                 # + peak RSS of `kedro run --env rsicd`

- allocator_*_speedup: the frozen image prefix (128 images) and an s_clip step as conf/rsicd
  trains it with glibc's default mmap/trim thresholds over sclip's, kept process wide
  (SCLIP_KEEP_FREED_MEMORY=1; src/sclip/allocator.py), same-round medians, with the page faults of each call.
- after_scope_*: 2,000 RSICD captions through the frozen MiniLM after a freed_memory_kept scope
  has closed, with glibc's own adaptive thresholds, sclip's (glibc's ceiling) and glibc's
  starting 128 KiB (sclip's before 2026-12-07), each in its own child (alloc_speed.py).
- embedding_ratio: images/s of the embedding pipeline's encoder (files → decode → frozen prefix)
  over the bare encoder forward on in-memory uint8 tensors, same images and batch size, as the
  median of same-round ratios over --embedding-rounds rounds (embedding_ratio_rounds: each);
  embedding_nhwc_speedup: the bare forward with the EfficientNet tower in NHWC (the default)
  over the same forward in NCHW; embedding_bf16_speedup: conf/rsicd's prefix (all but the last
  two blocks) through the pipeline in fp32 over bf16 (timed whatever `auto` picks),
  embedding_ratio_rsicd the pipeline over the bare forward in the precision `auto` picks
  (`embedding.precision`; embedding_precision).
- selection_eval_speedup: the per-epoch val pass of RSICD training (1,027 images, last two
  image blocks) in fp32 NCHW (before) over NHWC in the precision `auto` picks (now).
- train_step_ratio: step time of s_clip (128 paired + 128 unpaired, the default; OT + keyword
  losses) over clip_ft (256 paired: the same images per step), both from cached states, a new
  batch each round as in training, as the median of same-round ratios; for the default
  heads-only training (300 rounds) at s = 100 (ε = 0.01, the slowest OT), at s = 1/0.07
  (where the offline model starts) and on one thread, the last two image blocks (conf/rsicd)
  and the whole image tower trained from pixels (128 px). train_step_ot_iterations: s_clip's
  OT iterations per step early and late in 300 steps on one batch repeated (how the ratio was
  timed before) and on a new batch each step. train_step_heads_phases(_initial_scale): the
  heads-only step of each method split into embedding, losses' forward, backward and AdamW
  (medians), with s_clip's OT inside its losses timed too (step_speed.phase_times, as
  gpu_speed.py's gpu_train_step_phases).
- precision_bf16_speedup: an s_clip step as conf/rsicd trains it (last two image blocks,
  128 + 512 images) in fp32 over the same step under bf16 autocast (`training.precision`);
  compile_speedup: that step compiled (`training.compile`) over eager, at the auto precision.
- text_layer_step_ratio: that step (ε = 0.03, auto precision) with MiniLM's last layer trained
  too (`model.trainable.text: 1`) over the text projection head alone.
- paired_bank_step_ratio: that step (ε = 0.03, auto precision) with its caption pseudo-labels
  over a full paired bank of 800 images (`paired_bank`) over the batch's 128.
- ot_step_ms: one s_clip caption target (128 × 128 OT at s = 100) with the default solver
  (over-relaxed Sinkhorn), beside POT's plain iteration (lean loop and POT's own) and its
  ε-scaling solver; ot_step_iterations_*: plain and over-relaxed iterations summed over 16
  batches of the same setup; ot_step_eps003_*: a plan over those batches at ε = 0.03 with the
  float32 iteration where it is safe, against float64.
- ot_seconds / ot_marginal_error: the pseudo_labeling pipeline's dataset-level plan (its
  solver settings from conf/base) for 8,000 unpaired × 1,000 paired images (ε = 0.01), against
  the reference's 10 iterations.
- peak_rss_mb: peak resident memory of `kedro run --env rsicd` (all nodes, all methods), the
  kedro process's own VmHWM (child_rss.py).

Results go to benchmarks/results/speed.json (merged: figures not re-measured are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import torch  # noqa: E402
from alloc_speed import after_scope, allocator  # noqa: E402
from block_step_speed import (  # noqa: E402
    paired_bank_step,
    pool_backward,
    precision_step,
    text_layer_step,
)
from child_rss import module_peak_rss  # noqa: E402
from encode_speed import embedding, selection_eval  # noqa: E402
from ot_speed import ot_dataset_level, ot_step  # noqa: E402
from step_speed import _step_setup, ot_drift, step_phases, train_step  # noqa: E402
from timing import machine  # noqa: E402


def peak_rss(env: str) -> dict:
    """Peak RSS of a whole `kedro run --env <env>` in a child process, as the child reads it
    (child_rss.py: wait4's figure would carry this script's own peak over). Checkpoints go to a
    fresh folder, or the run would resume the last benchmark's finished training and skip it."""
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as checkpoints:
        status, peak_mb = module_peak_rss(
            "kedro",
            ["run", "--env", env, "--params", f"checkpoints.dir={checkpoints}"],
            cwd=REPO,
            env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"},
            stdout=subprocess.DEVNULL,
        )
    if status != 0:
        raise RuntimeError(f"kedro run --env {env} failed (exit {status})")
    return {
        "peak_rss_mb": peak_mb,
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
        "--embedding-rounds", type=int, default=5, help="rounds of the embedding figures"
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=[
            "allocator",
            "after_scope",
            "embedding",
            "selection_eval",
            "train_step",
            "step_phases",
            "ot_drift",
            "precision",
            "pool_backward",
            "text_layer",
            "paired_bank",
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

    if "allocator" not in args.skip:
        result.update(allocator(args.repeats))
        print(
            f"glibc thresholds default vs sclip's: frozen prefix "
            f"({result['allocator_prefix_images']} images) {result['allocator_prefix_default_s']:.2f}"
            f" vs {result['allocator_prefix_kept_s']:.2f} s "
            f"({result['allocator_prefix_speedup']:.2f}x; page faults "
            f"{result['allocator_prefix_default_page_faults']} vs "
            f"{result['allocator_prefix_kept_page_faults']}), conf/rsicd s_clip step "
            f"{result['allocator_step_default_s']:.2f} vs {result['allocator_step_kept_s']:.2f} s "
            f"({result['allocator_step_speedup']:.2f}x; page faults "
            f"{result['allocator_step_default_page_faults']} vs "
            f"{result['allocator_step_kept_page_faults']})",
            flush=True,
        )
        save("allocator")
    if "after_scope" not in args.skip:
        result.update(after_scope(args.repeats))
        print(
            f"after a closed scope, {result['after_scope_captions']} captions: glibc's own "
            f"thresholds {result['after_scope_glibc_s']:.2f} s, sclip's (glibc's ceiling) "
            f"{result['after_scope_ceiling_s']:.2f} s, glibc's start {result['after_scope_start_s']:.2f}"
            f" s (page faults {result['after_scope_glibc_page_faults']} / "
            f"{result['after_scope_ceiling_page_faults']} / {result['after_scope_start_page_faults']});"
            f" start over ceiling {result['after_scope_start_over_ceiling']:.2f}x, ceiling over "
            f"glibc {result['after_scope_ceiling_over_glibc']:.2f}x",
            flush=True,
        )
        save("after_scope")
    if "embedding" not in args.skip:
        result.update(embedding(args.images, 64, args.embedding_rounds))
        print(
            f"embedding: pipeline {result['embedding_pipeline_images_per_s']:.1f} img/s, bare "
            f"{result['embedding_bare_images_per_s']:.1f} img/s, ratio {result['embedding_ratio']:.3f} "
            f"(median; rounds {', '.join(f'{r:.2f}' for r in result['embedding_ratio_rounds'])})",
            flush=True,
        )
        print(
            f"frozen prefix NHWC vs NCHW: {result['embedding_bare_images_per_s']:.1f} vs "
            f"{result['embedding_bare_nchw_images_per_s']:.1f} img/s, "
            f"{result['embedding_nhwc_speedup']:.2f}x",
            flush=True,
        )
        print(
            f"conf/rsicd prefix: fp32 {result['embedding_rsicd_fp32_images_per_s']:.1f} img/s, "
            f"bf16 {result['embedding_rsicd_bf16_images_per_s']:.1f} img/s "
            f"({result['embedding_bf16_speedup']:.2f}x; states differ by "
            f"{result['embedding_bf16_relative_difference']:.3f} relative, its captions by "
            f"{result['embedding_bf16_caption_relative_difference']:.3f}); at auto "
            f"({result['embedding_precision']}) pipeline over bare "
            f"{result['embedding_ratio_rsicd']:.3f}",
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
        # 1,024 cached images, so that each round draws a new batch (step_batches); 128 px
        # keeps their encoding short, and heads-only steps see only the pooled features.
        heads = train_step({"image": "heads", "text": "heads"}, 128, rounds, plain_ot=True, n=1024)
        # At the s the offline model starts at and keeps in a short run (1/0.07 → 15.4 in
        # RSICD's 150 steps): ε = 1/s ≈ 0.07, conf/base's s_clip OT, needs far fewer iterations.
        heads_start = train_step(
            {"image": "heads", "text": "heads"}, 128, rounds, scale=1 / 0.07, n=1024
        )
        # The same on one thread: what s_clip adds in work, without the serial parts (the OT's
        # loop, small ops) that leave the second core idle.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        heads_one_thread = train_step({"image": "heads", "text": "heads"}, 128, rounds, n=1024)
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
    if "step_phases" not in args.skip:
        for label, key, scale in (
            ("s = 100", "", 100.0),
            ("s = 1/0.07", "_initial_scale", 1 / 0.07),
        ):
            phases = step_phases(100 * args.repeats, scale=scale)
            result[f"train_step_heads_phases{key}"] = phases
            for name, ms in phases.items():
                print(
                    f"heads-only step phases, {label}, {name} (medians, ms): "
                    + ", ".join(f"{k.removesuffix('_ms')} {v:.2f}" for k, v in ms.items()),
                    flush=True,
                )
        save("step_phases")
    if "ot_drift" not in args.skip:
        drift = ot_drift(300)
        result["train_step_ot_iterations"] = drift
        print(
            "s_clip OT iterations per step over 300 heads-only steps at s = 100 (first → last "
            f"sixth, medians): one batch over and over {drift['one_batch']['first']:g} → "
            f"{drift['one_batch']['last']:g}, a new batch each step "
            f"{drift['new_batches']['first']:g} → {drift['new_batches']['last']:g}",
            flush=True,
        )
        save("ot_drift")
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
        print(
            f"  its trained stages: ~{result['compiled_step_gflop']:.0f} GFLOP a step, compiled "
            f"{result['compiled_step_gflops']:.0f} GFLOP/s against this device's fp32 matmul "
            f"{result['matmul_fp32_gflops']:.0f} GFLOP/s "
            f"({result['compiled_step_gflops'] / result['matmul_fp32_gflops']:.0%}); "
            f"{result['compiled_step_conv_share']:.0%} of the step in convolution kernels",
            flush=True,
        )
        save("precision")
    if "pool_backward" not in args.skip:
        result.update(pool_backward(10 * args.repeats))
        print(
            f"image head forward + backward, {result['pool_backward_batch']} maps of 320 × 7 × 7 (fp32): "
            f"pooled by mean(dim=(2, 3)) {result['pool_backward_mean_s'] * 1e3:.0f} ms, by "
            f"spatial_mean {result['pool_backward_spatial_mean_s'] * 1e3:.0f} ms: "
            f"{result['pool_backward_speedup']:.1f}x (median of same-round ratios)",
            flush=True,
        )
        save("pool_backward")
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
    if "paired_bank" not in args.skip:
        result.update(paired_bank_step(args.repeats))
        print(
            f"s_clip step, last two image blocks, 128 + 512 ({result['paired_bank_device']}, "
            f"{result['paired_bank_precision']}): pseudo-labels over the batch "
            f"{result['paired_bank_in_batch_step_s']:.2f} s, over a full paired bank of "
            f"{result['paired_bank_slots']} {result['paired_bank_step_s']:.2f} s, ratio "
            f"{result['paired_bank_step_ratio']:.2f}",
            flush=True,
        )
        save("paired_bank")
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
            f"(slowest {result['ot_step_iterations_overrelaxed_max']}); at ε = 0.03 "
            f"{result['ot_step_eps003_ms']:.2f} ms a plan (float32 where safe) vs "
            f"{result['ot_step_eps003_float64_ms']:.2f} ms in float64: "
            f"{result['ot_step_eps003_float32_speedup']:.2f}x",
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
