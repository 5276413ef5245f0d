"""speed.py's encoder figures: the embedding pipeline against the bare forward, the
EfficientNet tower in NHWC against NCHW, and the per-epoch val pass before and now."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import torch
from timing import best_of, paired_ratio, timings

from sclip.allocator import freed_memory_kept
from sclip.features import encode_image_files, encode_texts
from sclip.models import build_model, offline
from sclip.training.device import resolve_precision

REPO = Path(__file__).resolve().parents[1]


def image_files(limit: int) -> list[str]:
    """Images of RSICD when ../shared has it, else those `kedro run` drew for the built-in data."""
    rsicd = REPO.parent / "shared/datasets/rsicd/RSICD_images"
    paths = sorted(rsicd.iterdir()) if rsicd.is_dir() else []
    paths = paths or sorted((REPO / "data/01_raw/synthetic_scenes").rglob("*.png"))
    if not paths:
        raise SystemExit("No images to time: run `make run` first (or provide ../shared RSICD)")
    return [str(p) for p in paths[:limit]]


@contextmanager
def nchw():
    """The EfficientNet stages without their NHWC conversion (as before it): pair with a model
    whose weights are in torch.contiguous_format."""
    keep = offline._channels_last
    offline._channels_last = lambda x: x
    try:
        yield
    finally:
        offline._channels_last = keep


def caption_texts(limit: int) -> list[str]:
    """RSICD's first captions when ../shared has it, else synthetic ones of about their length."""
    rsicd = REPO.parent / "shared/datasets/rsicd"
    if (rsicd / "dataset_rsicd.json").is_file():
        from sclip.data.readers import read_karpathy_captions

        corpus = read_karpathy_captions(
            rsicd / "dataset_rsicd.json", rsicd / "RSICD_images", check_files=False
        )
        return corpus.captions["text"].head(limit).tolist()
    return [f"many buildings and green trees are around a {i} lane road" for i in range(limit)]


def nchw_model(params: dict):
    """The model of `params` with NCHW conv weights, for the side-by-side figures."""
    return build_model(params).to(memory_format=torch.contiguous_format)


def embedding(n_images: int, batch_size: int, repeats: int) -> dict:
    from sclip.data.images import load_pixels

    model = build_model({"image_size": 224}).eval()
    before = nchw_model({"image_size": 224}).eval()
    paths = image_files(n_images)
    pixels = load_pixels(paths, 224)  # channels-last, as the pipeline decodes them
    nchw_pixels = pixels.contiguous()  # NCHW memory throughout, as before the NHWC change
    stop = model.first_trainable["image"]

    def pipeline():
        encode_image_files(model, paths, batch_size, progress=False)

    @torch.no_grad()
    def bare(m=model, stop=stop, pixels=pixels):
        with freed_memory_kept():  # as encode_image_files runs it
            for i in range(0, len(pixels), batch_size):
                m.run_stages("image", pixels[i : i + batch_size], 0, stop)

    def bare_nchw():
        with nchw():
            bare(before, pixels=nchw_pixels)

    # conf/rsicd's prefix (all but the last two blocks) through the pipeline in fp32 and bf16,
    # and bare in the precision `auto` picks (`embedding.precision`), same images; the states
    # of the last timed call of each precision are kept for their difference.
    rsicd = build_model({"image_size": 224, "trainable": {"image": 2}}).eval()
    auto = resolve_precision("auto", torch.device("cpu"))
    states = {}

    def rsicd_pipeline(precision):
        states[precision] = encode_image_files(
            rsicd, paths, batch_size, progress=False, precision=precision
        )

    def rsicd_bare():
        with torch.autocast("cpu", torch.bfloat16, enabled=auto == "bf16"):
            bare(rsicd, rsicd.first_trainable["image"])

    # Ratios are medians of same-round ratios (paired_ratio): one call of each per round, so a
    # neighbour's load that slows a round slows both sides of its ratio. Best-of-3 ratios of
    # the fp32 pipeline over the bare forward read 1.03, 0.88, 0.92 and 0.78 on four runs of one
    # day, while the rates they came from moved by as much between runs.
    rounds = timings(
        {
            "pipeline": pipeline,
            "bare": bare,
            "bare_nchw": bare_nchw,
            "rsicd_fp32": lambda: rsicd_pipeline("fp32"),
            "rsicd_bf16": lambda: rsicd_pipeline("bf16"),  # timed even where auto is fp32
            "rsicd_bare_auto": rsicd_bare,
        },
        repeats,
    )
    rounds["rsicd_auto"] = rounds[f"rsicd_{auto}"]
    t = {k: min(v) for k, v in rounds.items()}
    captions = caption_texts(len(paths) * 5)
    caption_states = {
        p: encode_texts(rsicd, captions, progress=False, precision=p) for p in ("fp32", "bf16")
    }
    return {
        "embedding_images": len(paths),
        "embedding_batch_size": batch_size,
        "embedding_pipeline_images_per_s": len(paths) / t["pipeline"],
        "embedding_bare_images_per_s": len(paths) / t["bare"],
        "embedding_ratio": 1 / paired_ratio(rounds, "pipeline", "bare"),
        "embedding_ratio_rounds": [
            b / p for p, b in zip(rounds["pipeline"], rounds["bare"], strict=True)
        ],
        "embedding_bare_nchw_images_per_s": len(paths) / t["bare_nchw"],
        "embedding_nhwc_speedup": paired_ratio(rounds, "bare_nchw", "bare"),
        "embedding_precision": auto,
        "embedding_rsicd_fp32_images_per_s": len(paths) / t["rsicd_fp32"],
        "embedding_rsicd_bf16_images_per_s": len(paths) / t["rsicd_bf16"],
        "embedding_rsicd_images_per_s": len(paths) / t["rsicd_auto"],
        "embedding_bf16_speedup": paired_ratio(rounds, "rsicd_fp32", "rsicd_bf16"),
        "embedding_ratio_rsicd": 1 / paired_ratio(rounds, "rsicd_auto", "rsicd_bare_auto"),
        "embedding_bf16_relative_difference": relative_difference(states, "bf16"),
        "embedding_bf16_caption_relative_difference": relative_difference(caption_states, "bf16"),
        "embedding_bf16_captions": len(captions),
    }


