"""Where retrieval gains come from: the class part and the instance part of one-caption R@5.

    python benchmarks/retrieval_levels.py --env rsicd --seeds 0 1 2 \
        --runs "0.1:clip_ft,s_clip" "0.3:clip_ft" --out benchmarks/results/retrieval_levels_rsicd.json

Each run trains as the RSICD table does (the env's settings, the epoch selected on val), then
on val and test, both directions of the one-caption protocol (the Evaluator's draw):
- `r5`: the table's R@5;
- `class_p5`: percent of the top 5 that share the query's class (`retrieval_levels.py`);
- `within_class_rank`: the positive's rank among the items of its class, as a fraction of
  them (0 first, 0.5 a random order inside the class).
A method that ranks the right class higher but orders a class's images no better than chance
raises class_p5 and leaves within_class_rank where it was. Class labels (RSICD's file names)
are read for the diagnostic only; nothing here selects anything.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from sweep import REPO, load_seed, train_selected  # also puts src/ on the path

from sclip.evaluation.evaluate import embed
from sclip.evaluation.metrics import one_caption_per_image, retrieval_recall
from sclip.evaluation.retrieval_levels import (
    class_precision_at_k,
    within_class_rank,
)


def levels(model, data) -> dict[str, float]:
    """The table's R@5 and its class and instance parts, both directions, one caption each."""
    img = embed(model, "image", data.image_state, data.image_stage, "cpu")
    txt = embed(model, "text", data.text_state, data.text_stage, "cpu")
    one = one_caption_per_image(data.caption_image, img.shape[0], 0)  # the Evaluator's draw
    txt, labels = txt[one], data.labels
    sim, positive = img @ txt.T, torch.arange(img.shape[0])
    recall = retrieval_recall(img, txt, positive, ks=(5,))
    out = {"i2t_r5": recall["i2t_r5"], "t2i_r5": recall["t2i_r5"]}
    for name, s in (("i2t", sim), ("t2i", sim.T)):
        out[f"{name}_class_p5"] = class_precision_at_k(s, labels, labels, 5)
        out[f"{name}_within_class_rank"] = within_class_rank(s, positive, labels, labels)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", default="rsicd")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--runs", nargs="+", default=["0.1:clip_ft,s_clip"], help="label_ratio:method,method …"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    from kedro.framework.startup import bootstrap_project

    bootstrap_project(REPO)
    started, per_run = time.perf_counter(), {}
    for entry in args.runs:
        ratio, methods = entry.split(":")
        for seed in args.seeds:
            data = load_seed(args.env, seed, {"split": {"label_ratio": float(ratio)}})
            for method in methods.split(","):
                model, _, splits, _ = train_selected(data, seed, method, {})
                row = {s: levels(model, splits[s]) for s in splits}
                per_run.setdefault(f"{method}@{ratio}", {})[seed] = row
                print(f"{method}@{ratio} seed {seed}: " + json.dumps(row["val"]), flush=True)
    summary = {
        run: {
            split: {
                k: statistics.mean(seeds[s][split][k] for s in seeds)
                for k in next(iter(seeds.values()))[split]
            }
            for split in ("val", "test")
        }
        for run, seeds in per_run.items()
    }
    for run, splits in summary.items():
        for split, m in splits.items():
            print(f"{run:12s} {split:4s} " + "  ".join(f"{k} {v:.3g}" for k, v in m.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "env": args.env,
                "seeds": args.seeds,
                "runs": args.runs,
                "date": time.strftime("%Y-%m-%d"),
                "wall_seconds": time.perf_counter() - started,
                "mean": summary,
                "per_seed": per_run,
            },
            indent=2,
        )
    )
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
