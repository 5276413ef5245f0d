"""Entropic optimal transport between unpaired and paired images, with POT.

The reference runs POT's Sinkhorn for 10 iterations, after which the marginals hold only
roughly. Here Sinkhorn runs to convergence: until POT's own rule holds (`tol`, the norm of the
column-marginal error; per training step) or every marginal is within `relative_tol` of its
target (the dataset-level plan).

Default solver: POT's plain (exp-domain) Sinkhorn in float64 on the cost shifted to start at 0.
The shift leaves the plan unchanged, and since a cosine cost spans at most 2, the kernel
exp(-C/ε) stays above e^-200 ≈ 1e-87 down to ε = 0.01 (S-CLIP's smallest, s = 100): no
underflow, so the log-domain solver's logsumexp (~30× the cost of a matrix-vector product per
iteration) is not needed. Measured (benchmarks/speed.py): 8,000 × 1,000 at ε = 0.01 in ~20 s
instead of minutes. Where the cost's range over ε would underflow the kernel
(> UNDERFLOW_SAFE), the log-domain solver is used instead.

The per-step plan (128 × 128, every training step) runs POT's Sinkhorn-Knopp iteration and
stopping rule in a lean NumPy loop (`sinkhorn_knopp`): POT's loop checks five NaN/inf/zero
conditions through its backend layer on every iteration, which at this size costs more than
the arithmetic (benchmarks/speed.py `ot_step`: 4.9 ms with POT's loop, 2.7 ms with this one, on an
AVX2 CPU; 1.7 and 1.1 ms on an AVX512 one).
The iterates are POT's; tests hold the two plans equal. s_clip's default per-step solver is
"sinkhorn_overrelaxed" (overrelaxed.py): the same plan and stopping rule in ~5× fewer
iterations at ε = 0.01, in float32 where the kernel and `tol` allow (`_per_step_plan`)."""

from __future__ import annotations

import warnings

import numpy as np
import ot
import torch

from sclip.pseudo_labels.overrelaxed import sinkhorn_overrelaxed

# POT's solvers, and ours: POT's plain iteration over-relaxed (overrelaxed.py).
SOLVERS = (
    "sinkhorn",
    "sinkhorn_log",
    "sinkhorn_epsilon_scaling",
    "sinkhorn_stabilized",
    "sinkhorn_overrelaxed",
)
# The solvers that can stop on relative_tol (POT's own rule otherwise: any solver).
RELATIVE_TOL_SOLVERS = ("sinkhorn", "sinkhorn_log")
# exp(-600) ≈ 3e-261: still a normal float64, with room for the scaling vectors.
UNDERFLOW_SAFE = 600.0
# Float32 iterations only while the kernel stays above exp(−30) ≈ 1e-13: at ε = 0.01
# (cost range ~0.8, kernel down to ~1e-35) they met float32's subnormals and ran 1.5× slower
# than float64, with more safeguard fallbacks; at ε = 0.03 and 0.07, 20 % faster.
F32_SAFE = 30.0


