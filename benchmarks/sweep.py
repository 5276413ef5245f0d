"""Hyper-parameter sweep, selected on `val`: every method trains every configuration of a grid
over several seeds on the project's cached features, in this one process (seconds a run with
heads-only training), and the configuration with the best mean val metric wins per method.
Test numbers are printed beside val for the record; they choose nothing.

    python benchmarks/sweep.py --env base --seeds 0 1 2 3 4 --out benchmarks/results/sweep_builtin.json

The grid (`--grid`, JSON) maps parameter names of `training` to lists of values; the methods get
the same grid, the pseudo-label methods also `unpaired_batch_size` (`--unpaired`, as multiples of
the paired batch); `--options` adds an axis of method options (e.g. `s_clip`'s loss weights).
Each seed first runs the nodes that depend on the split (split, caption
feature rows, keywords) through Kedro with `split.seed` = seed, so run `kedro run --env <env>` once
before, for the image and caption features.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

SPLIT_NODES = [
    "corpus_tables",
    "split_paired_unpaired",
    "select_caption_features",
    "build_vocabulary",
    "match_keywords",
    "embed_keywords",
]


def load_seed(env: str, seed: int, extra: dict | None = None) -> dict:
    """The catalog inputs of training for the split drawn with `seed` (and extra parameters)."""
    from kedro.framework.session import KedroSession

    from sclip.pipelines.training.pipeline import SHARED_INPUTS

    extra = extra or {}
    params = {**extra, "split": {**extra.get("split", {}), "seed": seed}}
    with KedroSession.create(project_path=REPO, env=env, runtime_params=params) as session:
        session.run(node_names=SPLIT_NODES)
        context = session.load_context()
        data = {name: context.catalog.load(name) for name in SHARED_INPUTS}
        data["params"] = context.params
    return data


def train_and_evaluate(
    data: dict, seed: int, method: str, training: dict, options: dict | None = None
) -> dict:
    """Train one method with the project's settings overridden by `training` (and the
    method's options by `options`); val/test metrics of the epoch selected on val."""
    from sclip.evaluation.evaluate import Evaluator

    model, result, splits, templates = train_selected(data, seed, method, training, options)
    out = {s: Evaluator(model, splits[s], templates, 0, "cpu")(model) for s in splits}
    out["selected_epoch"] = result.selected_epoch
    out["val_history"] = val_history(result.history)
    return out


def train_selected(
    data: dict, seed: int, method: str, training: dict, options: dict | None = None
) -> tuple:
    """As train_and_evaluate, but returns the model at the epoch selected on val, the
    training result, the val/test EvalSets and the prompt templates."""
    import torch

    from sclip.assemble import eval_set, keyword_bank, train_data
    from sclip.evaluation.evaluate import Evaluator
    from sclip.models import ModelConfig, build_model
    from sclip.pipelines.training.nodes import method_config
    from sclip.training.loop import train
    from sclip.training.methods import make_method

    p = data["params"]
    model_config = ModelConfig.from_params({**p["model"], "init_seed": seed})
    spec = p[method]["method"]
    config = method_config(
        spec, p["training"], p["split"]["label_ratio"], {"seed": seed, **training}
    )
    options = {**(spec.get("options") or {}), **(options or {})}
    if method == "s_clip" and options.get("keyword_weight", 0.5) > 0:
        options["keywords"] = keyword_bank(
            data["keyword_vocabulary"],
            data["keyword_candidates"],
            data["keyword_features"],
            data["paired_text_features"],
            model_config,
        )
    inputs = (data["image_features"], data["paired_text_features"], data["image_split"])
    train_set = train_data(*inputs, data["paired_captions"], model_config)
    splits = {
        s: eval_set(
            s,
            data["image_features"],
            data["eval_text_features"],
            data["images"],
            data["image_split"],
            data["eval_captions"],
            model_config,
        )
        for s in ("val", "test")
    }
    templates, cpu = p["evaluation"]["templates"], torch.device("cpu")
    model = build_model(model_config)
    result = train(
        model,
        train_set,
        config,
        make_method(method, **options),
        Evaluator(model, splits["val"], templates, 0, cpu),
        progress=False,
    )
    model.load_trainable_state(result.state)
    return model, result, splits, templates


def val_history(history: list[dict]) -> list[dict]:
    """Every epoch's val metrics from a training history: shows what selecting on another
    metric would have chosen (losses, lr and timings left out)."""
    return [
        {k: v for k, v in row.items() if k == "epoch" or k.startswith("val_")} for row in history
    ]


def mean(entry: dict, split: str, metric: str) -> float:
    return statistics.fmean(r[split][metric] for r in entry["runs"])