def relative_difference(states: dict, precision: str) -> float:
    """‖states[precision] − states['fp32']‖ / ‖states['fp32']‖."""
    fp32 = states["fp32"]
    return ((states[precision] - fp32).norm() / fp32.norm()).item()


def selection_eval(repeats: int, n: int = 1027) -> dict:
    """Seconds of the per-epoch val pass of RSICD training (n = RSICD's 1,027 val images
    through the last two image blocks and the heads, the metrics beside): fp32 with NCHW
    weights (before), fp32 NHWC, and under the training precision `auto` picks (the loop runs
    it so)."""
    from sclip.evaluation.evaluate import EvalSet, Evaluator

    params = {"image_size": 224, "trainable": {"image": 2}}
    model, before = build_model(params).eval(), nchw_model(params).eval()
    k = model.first_trainable["image"]
    g = torch.Generator().manual_seed(0)
    pixels = torch.randint(0, 256, (64, 3, 224, 224), dtype=torch.uint8, generator=g)
    with torch.no_grad():
        tile = model.run_stages("image", pixels, 0, k).contiguous()
    captions = [f"caption {i} of an aerial scene" for i in range(5 * n)]
    val = EvalSet(
        tile.repeat(n // 64 + 1, 1, 1, 1)[:n],
        k,
        encode_texts(model, captions, progress=False),
        model.first_trainable["text"],
        torch.arange(n).repeat_interleave(5),
        torch.arange(n) % 30,
        [f"class {c}" for c in range(30)],
    )
    cpu = torch.device("cpu")
    evaluator = Evaluator(model, val, ["an aerial photograph of {c}."], 0, cpu)
    auto = resolve_precision("auto", cpu)

    def fp32_nchw():
        with nchw():
            evaluator(before)

    def trained_precision():
        with torch.autocast("cpu", torch.bfloat16, enabled=auto == "bf16"):
            evaluator(model)

    t = best_of(
        {"fp32_nchw": fp32_nchw, "fp32": lambda: evaluator(model), "auto": trained_precision},
        repeats,
    )
    return {
        "selection_eval_images": n,
        "selection_eval_fp32_nchw_s": t["fp32_nchw"],
        "selection_eval_fp32_s": t["fp32"],
        "selection_eval_precision": auto,
        "selection_eval_s": t["auto"],
        "selection_eval_speedup": t["fp32_nchw"] / t["auto"],
    }
