"""Over-relaxed Sinkhorn: POT's fixed point and stopping rule in fewer iterations, and a
safeguard that falls back to plain Sinkhorn instead of stalling or returning NaN."""

from __future__ import annotations

import numpy as np
import ot
import pytest

import sclip.pseudo_labels.overrelaxed as overrelaxed
from sclip.pseudo_labels.ot import sinkhorn_knopp
from sclip.pseudo_labels.overrelaxed import sinkhorn_overrelaxed


def clustered_cost(n: int, m: int, seed: int = 0) -> np.ndarray:
    """1 − cos between clustered unit embeddings (10 classes), as in a training batch."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((10, 32))

    def embed(k):
        z = centres[np.arange(k) % 10] + rng.standard_normal((k, 32))
        return z / np.linalg.norm(z, axis=1, keepdims=True)

    cost = 1.0 - embed(n) @ embed(m).T
    return cost - cost.min()


def uniform(k: int) -> np.ndarray:
    return np.full(k, 1.0 / k)


@pytest.mark.parametrize(("n", "m", "epsilon"), [(128, 128, 0.01), (96, 32, 0.03), (40, 70, 0.1)])
def test_converges_to_pots_plan(n, m, epsilon):
    cost = clustered_cost(n, m)
    a, b = uniform(n), uniform(m)
    exact = ot.sinkhorn(a, b, cost, epsilon, numItermax=500_000, stopThr=1e-14)
    result = sinkhorn_overrelaxed(a, b, cost, epsilon, 100_000, 1e-12)
    # Both at the limit of float64 (tol 1e-12 on column sums of ~1e-2): entries within 1e-10.
    np.testing.assert_allclose(result.plan, exact, rtol=0, atol=1e-10)


def test_stops_on_pots_rule_with_exact_rows_and_fewer_iterations():
    # At ε = 0.01, tol 1e-5 (s_clip's per-step settings): rows exact, columns within tol, the
    # row-normalised target as close to the converged one as plain Sinkhorn's, in under half
    # the iterations.
    cost = clustered_cost(128, 128, seed=1)
    a = b = uniform(128)
    result = sinkhorn_overrelaxed(a, b, cost, 0.01, 20000, 1e-5)
    plan = result.plan
    np.testing.assert_allclose(plan.sum(1), a, rtol=1e-12)
    assert np.linalg.norm(plan.sum(0) - b) < 1e-5

    plain_iterations = _plain_iterations(a, b, cost, 0.01, 1e-5)
    assert result.iterations < plain_iterations / 2 and not result.fell_back
    exact = ot.sinkhorn(a, b, cost, 0.01, numItermax=500_000, stopThr=1e-14)
    plain = sinkhorn_knopp(a, b, cost, 0.01, 20000, 1e-5)

    def target_error(p):
        return np.abs(p / p.sum(1, keepdims=True) - exact / exact.sum(1, keepdims=True)).max()

    assert target_error(plan) < max(2 * target_error(plain), 1e-4)


def test_unequal_marginals():
    rng = np.random.default_rng(4)
    cost = rng.random((37, 23)) * 2
    a, b = rng.random(37) + 0.5, rng.random(23) + 0.5
    a, b = a / a.sum(), b / b.sum()
    exact = ot.sinkhorn(a, b, cost, 0.05, numItermax=200_000, stopThr=1e-15)
    result = sinkhorn_overrelaxed(a, b, cost, 0.05, 100_000, 1e-13)
    np.testing.assert_allclose(result.plan, exact, rtol=1e-7, atol=1e-15)


def test_a_relaxation_that_stalls_falls_back_to_plain_sinkhorn(monkeypatch):
    # ω forced to 1.99 stalls on this cost: the safeguard returns to the best iterates and
    # finishes plainly, meeting the same stopping rule.
    monkeypatch.setattr(overrelaxed, "_sor_optimum", lambda *args: 1.99)
    rng = np.random.default_rng(0)
    costs = [rng.random((40, 30)) * 2 for _ in range(3)]
    a, b = uniform(40), uniform(30)
    result = sinkhorn_overrelaxed(a, b, costs[2], 0.01, 20000, 1e-9, max_omega=1.99)
    assert result.fell_back and result.omega == 1.0
    assert np.linalg.norm(result.plan.sum(0) - b) < 1e-9
    exact = ot.sinkhorn(a, b, costs[2], 0.01, numItermax=500_000, stopThr=1e-14)
    np.testing.assert_allclose(result.plan, exact, rtol=0, atol=1e-8)


def test_a_zero_kernel_row_returns_finite_scalings():
    # Row 1's kernel underflows to 0: as with POT, the last good scalings come back, never NaN.
    cost = np.array([[0.0, 0.0], [1e4, 1e4]])
    result = sinkhorn_overrelaxed(uniform(2), uniform(2), cost, 0.01, 100, 1e-12)
    assert np.isfinite(result.plan).all()


def test_bad_max_omega_is_named():
    with pytest.raises(ValueError, match="max_omega must be in"):
        sinkhorn_overrelaxed(uniform(2), uniform(2), np.zeros((2, 2)), 0.1, 10, 1e-9, max_omega=2)


def _plain_iterations(a, b, cost, epsilon, tol):
    """Iterations POT's plain Sinkhorn takes to its stopping rule."""
    _, log = ot.sinkhorn(a, b, cost, epsilon, numItermax=100_000, stopThr=tol, log=True)
    return log["niter"]