def mean_r5(entry: dict, split: str) -> float:
    """One-caption R@5, both directions: the retrieval figure beside the selection metric."""
    return statistics.fmean(
        (r[split]["i2t_r5_one"] + r[split]["t2i_r5_one"]) / 2 for r in entry["runs"]
    )


def ranked(runs: dict, metric: str) -> list[tuple[str, dict]]:
    """Configurations best first on mean val `metric`; equal means (the same image counts, up to
    float rounding) go to the higher val R@5. Sets each entry's val_mean and val_mean_r5_one."""
    for entry in runs.values():
        entry["val_mean"], entry["val_mean_r5_one"] = (
            mean(entry, "val", metric),
            mean_r5(entry, "val"),
        )
    return sorted(
        runs.items(), key=lambda kv: (-round(kv[1]["val_mean"], 6), -kv[1]["val_mean_r5_one"])
    )


def configurations(method: str, grid: dict, unpaired: list[float]) -> list[dict]:
    keys = sorted(grid)
    configs = [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(grid[k] for k in keys))
    ]
    if method == "clip_ft":
        return [{**c, "unpaired_batch_size": 0} for c in configs]
    return [
        {**c, "unpaired_batch_size": int(round(m * c["paired_batch_size"]))}
        for c in configs
        for m in unpaired
    ]


def label(config: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(config.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", default="base")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--methods", nargs="+", default=["clip_ft", "s_clip"])
    parser.add_argument(
        "--grid",
        type=json.loads,
        default={"paired_batch_size": [32, 64, 128], "lr": [1e-3, 3e-3], "epochs": [30, 100]},
    )
    parser.add_argument("--unpaired", type=float, nargs="+", default=[1.0, 4.0])
    parser.add_argument(
        "--options",
        type=json.loads,
        default={},
        help='method options to try, as JSON: {"s_clip": [{"keyword_weight": 0}, …]}; each '
        "entry is one more axis value (the configured options are used otherwise)",
    )
    parser.add_argument(
        "--params",
        type=json.loads,
        default={},
        help='extra parameters as JSON, e.g. \'{"model": {"trainable": {"image": 2}}}\' (run '
        "`kedro run --env <env>` with the same model settings first, for the image and caption features)",
    )
    parser.add_argument("--metric", default="zero_shot_top1")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    from kedro.framework.startup import bootstrap_project

    os.chdir(REPO)
    bootstrap_project(REPO)
    logging.getLogger("sclip").setLevel(logging.WARNING)
    logging.getLogger("kedro").setLevel(logging.WARNING)
    t0 = time.time()
    runs: dict[str, dict[str, list]] = {}
    for seed in args.seeds:
        data = load_seed(args.env, seed, args.params)
        for method in args.methods:
            for config in configurations(method, args.grid, args.unpaired):
                for options in args.options.get(method, [{}]):
                    key = f"{method} | {label({**config, **options})}"
                    start = time.perf_counter()
                    r = train_and_evaluate(data, seed, method, config, options)
                    r["seconds"] = round(time.perf_counter() - start, 1)  # train + val/test eval
                    entry = {"method": method, "config": config, "options": options, "runs": []}
                    runs.setdefault(key, entry)
                    runs[key]["runs"].append({"seed": seed, **r})
                    print(
                        f"seed {seed}  {key:75s} val {r['val'][args.metric]:5.1f}  "
                        f"test {r['test'][args.metric]:5.1f}  epoch {r['selected_epoch']}  {r['seconds']:.0f} s",
                        flush=True,
                    )

    best = {}
    print(f"\n{args.metric}, mean over seeds {args.seeds} (selection on val); val mean R@5 (one)")
    for key, entry in ranked(runs, args.metric):
        entry["test_mean"] = mean(entry, "test", args.metric)
        best.setdefault(entry["method"], key)
        print(
            f"{key:80s} val {entry['val_mean']:5.2f}  test {entry['test_mean']:5.2f}  "
            f"val R@5 {entry['val_mean_r5_one']:5.2f}"
        )
    print("\nselected on val:")
    for method, key in best.items():
        chosen = {**runs[key]["config"], **runs[key]["options"]}
        print(f"  {method}: {label(chosen)}  (test {runs[key]['test_mean']:.2f})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "metric": args.metric,
                "seeds": args.seeds,
                "grid": args.grid,
                "unpaired": args.unpaired,
                "options": args.options,
                "params": args.params,
                "selected": {
                    m: {**runs[k]["config"], **runs[k]["options"]} for m, k in best.items()
                },
                "runs": runs,
                "wall_seconds": round(time.time() - t0, 1),
                "date": time.strftime("%Y-%m-%d"),
            },
            indent=1,
        )
    )
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
