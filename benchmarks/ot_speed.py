"""speed.py's OT figures: the pseudo_labeling pipeline's plan for n_unpaired × n_paired
clustered embeddings, its seconds and marginal error, beside the reference's 10-iteration
Sinkhorn; and the per-step solvers' iteration counts."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import torch
import torch.nn.functional as F
from timing import best_of

from sclip.pseudo_labels.dataset_level import ot_plan
from sclip.pseudo_labels.ot import caption_targets, marginal_error, relative_marginal_error
from sclip.pseudo_labels.overrelaxed import sinkhorn_overrelaxed
from sclip.training.batch import embed_batch
from sclip.training.methods import make_method
from sclip.training.sampler import Batch

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


def _uniform_problem(u: torch.Tensor, x: torch.Tensor):
    import numpy as np

    cost = (1.0 - u @ x.T).double()
    cost = (cost - cost.min()).numpy()  # the shift caption_targets makes
    return (
        np.full(cost.shape[0], 1 / cost.shape[0]),
        np.full(cost.shape[1], 1 / cost.shape[1]),
        cost,
    )


def pots_loop(u: torch.Tensor, x: torch.Tensor, epsilon: float, options: dict):
    """POT's own plain Sinkhorn on the per-step problem (same tolerance and iteration limit)."""
    import ot

    a, b, cost = _uniform_problem(u, x)
    return lambda: ot.sinkhorn(
        a, b, cost, epsilon, numItermax=options["max_iter"], stopThr=options["tol"]
    )


def step_iterations(draws: list, epsilon: float, options: dict) -> dict:
    """Iterations of the plain and the over-relaxed solver to the same stopping rule, summed
    over the (unpaired, paired) embedding batches in `draws`, and the slowest batch's."""
    import ot

    plain, over = [], []
    for u, x in draws:
        a, b, cost = _uniform_problem(u, x)
        _, log = ot.sinkhorn(
            a, b, cost, epsilon, numItermax=options["max_iter"], stopThr=options["tol"], log=True
        )
        plain.append(int(log["niter"]))
        result = sinkhorn_overrelaxed(a, b, cost, epsilon, options["max_iter"], options["tol"])
        over.append(result.iterations)
    return {
        "ot_step_batches": len(draws),
        "ot_step_iterations_plain": sum(plain),
        "ot_step_iterations_plain_max": max(plain),
        "ot_step_iterations_overrelaxed": sum(over),
        "ot_step_iterations_overrelaxed_max": max(over),
    }


@contextmanager
def float64_only():
    """The per-step solver kept in float64 inside the block (for the float32 comparison)."""
    import sclip.pseudo_labels.ot as ot

    saved, ot.F32_SAFE = ot.F32_SAFE, -1.0
    try:
        yield
    finally:
        ot.F32_SAFE = saved


def ot_step(model, data, repeats: int, batches: int = 16) -> dict:
    """Milliseconds of one s_clip caption target (128 unpaired × 128 paired of the train-step
    setup, s = 100) with the default solver (over-relaxed), POT's plain iteration in the lean
    loop and in POT's own, and POT's ε-scaling solver, side by side; and the iterations of the
    plain and over-relaxed solvers over `batches` batches drawn from the setup's 512 images;
    and, over those batches at ε = 0.03, the float32 iteration where it is taken against
    float64 (`model`, `data`: speed.py's heads-only step setup)."""
    cpu = torch.device("cpu")

    def embedded(batch):
        with torch.no_grad():
            step = embed_batch(model, data, batch, cpu)
        return F.normalize(step.unpaired_images, dim=-1), F.normalize(step.paired_images, dim=-1)

    u, x = embedded(Batch(torch.arange(128), torch.arange(128) * 4, torch.arange(256, 384)))
    options = make_method("s_clip").sinkhorn
    solvers = {
        "default": options,
        "plain": {**options, "method": "sinkhorn"},
        "sinkhorn_epsilon_scaling": {**options, "method": "sinkhorn_epsilon_scaling"},
    }
    fns = {k: (lambda o=o: caption_targets(u, x, 0.01, **o)) for k, o in solvers.items()}
    fns["pot"] = pots_loop(u, x, 0.01, options)
    t = best_of(fns, repeats)
    g = torch.Generator().manual_seed(0)
    draws = []
    for _ in range(batches):
        paired, unpaired = (
            torch.randperm(256, generator=g)[:128],
            256 + torch.randperm(256, generator=g)[:128],
        )
        draws.append(embedded(Batch(paired, paired * 4, unpaired)))

    # conf/rsicd's ε = 0.03: the over-relaxed solver in float32 where _per_step_plan finds it
    # safe, against float64 forced, over the same draws.
    def all_draws():
        for u_, x_ in draws:
            caption_targets(u_, x_, 0.03, **options)

    def all_draws_float64():
        with float64_only():
            all_draws()

    precision = best_of({"float32": all_draws, "float64": all_draws_float64}, repeats)
    return {
        "ot_step_eps003_ms": 1e3 * precision["float32"] / len(draws),
        "ot_step_eps003_float64_ms": 1e3 * precision["float64"] / len(draws),
        "ot_step_eps003_float32_speedup": precision["float64"] / precision["float32"],
        "ot_step_ms": 1e3 * t["default"],
        "ot_step_solver": options["method"],
        "ot_step_plain_ms": 1e3 * t["plain"],
        "ot_step_pot_sinkhorn_ms": 1e3 * t["pot"],
        "ot_step_epsilon_scaling_ms": 1e3 * t["sinkhorn_epsilon_scaling"],
        **step_iterations(draws, 0.01, options),
    }