def sinkhorn_plan(
    cost: torch.Tensor,
    epsilon: float,
    source_weights: torch.Tensor | None = None,
    target_weights: torch.Tensor | None = None,
    max_iter: int = 2000,
    tol: float = 1e-6,
    method: str = "sinkhorn",
    relative_tol: float | None = None,
) -> torch.Tensor:
    """Entropic OT plan P minimising <P, C> − ε H(P) with marginals (a, b), uniform by default.
    `method`: a Sinkhorn solver (SOLVERS); "sinkhorn" and "sinkhorn_overrelaxed" fall back to
    POT's log domain where their kernel would underflow.

    Stopping: `tol` is POT's (norm of the column error), or, when `relative_tol` is given
    ("sinkhorn"/"sinkhorn_log" only), every marginal within relative_tol of its target. POT's
    norm over m columns is up to √m × the largest error, so for large plans its rule keeps
    iterating long after every marginal holds.

    Computed without gradient, in float64 (the over-relaxed solver in float32 where that is
    safe: `_per_step_plan`); returned in the cost's dtype and device."""
    if epsilon <= 0:
        raise ValueError(f"Sinkhorn regularisation epsilon must be positive; got {epsilon}")
    if method not in SOLVERS:
        raise ValueError(f"Unknown Sinkhorn method {method!r}; expected one of {SOLVERS}")
    if relative_tol is not None and method not in RELATIVE_TOL_SOLVERS:
        raise ValueError(f"relative_tol needs method 'sinkhorn' or 'sinkhorn_log'; got {method!r}")
    n, m = cost.shape
    c = cost.detach().double()
    if method in ("sinkhorn", "sinkhorn_overrelaxed") and relative_tol is None:
        plan = _per_step_plan(
            c.cpu().numpy(), epsilon, method, source_weights, target_weights, max_iter, tol
        )
        if plan is not None:
            return torch.from_numpy(plan).to(device=cost.device, dtype=cost.dtype)
        method = "sinkhorn_log"
    c = c - c.min()  # a constant shift: same plan, kernel starts at exp(0) = 1
    if method == "sinkhorn" and c.max().item() / epsilon > UNDERFLOW_SAFE:
        method = "sinkhorn_log"
    a = (
        torch.full((n,), 1.0 / n, dtype=torch.float64, device=c.device)
        if source_weights is None
        else source_weights.double()
    )
    b = (
        torch.full((m,), 1.0 / m, dtype=torch.float64, device=c.device)
        if target_weights is None
        else target_weights.double()
    )
    if relative_tol is not None:
        plan = _to_relative_tol(a, b, c, float(epsilon), method, max_iter, relative_tol)
    else:
        plan = _solve(a, b, c, float(epsilon), method, max_iter, tol)[0]
    return plan.to(cost.dtype)


def _per_step_plan(cost, epsilon, method, source_weights, target_weights, max_iter, tol):
    """The per-step path, all in NumPy (at 128 × 512 each torch call costs more than its
    arithmetic); None where the exp-domain kernel would underflow in float64.

    The over-relaxed solver iterates in float32 where the whole kernel stays above
    exp(−F32_SAFE) and `tol` is well above float32 rounding: its matrix-vector products,
    most of an iteration, take about half the time."""
    n, m = cost.shape
    shifted = cost - cost.min()  # the same plan; the kernel starts at exp(0) = 1
    reach = shifted.max() / epsilon
    if reach > UNDERFLOW_SAFE:
        return None
    a = np.full(n, 1.0 / n) if source_weights is None else _np(source_weights)
    b = np.full(m, 1.0 / m) if target_weights is None else _np(target_weights)
    if method == "sinkhorn":
        return sinkhorn_knopp(a, b, shifted, epsilon, max_iter, tol)
    dtype = np.float64
    # The error's float32 floor is ~√m · max(b) · 1.2e-7; stop 100× above it, or never stop.
    if reach <= F32_SAFE and tol >= 100 * np.finfo(np.float32).eps * b.max() * np.sqrt(m):
        dtype = np.float32
    return sinkhorn_overrelaxed(
        a.astype(dtype), b.astype(dtype), shifted.astype(dtype), epsilon, max_iter, tol
    ).plan


def _np(weights: torch.Tensor) -> np.ndarray:
    return weights.detach().double().cpu().numpy()


def sinkhorn_knopp(
    a: np.ndarray, b: np.ndarray, cost: np.ndarray, epsilon: float, max_iter: int, tol: float
) -> np.ndarray:
    """POT's `sinkhorn_knopp` iteration (same start, updates and stopping rule: the norm of
    the column-marginal error, checked every 10th iteration, below `tol`), with its
    NaN/inf/zero checks made at those same check points instead of on every iteration. On a
    numerical failure it returns the last checked scalings, as POT returns the last good ones."""
    kernel = np.exp(cost / -epsilon)
    kernel_t = np.ascontiguousarray(kernel.T)
    scaled = kernel / a[:, None]  # POT's Kp: u = 1 / (Kp v) is u = a / (K v)
    u = np.full(a.shape[0], 1.0 / a.shape[0])
    v = np.full(b.shape[0], 1.0 / b.shape[0])
    good = (u, v)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # checked below
        for i in range(max_iter):
            v = b / (kernel_t @ u)
            u = 1.0 / (scaled @ v)
            if i % 10 == 0:
                if not (np.isfinite(u).all() and np.isfinite(v).all() and (u > 0).all()):
                    u, v = good
                    break
                good = (u, v)
                if np.linalg.norm(v * (kernel_t @ u) - b) < tol:
                    break
    return u[:, None] * kernel * v[None, :]


