"""A method's gain over a baseline seed by seed, from one or more seeds.py results, with the
mean gap's 95 % interval (src/sclip/evaluation/paired_gap.py). Reads results, trains nothing.

    python benchmarks/paired_gap.py benchmarks/results/rsicd.json \
        benchmarks/results/rsicd_extra_seeds.json --method s_clip@0.1 --baseline clip_ft@0.1 \
        --target zero_shot_top1=6 --target mean_r5_one=2

A seed in several files must have the same numbers in each (runs are deterministic): that
checks the extra seeds' runs were made with the same settings and code as the table's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from sclip.evaluation.paired_gap import merged_seed_values, paired_gap  # noqa: E402


def parse_target(spec: str) -> tuple[str, float]:
    metric, sep, value = spec.partition("=")
    try:
        if not sep:
            raise ValueError
        return metric, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--target wants METRIC=POINTS, got {spec!r}") from None


def gaps(results: dict[str, dict], method: str, baseline: str, metrics, split, targets) -> dict:
    out = {}
    for metric in metrics:
        gap = paired_gap(
            merged_seed_values(results, method, metric, split),
            merged_seed_values(results, baseline, metric, split),
        )
        if metric in targets:
            gap["target"] = targets[metric]
        out[metric] = gap
    return out


def report(out: dict, method: str, baseline: str, split: str) -> str:
    lines = [f"{method} − {baseline} on {split}, per seed:"]
    for metric, gap in out.items():
        seeds = " ".join(f"{s}:{g:+.2f}" for s, g in zip(gap["seeds"], gap["gaps"], strict=True))
        line = f"  {metric}: {seeds} | mean {gap['mean']:+.2f} over {gap['n']} seeds"
        if gap["ci95"] is not None:
            lo, hi = gap["ci95"]
            line += f", std {gap['std']:.2f}, 95 % interval [{lo:+.2f}, {hi:+.2f}]"
        if "target" in gap:
            verdict = "meets" if gap["mean"] >= gap["target"] else "misses"
            line += f"; mean {verdict} +{gap['target']:g}"
            if gap["ci95"] is not None:
                lo, hi = gap["ci95"]
                # Where the target lies relative to the interval: below it = cleared beyond noise.
                where = "below" if lo >= gap["target"] else "above" if hi < gap["target"] else "in"
                line += f" (the target is {where} the interval)"
        lines.append(line)
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("results", type=Path, nargs="+", help="seeds.py JSON files")
    parser.add_argument("--method", required=True, help='e.g. "s_clip@0.1"')
    parser.add_argument("--baseline", required=True, help='e.g. "clip_ft@0.1"')
    parser.add_argument("--metrics", nargs="+", default=["zero_shot_top1", "mean_r5_one"])
    parser.add_argument("--split", default="test", choices=["test", "val"])
    parser.add_argument("--target", type=parse_target, action="append", default=[])
    parser.add_argument("--out", type=Path, help="write the gaps as JSON here")
    args = parser.parse_args(argv)
    results = {}
    for path in args.results:
        try:
            results[str(path)] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            parser.error(f"{path}: not a readable seeds.py JSON ({err})")
    try:
        out = gaps(results, args.method, args.baseline, args.metrics, args.split, dict(args.target))
    except ValueError as err:
        parser.error(str(err))
    print(report(out, args.method, args.baseline, args.split))
    if args.out:
        record = {"results": list(results), "method": args.method, "baseline": args.baseline}
        args.out.write_text(json.dumps({**record, "split": args.split, "gaps": out}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
