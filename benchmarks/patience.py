"""What early stopping (`training.patience`) would have changed in finished runs, from their
val histories alone: for each patience, how many runs select another epoch, and the training
seconds it saves. The runs' checkpoints hold every epoch's val score and seconds.

    python benchmarks/patience.py --patience 3 4 5 6 8 \
        --out benchmarks/results/patience_rsicd.json \
        'data/rsicd/06_models/checkpoints/*/*/last.pt'

Only val scores are read, so choosing a patience this way is model selection on val."""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sclip.training.checkpoint import load_checkpoint  # noqa: E402


def stop_epoch(scores: list[float], patience: int) -> tuple[int, int]:
    """(epochs run, selected epoch) under the loop's rule: stop once `patience` epochs have
    passed since the best score (a tie is not better)."""
    best, selected = float("-inf"), 0
    for epoch, score in enumerate(scores):
        if epoch - selected >= patience:
            return epoch, selected
        if score > best:
            best, selected = score, epoch + 1
    return len(scores), selected


def summarise(histories: dict[str, list[dict]], metric: str, patience: int) -> dict:
    changed, saved, total = [], 0.0, 0.0
    for run, history in histories.items():
        scores = [row[metric] for row in history]
        full_ran, full_sel = stop_epoch(scores, len(scores) + 1)
        ran, sel = stop_epoch(scores, patience)
        total += sum(row["seconds"] for row in history)
        saved += sum(row["seconds"] for row in history[ran:])
        if sel != full_sel:
            changed.append(
                {
                    "run": run,
                    "selected_epoch": [full_sel, sel],
                    metric: [scores[full_sel - 1], scores[sel - 1]],
                }
            )
    return {
        "patience": patience,
        "runs": len(histories),
        "same_selection": len(histories) - len(changed),
        "changed": changed,
        "seconds_saved": round(saved, 1),
        "seconds_total": round(total, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoints", nargs="+", help="last.pt files or glob patterns")
    parser.add_argument("--patience", type=int, nargs="+", default=[3, 4, 5, 6, 8])
    parser.add_argument("--metric", default="val_zero_shot_top1")
    parser.add_argument("--skip", nargs="*", default=[], help="run folders to leave out")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    paths = sorted({p for pattern in args.checkpoints for p in glob.glob(pattern) or [pattern]})
    histories = {}
    for path in map(Path, paths):
        if path.parent.name in args.skip:
            continue
        history = load_checkpoint(path)["history"]
        if history and args.metric not in history[0]:
            raise SystemExit(f"{path}: its history has no {args.metric!r} (was val evaluated?)")
        histories[f"{path.parent.parent.name}/{path.parent.name}"] = history
    if not histories:
        raise SystemExit(f"No checkpoints matched {args.checkpoints}")
    rows = [summarise(histories, args.metric, p) for p in args.patience]
    for row in rows:
        print(
            f"patience {row['patience']}: {row['same_selection']}/{row['runs']} runs select the "
            f"same epoch; {row['seconds_saved']:.0f} of {row['seconds_total']:.0f} training s saved"
            + "".join(f"\n    changed {c}" for c in row["changed"])
        )
    if args.out:
        args.out.write_text(
            json.dumps({"metric": args.metric, "runs": sorted(histories), "rows": rows}, indent=1)
            + "\n"
        )


if __name__ == "__main__":
    main()
