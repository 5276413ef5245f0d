"""Run the project over several seeds (and label ratios) through Kedro and aggregate the test
metrics: mean, std and per-seed values per "<method>@<label_ratio>".

    python benchmarks/seeds.py --env base --seeds 0 1 2 --out benchmarks/results/builtin.json
    python benchmarks/seeds.py --env rsicd --seeds 0 1 2 --runs "0.1:clip_ft,hard_pl,soft_pl,s_clip" \
        "0.3:clip_ft" "1.0:clip_ft" --out benchmarks/results/rsicd.json

Each (seed, label ratio) is one `kedro run` with `split.seed`, `training.seed` and
`model.init_seed` set to the seed. Images are encoded once (their frozen features do not depend
on the seed); everything else, from the paired/unpaired split on, is rerun. Model selection
happens inside each run on `val`; the numbers aggregated here are from `test`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
REPO = Path(__file__).resolve().parents[1]


def parse_runs(specs: list[str]) -> list[tuple[float, list[str]]]:
    runs = []
    for spec in specs:
        ratio, _, methods = spec.partition(":")
        runs.append((float(ratio), [m for m in methods.split(",") if m]))
    return runs


def deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = (
            deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        )
    return out


def run_once(
    env: str, seed: int, ratio: float, methods: list[str], encode_images: bool, extra: dict
) -> dict:
    from kedro.framework.project import pipelines
    from kedro.framework.session import KedroSession

    params = {
        "split": {"seed": seed, "label_ratio": ratio},
        "training": {"seed": seed},
        "model": {"init_seed": seed},
        "methods": methods,
    }
    params = deep_merge(params, extra)
    with KedroSession.create(project_path=REPO, env=env, runtime_params=params) as session:
        nodes = [n.name for n in pipelines["__default__"].nodes]
        if not encode_images:
            nodes.remove("embed_images")
        session.run(node_names=nodes)
        return session.load_context().catalog.load("comparison_metrics")


def aggregate(per_run: list[tuple[int, float, dict]], split: str = "test") -> dict:
    values: dict[str, dict[str, list[float]]] = {}
    for _, ratio, metrics in per_run:
        for model, result in metrics.items():
            key = f"{model}@{ratio:g}" if model != "untrained" else "untrained"
            for metric, value in result.get(split, {}).items():
                values.setdefault(key, {}).setdefault(metric, []).append(value)
    out = {}
    for key, metrics in values.items():
        out[key] = {
            m: {
                "mean": statistics.fmean(v),
                "std": statistics.stdev(v) if len(v) > 1 else 0.0,
                "values": v,
            }
            for m, v in metrics.items()
        }
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", default="base")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["0.1:clip_ft,hard_pl,soft_pl,s_clip"],
        help="label_ratio:method,method … one entry per label ratio",
    )
    parser.add_argument(
        "--params",
        type=json.loads,
        default={},
        help='extra parameters as JSON, e.g. \'{"model": {"trainable": {"image": 2}}}\'',
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    from kedro.framework.startup import bootstrap_project

    os.chdir(REPO)
    bootstrap_project(REPO)
    t0 = time.time()
    per_run = []
    first = True
    for ratio, methods in parse_runs(args.runs):
        for seed in args.seeds:
            print(f"== seed {seed}, label_ratio {ratio}, methods {methods}", flush=True)
            metrics = run_once(args.env, seed, ratio, methods, first, args.params)
            first = False
            per_run.append((seed, ratio, metrics))
    wall = time.time() - t0
    result = {
        "test": aggregate(per_run, "test"),
        "val": aggregate(per_run, "val"),
        "seeds": args.seeds,
        "runs": args.runs,
        "env": args.env,
        "params": args.params,
        "wall_seconds": wall,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "date": time.strftime("%Y-%m-%d"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\nwall time {wall / 60:.1f} min; test split, mean ± std over seeds {args.seeds}")
    cols = [
        "zero_shot_top1",
        "i2t_r1_one",
        "i2t_r5_one",
        "t2i_r1_one",
        "t2i_r5_one",
        "i2t_r5_all",
        "t2i_r5_all",
    ]
    print(f"{'model':22s}" + "".join(f"{c:>17s}" for c in cols))
    for key, metrics in result["test"].items():
        cells = "".join(
            f"{metrics[c]['mean']:10.1f} ± {metrics[c]['std']:4.1f}"
            if c in metrics
            else f"{'':>17s}"
            for c in cols
        )
        print(f"{key:22s}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
