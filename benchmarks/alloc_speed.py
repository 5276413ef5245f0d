"""speed.py's allocator figure: the frozen prefix and a conf/rsicd training step with glibc's
default malloc thresholds against sclip's kept freed memory, process wide
(SCLIP_KEEP_FREED_MEMORY=1; src/sclip/allocator.py).

The thresholds only matter before the heap holds freed blocks, so each setting is timed in its
own child process (SCLIP_KEEP_FREED_MEMORY=0 for the default), the two alternating round by
round so that the ratio is a same-round one.

`after_scope` times what runs after a `freed_memory_kept` scope has closed (a notebook that
encodes images, then captions): RSICD captions through the frozen MiniLM, whose blocks sit
below glibc's 32 MiB mmap ceiling, in three children a round: glibc's own adaptive thresholds
(SCLIP_KEEP_FREED_MEMORY=0), after a scope as sclip leaves them (glibc's ceiling), and after a
scope at glibc's starting 128 KiB (what sclip left before 2026-12-07: a mallopt fixes them).

    python benchmarks/alloc_speed.py --child                # one child: JSON of its seconds and faults
    python benchmarks/alloc_speed.py --child-after SETTING  # glibc | ceiling | start
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from timing import paired_ratio

HERE = Path(__file__).resolve().parent


def _run_child(args: list[str], keep: str | None) -> dict:
    """This script as a child with SCLIP_KEEP_FREED_MEMORY=keep (unset for None): its JSON."""
    env = {k: v for k, v in os.environ.items() if k != "SCLIP_KEEP_FREED_MEMORY"}
    out = subprocess.run(
        [sys.executable, str(HERE / "alloc_speed.py"), *args],
        env=env if keep is None else {**env, "SCLIP_KEEP_FREED_MEMORY": keep},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _best_call(fn, calls: int) -> tuple[float, int]:
    """Seconds and page faults of the fastest of `calls` calls of fn."""
    best = None
    for _ in range(calls):
        f0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
        fn()
        t = time.perf_counter() - t0
        if best is None or t < best[0]:
            best = (t, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    return best


def allocator(repeats: int) -> dict:
    """Seconds and page faults per call of the frozen prefix and the training step (`child`),
    glibc's default thresholds against sclip's, over `repeats` rounds of two children."""
    times: dict[str, list[float]] = {}
    faults: dict[str, list[int]] = {}
    for _ in range(repeats):
        for setting, keep in (("default", "0"), ("kept", "1")):
            child = _run_child(["--child"], keep)
            if child["kept"] != (keep == "1"):
                raise RuntimeError(f"child with SCLIP_KEEP_FREED_MEMORY={keep} reports {child}")
            for what in ("prefix", "step"):
                times.setdefault(f"{what}_{setting}", []).append(child[f"{what}_s"])
                faults.setdefault(f"{what}_{setting}", []).append(child[f"{what}_faults"])
    return {
        "allocator_prefix_images": child["prefix_images"],
        **{f"allocator_{k}_s": min(v) for k, v in times.items()},
        **{f"allocator_{k}_page_faults": min(v) for k, v in faults.items()},
        "allocator_prefix_speedup": paired_ratio(times, "prefix_default", "prefix_kept"),
        "allocator_step_speedup": paired_ratio(times, "step_default", "step_kept"),
    }


def child(n_images: int = 128, calls: int = 3) -> dict:
    """The frozen image prefix over n_images RSICD images (batches of 64) and an s_clip step as
    conf/rsicd trains it (last two image blocks, 128 + 512 images, the precision `auto` picks):
    best of `calls` after a warm-up call, and the page faults of that best call."""
    import torch
    from encode_speed import image_files
    from step_speed import _optimiser_step, _step_setup

    import sclip
    from sclip.data.images import load_pixels
    from sclip.models import build_model
    from sclip.training.device import resolve_precision
    from sclip.training.methods import make_method
    from sclip.training.sampler import Batch

    cpu = torch.device("cpu")
    prefix = build_model({"image_size": 224}).eval()
    pixels = load_pixels(image_files(n_images), 224)
    stop = prefix.first_trainable["image"]

    @torch.no_grad()
    def forward():
        for i in range(0, len(pixels), 64):
            prefix.run_stages("image", pixels[i : i + 64], 0, stop)

    model, data, bank = _step_setup({"image": 2, "text": "heads"}, 224, n=1024)
    s_clip = make_method("s_clip", keywords=bank, unpaired_negatives=False, ot_epsilon=0.03)
    batch = Batch(torch.arange(128), torch.arange(128) * 4, torch.arange(512, 1024))
    step = _optimiser_step(model, data, s_clip, batch, cpu, resolve_precision("auto", cpu))
    result = {"kept": sclip.KEEPS_FREED_MEMORY, "prefix_images": len(pixels)}
    for name, fn in (("prefix", forward), ("step", step)):
        fn()  # warm-up: kernel selection, first allocations
        result[f"{name}_s"], result[f"{name}_faults"] = _best_call(fn, calls)
    return result


AFTER_SCOPE = ("glibc", "ceiling", "start")


def after_scope(repeats: int, n_captions: int = 2000) -> dict:
    """Seconds and page faults of encoding n_captions captions after a closed scope, for each
    of AFTER_SCOPE, the three children alternating round by round."""
    times: dict[str, list[float]] = {}
    faults: dict[str, list[int]] = {}
    for _ in range(repeats):
        for setting in AFTER_SCOPE:
            result = _run_child(["--child-after", setting], {"glibc": "0"}.get(setting))
            times.setdefault(setting, []).append(result["seconds"])
            faults.setdefault(setting, []).append(result["faults"])
    return {
        "after_scope_captions": n_captions,
        **{f"after_scope_{k}_s": min(v) for k, v in times.items()},
        **{f"after_scope_{k}_page_faults": min(v) for k, v in faults.items()},
        "after_scope_start_over_ceiling": paired_ratio(times, "start", "ceiling"),
        "after_scope_ceiling_over_glibc": paired_ratio(times, "ceiling", "glibc"),
    }


def child_after(setting: str, n_captions: int = 2000, calls: int = 2) -> dict:
    """One `after_scope` child: best of `calls` caption encodings after a warm-up one."""
    import torch
    from encode_speed import caption_texts

    from sclip import allocator
    from sclip.features import encode_texts
    from sclip.models import build_model

    if setting not in AFTER_SCOPE:
        raise SystemExit(f"--child-after takes one of {AFTER_SCOPE}; got {setting!r}")
    expected = "off" if setting == "glibc" else "scoped"
    if allocator.mode() != expected:
        raise RuntimeError(f"child {setting!r} runs in allocator mode {allocator.mode()!r}")
    model, texts = build_model({"image_size": 224}).eval(), caption_texts(n_captions)
    with allocator.freed_memory_kept():  # an image encoding, say; nothing where mode is off
        torch.ones(2**20).sum()
    if setting == "start":
        allocator._set_thresholds(allocator.GLIBC_START, allocator.GLIBC_START)
    encode_texts(model, texts, progress=False)  # warm-up
    seconds, faults = _best_call(lambda: encode_texts(model, texts, progress=False), calls)
    return {"setting": setting, "seconds": seconds, "faults": faults}


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
    if sys.argv[1:] == ["--child"]:
        print(json.dumps(child()))
    elif len(sys.argv) == 3 and sys.argv[1] == "--child-after":
        print(json.dumps(child_after(sys.argv[2])))
    else:
        raise SystemExit(
            "usage: alloc_speed.py --child | --child-after SETTING (speed.py runs them)"
        )
