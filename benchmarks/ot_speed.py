"""speed.py's dataset-level OT figure: the pseudo_labeling pipeline's plan for n_unpaired ×
n_paired clustered embeddings, its seconds and marginal error, beside the reference's
10-iteration Sinkhorn."""

from __future__ import annotations

import time
from pathlib import Path

import torch
import torch.nn.functional as F

from sclip.pseudo_labels.dataset_level import ot_plan
from sclip.pseudo_labels.ot import marginal_error, relative_marginal_error

REPO = Path(__file__).resolve().parents[1]


def ot_dataset_level(n_unpaired: int, n_paired: int) -> dict:
    """Clustered unit embeddings (30 classes), cost 1 − cos, ε = 0.01 as pseudo_labeling."""
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(30, 512, generator=g)

    def embed(n):
        labels = torch.randint(0, 30, (n,), generator=g)
        return F.normalize(centres[labels] + 1.5 * torch.randn(n, 512, generator=g), dim=-1)

    from kedro.config import OmegaConfigLoader

    # The pseudo_labeling pipeline's own solver settings, as `kedro run` reads them (conf/base).
    conf = OmegaConfigLoader(str(REPO / "conf"), base_env="base", default_run_env="base")
    pl = conf["parameters"]["pseudo_labeling"]
    settings = {k: pl[k] for k in ("method", "max_iter", "relative_tol")}
    u, x = embed(n_unpaired), embed(n_paired)
    cost = 1.0 - u @ x.T
    t = time.perf_counter()
    plan, _ = ot_plan(u, x, pl["epsilon"], **settings)
    seconds = time.perf_counter() - t
    a = torch.full((n_unpaired,), 1.0 / n_unpaired)
    b = torch.full((n_paired,), 1.0 / n_paired)

    import ot

    t = time.perf_counter()
    ref = ot.sinkhorn(
        a.double(), b.double(), cost.double(), 0.01, method="sinkhorn_log", numItermax=10
    )
    ref_seconds = time.perf_counter() - t
    return {
        "ot_shape": [n_unpaired, n_paired],
        "ot_settings": settings,
        "ot_seconds": seconds,
        "ot_marginal_error": marginal_error(plan.double(), a.double(), b.double()),
        "ot_marginal_error_relative": relative_marginal_error(
            plan.double(), a.double(), b.double()
        ),
        "ot_reference_10_iter_seconds": ref_seconds,
        "ot_reference_10_iter_marginal_error": marginal_error(ref, a.double(), b.double()),
        "ot_reference_10_iter_marginal_error_relative": relative_marginal_error(
            ref, a.double(), b.double()
        ),
    }
