"""Run the project over several seeds (and label ratios) through Kedro and aggregate the test
metrics: mean, std and per-seed values per "<method>@<label_ratio>".

    python benchmarks/seeds.py --env base --seeds 0 1 2 --out benchmarks/results/builtin.json
    python benchmarks/seeds.py --env rsicd --seeds 0 1 2 --runs "0.1:clip_ft,hard_pl,soft_pl,s_clip" \
        "0.3:clip_ft" "1.0:clip_ft" --out benchmarks/results/rsicd.json

Each (seed, label ratio) is one `kedro run` with `split.seed`, `training.seed` and
`model.init_seed` set to the seed. Images and captions are encoded once (their frozen features
do not depend on the seed or the split); everything else, from the paired/unpaired split on, is
rerun. Model selection
happens inside each run on `val`; the numbers aggregated here are from `test`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from timing import machine  # noqa: E402

from sclip.evaluation.seed_summary import (  # noqa: E402
    add_mean_recall5,
    summarise,
    summary_markdown,
    summary_plot,
)


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


PSEUDO_LABEL_METHODS = {"hard_pl", "soft_pl", "s_clip"}


def run_once(
    env: str, seed: int, ratio: float, methods: list[str], encode_features: bool, extra: dict
) -> tuple[dict, dict | None, dict, dict, dict]:
    """One `kedro run`; returns the comparison metrics, when it ran the pseudo-label quality
    report, the seconds each node took and the process's peak RSS after each (MB), and the
    nodes that continued from an earlier run's checkpoint (same settings: `checkpoints.dir`),
    where they started."""
    from kedro.framework.project import pipelines
    from kedro.framework.session import KedroSession

    from sclip.settings import NODE_TIMES

    params = {
        "split": {"seed": seed, "label_ratio": ratio},
        "training": {"seed": seed},
        "model": {"init_seed": seed},
        "methods": methods,
    }
    params = deep_merge(params, extra)
    nodes = [n.name for n in pipelines["__default__"].nodes]
    if not encode_features:
        nodes = [n for n in nodes if n not in ("embed_images", "embed_captions")]
    # Diagnostics of the unpaired images' pseudo-labels: pointless (and impossible at
    # label_ratio 1) when no method of this run uses unpaired images.
    with_pseudo_labels = bool(PSEUDO_LABEL_METHODS & set(methods))
    if not with_pseudo_labels:
        skip = {n.name for n in pipelines["pseudo_labeling"].nodes}
        nodes = [n for n in nodes if n not in skip]
    with KedroSession.create(project_path=REPO, env=env, runtime_params=params) as session:
        session.run(node_names=nodes)
        catalog = session.load_context().catalog
        quality = catalog.load("pseudo_label_quality") if with_pseudo_labels else None
        metrics = catalog.load("comparison_metrics")
        seconds, rss = dict(NODE_TIMES.seconds), dict(NODE_TIMES.peak_rss_mb)
        return metrics, quality, seconds, rss, dict(NODE_TIMES.resumed)


def aggregate(per_run: list[tuple[int, float, dict]], split: str = "test") -> dict:
    """Summary per "<method>@<label_ratio>"; the untrained model (which no ratio changes)
    counts once per seed."""
    values: dict[str, dict[str, list[float]]] = {}
    seen_untrained = set()
    for seed, ratio, metrics in per_run:
        for model, result in metrics.items():
            if model == "untrained":
                if seed in seen_untrained:
                    continue
                seen_untrained.add(seed)
            key = f"{model}@{ratio:g}" if model != "untrained" else "untrained"
            for metric, value in result.get(split, {}).items():
                values.setdefault(key, {}).setdefault(metric, []).append(value)
    summary = summarise(values)
    add_mean_recall5(summary)
    return summary


def resumed_note(resumed: dict) -> str:
    """The wall-time caveat when trainings continued from earlier checkpoints ('' if none)."""
    count = sum(len(nodes) for nodes in resumed.values())
    if not count:
        return ""
    return (
        f" {count} training(s) continued from checkpoints of an earlier run (`resumed` in the "
        "JSON), so this is not the time of the whole benchmark: for that, point "
        '`checkpoints.dir` at an empty folder (`--params \'{"checkpoints": {"dir": …}}\'`).'
    )


ENCODING_NODES = ("embed_images", "embed_captions")


def combine(base: dict, replacement: dict) -> dict:
    """`base` (a seeds.py JSON) with the seeds of `replacement` (another, same runs) put in
    place of its own: e.g. a seed rerun from scratch where the first run had resumed old
    checkpoints. Summaries are recomputed; the wall time is base's, less its runs of the
    replaced seeds, plus the replacement's, plus base's encoding where the replacement reused
    the saved features."""
    if replacement["runs"] != base["runs"] or not set(replacement["seeds"]) <= set(base["seeds"]):
        raise ValueError(
            f"Cannot combine: the replacement's runs {replacement['runs']} and seeds "
            f"{replacement['seeds']} must be base's runs {base['runs']} and some of its seeds "
            f"{base['seeds']}"
        )
    out = dict(base)
    for split in ("test", "val"):
        values = {}
        for model, metrics in base[split].items():
            for metric, summary in metrics.items():
                if metric == "mean_r5_one":  # derived: recomputed below
                    continue
                v = list(summary["values"])
                for j, seed in enumerate(replacement["seeds"]):
                    v[base["seeds"].index(seed)] = replacement[split][model][metric]["values"][j]
                values.setdefault(model, {})[metric] = v
        out[split] = summarise(values)
        add_mean_recall5(out[split])
    replaced = {f"seed{seed}@" for seed in replacement["seeds"]}
    old_runs = [k for k in base["run_seconds"] if k.startswith(tuple(replaced))]
    encoding = 0.0
    if not any(
        n in ENCODING_NODES for nodes in replacement["node_seconds"].values() for n in nodes
    ):
        encoding = sum(
            base["node_seconds"][k].get(n, 0.0) for k in old_runs for n in ENCODING_NODES
        )
    for key in (
        "pseudo_label_quality",
        "run_seconds",
        "node_seconds",
        "node_peak_rss_mb",
        "resumed",
    ):
        kept = {k: v for k, v in base.get(key, {}).items() if k not in old_runs}
        out[key] = {**kept, **replacement.get(key, {})}
    out["wall_seconds"] = round(
        base["wall_seconds"]
        - sum(base["run_seconds"][k] for k in old_runs)
        + encoding
        + replacement["wall_seconds"],
        1,
    )
    out["combined_from"] = {
        "base_wall_seconds": base["wall_seconds"],
        "replacement_wall_seconds": replacement["wall_seconds"],
        "replaced_seeds": replacement["seeds"],
        "encoding_seconds_kept": round(encoding, 1),
    }
    return out


def write_outputs(result: dict, out: Path) -> None:
    """The JSON, a markdown table (with the wall time and its caveats) and a plot."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    title = f"{result['env']}: test, mean ± std over seeds {result['seeds']}"
    table = summary_markdown(result["test"])
    combined = " (two invocations combined: `combined_from` in the JSON)"
    timing = (
        f"Wall time {result['wall_seconds'] / 60:.1f} min on {result['machine']['cpus']} CPUs"
        f"{combined if 'combined_from' in result else ''}.{resumed_note(result['resumed'])}"
    )
    out.with_suffix(".md").write_text(f"# {title}\n\n{timing}\n\n{table}")
    summary_plot(result["test"], title).savefig(out.with_suffix(".png"), dpi=120)
    print(f"\n{timing}\n{title}\n{table}")
    print(f"written: {out}, {out.with_suffix('.md')}, {out.with_suffix('.png')}")


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
    parser.add_argument(
        "--reuse-features",
        "--reuse-image-features",  # its earlier name
        dest="reuse_features",
        action="store_true",
        help="skip encoding images and captions: use the latest saved image_features and "
        "caption_features (same model settings)",
    )
    parser.add_argument(
        "--combine",
        nargs=2,
        type=Path,
        metavar=("BASE", "REPLACEMENT"),
        help="run nothing: write BASE's JSON with REPLACEMENT's seeds in place of its own",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.combine:
        base, replacement = (json.loads(p.read_text()) for p in args.combine)
        write_outputs(combine(base, replacement), args.out)
        return 0

    from kedro.framework.startup import bootstrap_project

    os.chdir(REPO)
    bootstrap_project(REPO)
    t0 = time.time()
    per_run, quality, run_seconds, node_seconds, node_rss, resumed = [], {}, {}, {}, {}, {}
    first = not args.reuse_features
    for ratio, methods in parse_runs(args.runs):
        for seed in args.seeds:
            print(f"== seed {seed}, label_ratio {ratio}, methods {methods}", flush=True)
            t_run = time.time()
            metrics, pl_quality, nodes, rss, continued = run_once(
                args.env, seed, ratio, methods, first, args.params
            )
            run_seconds[f"seed{seed}@{ratio:g}"] = round(time.time() - t_run, 1)
            node_seconds[f"seed{seed}@{ratio:g}"] = nodes
            node_rss[f"seed{seed}@{ratio:g}"] = rss
            if continued:
                resumed[f"seed{seed}@{ratio:g}"] = continued
            first = False
            per_run.append((seed, ratio, metrics))
            if pl_quality is not None:
                quality[f"seed{seed}@{ratio:g}"] = pl_quality
    wall = time.time() - t0
    result = {
        "test": aggregate(per_run, "test"),
        "val": aggregate(per_run, "val"),
        "pseudo_label_quality": quality,
        "seeds": args.seeds,
        "runs": args.runs,
        "env": args.env,
        "params": args.params,
        "wall_seconds": round(wall, 1),
        "run_seconds": run_seconds,
        "node_seconds": node_seconds,
        # The process's peak RSS (MB) after each node, cumulative over the whole invocation:
        # the node where it last rises holds the peak.
        "node_peak_rss_mb": node_rss,
        # Trainings that continued from checkpoints of an earlier invocation (a killed
        # benchmark, or the same settings run before): the wall time then lacks their work.
        "resumed": resumed,
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
    }
    write_outputs(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
