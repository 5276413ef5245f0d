"""Caption pseudo-labels in training-sized batches: how often, and with how much of its mass,
an unpaired image's target points at paired images of its own class, per assignment.

    python benchmarks/batch_pseudo_labels.py --env rsicd --seeds 0 1 2 \
        --out benchmarks/results/batch_pseudo_labels_rsicd.json

The `pseudo_label_quality` node measures this over the whole paired set; training solves the
OT per batch (conf/rsicd: 512 unpaired × 128 paired, ε = 0.03), where the uniform column
marginal makes every paired image of the batch take the same mass whatever its class's share
of the batch. This compares, on the frozen features of each seed's split (the model before
training; class labels are read for the diagnostic only):
- `nearest` / `softmax`: the closest paired image (hard_pl) / softmax over −cost/ε;
- `ot`: s_clip's balanced plan (`caption_targets`);
- `ot_relaxed_<ρ>`: the plan with the column marginal relaxed by a KL penalty of weight ρ
  (POT's `sinkhorn_unbalanced`, rows kept exact): ρ → 0 is the softmax, ρ → ∞ the OT.
`top1`: the heaviest paired image shares the class (%); `mass`: the target's mass on paired
images of the class (%), averaged over unpaired images and batches.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from sclip.pseudo_labels.ot import caption_targets  # noqa: E402


def relaxed_targets(cost: torch.Tensor, epsilon: float, rho: float) -> torch.Tensor:
    """Row-normalised plan with exact uniform rows and a KL-relaxed uniform column marginal."""
    import ot

    n, m = cost.shape
    shifted = (cost - cost.min()).double().numpy()
    uniform_rows, uniform_columns = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
    # reg_m (inf, rho): rows held exactly, columns by a KL penalty of weight rho.
    plan = ot.unbalanced.sinkhorn_unbalanced(
        uniform_rows,
        uniform_columns,
        shifted,
        epsilon,
        (np.inf, rho),
        numItermax=10_000,
        stopThr=1e-9,
    )
    plan = torch.from_numpy(plan)
    return plan / plan.sum(1, keepdim=True)


def batch_quality(
    features: torch.Tensor,
    classes: np.ndarray,
    paired: torch.Tensor,
    unpaired: torch.Tensor,
    epsilon: float,
    batches: int = 30,
    paired_size: int = 128,
    unpaired_size: int = 512,
    relaxations: tuple[float, ...] = (0.1, 1.0),
    seed: int = 0,
) -> dict[str, float]:
    """Mean `<assignment>_top1` and `<assignment>_mass` (%) over `batches` random batches of
    the given rows (features: one row per image; classes: its class code)."""
    if len(paired) < paired_size or len(unpaired) < unpaired_size:
        raise ValueError(
            f"batches of {paired_size} paired + {unpaired_size} unpaired images need at least "
            f"that many rows; got {len(paired)} paired and {len(unpaired)} unpaired"
        )
    f = torch.nn.functional.normalize(features.double(), dim=1)
    g = torch.Generator().manual_seed(seed)
    scores: dict[str, list[float]] = {}
    for _ in range(batches):
        p = paired[torch.randperm(len(paired), generator=g)[:paired_size]]
        u = unpaired[torch.randperm(len(unpaired), generator=g)[:unpaired_size]]
        same = torch.from_numpy(classes[u.numpy()][:, None] == classes[p.numpy()][None, :])
        cost = 1.0 - f[u] @ f[p].T
        targets = {
            "softmax": torch.softmax(-cost / epsilon, dim=1),
            "ot": caption_targets(f[u], f[p], epsilon, method="sinkhorn_overrelaxed"),
            **{f"ot_relaxed_{rho:g}": relaxed_targets(cost, epsilon, rho) for rho in relaxations},
        }
        nearest = cost.argmin(1, keepdim=True)
        scores.setdefault("nearest_top1", []).append(same.gather(1, nearest).double().mean())
        for name, t in targets.items():
            scores.setdefault(f"{name}_top1", []).append(
                same.gather(1, t.argmax(1, keepdim=True)).double().mean()
            )
            scores.setdefault(f"{name}_mass", []).append((t * same).sum(1).mean())
    return {k: 100.0 * float(np.mean(v)) for k, v in scores.items()}


def seed_inputs(env: str, seed: int) -> tuple[torch.Tensor, np.ndarray, dict]:
    """Frozen image features, class codes and paired/unpaired rows of seed's split."""
    import pandas as pd
    from kedro.framework.session import KedroSession

    from sclip.pipelines.pseudo_labeling.nodes import frozen_image_features

    with KedroSession.create(
        project_path=REPO, env=env, runtime_params={"split": {"seed": seed}}
    ) as session:
        session.run(node_names=["corpus_tables", "split_paired_unpaired"])
        context = session.load_context()
        load = context.catalog.load
        features, images, split = load("image_features"), load("images"), load("image_split")
        model = context.params["model"]
    _, feats, rows = frozen_image_features(features, split, model)
    labels = images.set_index("image_id")["label"].loc[features["image_id"].numpy()]
    if labels.isna().any():
        raise ValueError(f"env {env!r}: images without a class label; this needs labelled images")
    return feats, pd.factorize(labels.to_numpy())[0], rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", default="rsicd")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epsilon", type=float, default=0.03, help="conf/rsicd's ot_epsilon")
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--paired-size", type=int, default=128, help="paired images a batch")
    parser.add_argument("--unpaired-size", type=int, default=512, help="unpaired images a batch")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    from kedro.framework.startup import bootstrap_project

    bootstrap_project(REPO)
    per_seed = {}
    for seed in args.seeds:
        feats, classes, rows = seed_inputs(args.env, seed)
        per_seed[seed] = batch_quality(
            feats,
            classes,
            rows["paired"],
            rows["unpaired"],
            args.epsilon,
            args.batches,
            args.paired_size,
            args.unpaired_size,
            seed=seed,
        )
        print(f"seed {seed}: " + ", ".join(f"{k} {v:.1f}" for k, v in per_seed[seed].items()))
    mean = {k: float(np.mean([s[k] for s in per_seed.values()])) for k in per_seed[args.seeds[0]]}
    print("mean: " + ", ".join(f"{k} {v:.1f}" for k, v in mean.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "env": args.env,
                "epsilon": args.epsilon,
                "batches": args.batches,
                "paired_size": args.paired_size,
                "unpaired_size": args.unpaired_size,
                "seeds": args.seeds,
                "date": time.strftime("%Y-%m-%d"),
                "mean": mean,
                "per_seed": per_seed,
            },
            indent=2,
        )
    )
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