def _marginal_deviations(plan: torch.Tensor, source_weights, target_weights):
    """(row sums − a, column sums − b, a, b); uniform marginals where weights are None."""
    n, m = plan.shape
    a = torch.full((n,), 1.0 / n, dtype=plan.dtype) if source_weights is None else source_weights
    b = torch.full((m,), 1.0 / m, dtype=plan.dtype) if target_weights is None else target_weights
    return plan.sum(1) - a, plan.sum(0) - b, a, b


def marginal_error(plan: torch.Tensor, source_weights=None, target_weights=None) -> float:
    """Largest absolute deviation of the plan's row and column sums from the marginals."""
    rows, cols, _, _ = _marginal_deviations(plan, source_weights, target_weights)
    return max(rows.abs().max().item(), cols.abs().max().item())


def relative_marginal_error(plan: torch.Tensor, source_weights=None, target_weights=None) -> float:
    """Largest deviation of a row or column sum from its marginal, relative to that marginal."""
    rows, cols, a, b = _marginal_deviations(plan, source_weights, target_weights)
    return max((rows.abs() / a).max().item(), (cols.abs() / b).max().item())


def caption_targets(
    unpaired: torch.Tensor, paired: torch.Tensor, epsilon: float, **kwargs
) -> torch.Tensor:
    """S-CLIP's caption-level pseudo-label: the row-normalised OT plan between L2-normalised
    unpaired images U and paired images X, with cost C = 1 − U Xᵀ. Row j is a distribution
    over the paired images' captions."""
    cost = 1.0 - unpaired.detach() @ paired.detach().T
    plan = sinkhorn_plan(cost, epsilon, **kwargs)
    return plan / plan.sum(dim=1, keepdim=True).clamp_min(torch.finfo(plan.dtype).tiny)


def _solve(a, b, c, epsilon, method, max_iter, tol, warmstart=None):
    """One POT call; returns the plan and its log-scalings (to warm-start a next call)."""
    with warnings.catch_warnings():
        # POT warns when max_iter is hit; the marginal error is checked by callers and tests.
        warnings.simplefilter("ignore", UserWarning)
        if method == "sinkhorn_log":  # torch backend: POT's NumPy logsumexp is slower
            plan, log = ot.sinkhorn(
                a,
                b,
                c,
                epsilon,
                method=method,
                numItermax=max_iter,
                stopThr=tol,
                warmstart=warmstart,
                log=True,
            )
            return plan, (log["log_u"], log["log_v"])
        # Exp-domain solvers: POT's NumPy backend has the least per-iteration overhead.
        kwargs = {"warmstart": warmstart} if method == "sinkhorn" else {}
        plan, log = ot.sinkhorn(
            a.cpu().numpy(),
            b.cpu().numpy(),
            c.cpu().numpy(),
            epsilon,
            method=method,
            numItermax=max_iter,
            stopThr=tol,
            log=True,
            **kwargs,
        )
        scalings = (np.log(log["u"]), np.log(log["v"])) if method == "sinkhorn" else None
        return torch.from_numpy(plan).to(c.device), scalings


def _to_relative_tol(a, b, c, epsilon, method, max_iter, relative_tol, chunk=100):
    """POT in chunks of `chunk` iterations, each warm-started from the last, until the largest
    relative marginal error is below relative_tol (or max_iter iterations in all)."""
    warm, done = None, 0
    while True:
        plan, warm = _solve(a, b, c, epsilon, method, min(chunk, max_iter - done), 0.0, warm)
        done += chunk
        if relative_marginal_error(plan, a, b) < relative_tol or done >= max_iter:
            return plan
