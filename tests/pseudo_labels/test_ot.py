"""Optimal transport: marginals hold, the plan is the known one where it is known, and small
ε (≈ 1/100, as S-CLIP uses) neither underflows nor produces NaN."""

from __future__ import annotations

import math

import pytest
import torch

from sclip.pseudo_labels.ot import caption_targets, marginal_error, sinkhorn_plan


def test_3x3_plan_is_the_permutation_when_epsilon_is_small():
    # Cost minimised by the permutation (0→2, 1→0, 2→1); with ε → 0 the plan is that
    # permutation scaled by the uniform marginal 1/3.
    cost = torch.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0]])
    plan = sinkhorn_plan(cost, epsilon=0.01)
    expected = torch.tensor([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=torch.float32) / 3
    torch.testing.assert_close(plan, expected, atol=1e-6, rtol=0)


def test_3x3_plan_by_hand_for_a_finite_epsilon():
    # C = 1 − I, ε = 1: by symmetry P = (1/3)·K/rowsum with K = exp(−C/ε): diagonal weight 1,
    # off-diagonal e^-1, so P_ii = 1/(3(1 + 2/e)) and P_ij = e^-1/(3(1 + 2/e)).
    cost = 1.0 - torch.eye(3)
    plan = sinkhorn_plan(cost, epsilon=1.0, tol=1e-12)
    z = 3 * (1 + 2 / math.e)
    expected = torch.full((3, 3), 1 / (math.e * z))
    expected.fill_diagonal_(1 / z)
    torch.testing.assert_close(plan, expected, atol=1e-7, rtol=0)


@pytest.mark.parametrize(("n", "m"), [(32, 32), (64, 16), (7, 50)])
def test_marginals_hold_at_clip_temperature(n, m):
    g = torch.Generator().manual_seed(n + m)
    u = torch.nn.functional.normalize(torch.randn(n, 16, generator=g), dim=-1)
    x = torch.nn.functional.normalize(torch.randn(m, 16, generator=g), dim=-1)
    plan = sinkhorn_plan(1 - u @ x.T, epsilon=0.01)
    assert torch.isfinite(plan).all() and plan.min() >= 0
    # Marginals are 1/32 … 1/7 here: the default stopping rule holds them to < 0.1 % of that,
    # where the reference's 10 iterations leave errors of several percent.
    reference = sinkhorn_plan(1 - u @ x.T, epsilon=0.01, max_iter=10)
    assert marginal_error(plan) < 2e-5 < marginal_error(reference) / 10


def test_caption_targets_rows_are_distributions_and_nearest_dominates():
    x = torch.eye(4)
    u = torch.tensor([[0.9, 0.1, 0, 0], [0, 0, 0.1, 0.9]])
    target = caption_targets(torch.nn.functional.normalize(u, dim=-1), x, epsilon=0.01)
    torch.testing.assert_close(target.sum(1), torch.ones(2))
    assert target[0].argmax() == 0 and target[1].argmax() == 3


def test_no_gradient_flows_through_the_plan():
    u = torch.nn.functional.normalize(torch.randn(5, 8), dim=-1).requires_grad_()
    x = torch.nn.functional.normalize(torch.randn(3, 8), dim=-1).requires_grad_()
    assert not caption_targets(u, x, epsilon=0.1).requires_grad


def test_bad_epsilon():
    with pytest.raises(ValueError, match="epsilon"):
        sinkhorn_plan(torch.zeros(2, 2), epsilon=0)


@pytest.mark.parametrize(
    "method",
    ["sinkhorn", "sinkhorn_overrelaxed", "sinkhorn_epsilon_scaling", "sinkhorn_stabilized"],
)
def test_per_step_solvers_agree_with_the_log_domain_plan(method):
    # The fast solvers s_clip uses every step give the same targets as the converged
    # log-domain plan, on clustered embeddings at ε = 0.01 (logit scale 100).
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(10, 32, generator=g)
    u = torch.nn.functional.normalize(
        centres[torch.arange(48) % 10] + torch.randn(48, 32, generator=g), dim=-1
    )
    x = torch.nn.functional.normalize(
        centres[torch.arange(40) % 10] + torch.randn(40, 32, generator=g), dim=-1
    )
    exact = caption_targets(u, x, epsilon=0.01, max_iter=100_000, tol=1e-12, method="sinkhorn_log")
    fast = caption_targets(u, x, epsilon=0.01, max_iter=20000, tol=1e-5, method=method)
    torch.testing.assert_close(fast, exact, atol=2e-3, rtol=0)
    plan = sinkhorn_plan(1 - u @ x.T, epsilon=0.01, tol=1e-5, method=method, max_iter=20000)
    assert marginal_error(plan) < 1e-5


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_overrelaxed"])
def test_exp_domain_solvers_fall_back_to_the_log_domain_where_their_kernel_would_underflow(
    method,
):
    # Cost range 10 at ε = 0.005: exp(-C/ε) reaches e^-2000 = 0 in float64; the plain solver
    # would divide by zero. The result equals the log-domain solver's.
    g = torch.Generator().manual_seed(1)
    cost = 10 * torch.rand(20, 30, generator=g, dtype=torch.float64)
    plan = sinkhorn_plan(cost, epsilon=0.005, tol=1e-8, max_iter=5000, method=method)
    log = sinkhorn_plan(cost, epsilon=0.005, tol=1e-8, max_iter=5000, method="sinkhorn_log")
    assert torch.isfinite(plan).all()
    torch.testing.assert_close(plan, log)
    assert marginal_error(plan) < 1e-5


def test_a_constant_shift_of_the_cost_leaves_the_plan_unchanged():
    g = torch.Generator().manual_seed(2)
    cost = torch.rand(6, 4, generator=g, dtype=torch.float64)
    torch.testing.assert_close(
        sinkhorn_plan(cost, 0.05, tol=1e-12), sinkhorn_plan(cost + 3.0, 0.05, tol=1e-12)
    )


def test_unknown_solver_is_named():
    with pytest.raises(ValueError, match="Unknown Sinkhorn method 'fast'"):
        sinkhorn_plan(torch.zeros(2, 2), epsilon=0.1, method="fast")


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log"])
def test_relative_tol_bounds_every_marginal(method):
    g = torch.Generator().manual_seed(3)
    u = torch.nn.functional.normalize(torch.randn(300, 16, generator=g), dim=-1)
    x = torch.nn.functional.normalize(torch.randn(40, 16, generator=g), dim=-1)
    plan = sinkhorn_plan(
        1 - u @ x.T, 0.01, max_iter=20000, method=method, relative_tol=1e-4
    ).double()
    assert ((plan.sum(0) * 40 - 1).abs().max() < 1e-4) and (
        (plan.sum(1) * 300 - 1).abs().max() < 1e-4
    )
    loose = sinkhorn_plan(1 - u @ x.T, 0.01, max_iter=20000, method=method, relative_tol=1e-1)
    assert (loose.double().sum(0) * 40 - 1).abs().max() > 1e-4  # it does stop early


def test_relative_tol_needs_a_solver_that_can_resume():
    with pytest.raises(ValueError, match="relative_tol needs method"):
        sinkhorn_plan(torch.zeros(2, 2), 0.1, method="sinkhorn_stabilized", relative_tol=1e-3)


@pytest.mark.parametrize(("epsilon", "tol"), [(0.01, 1e-5), (0.05, 1e-9), (1.0, 1e-12)])
def test_lean_sinkhorn_knopp_is_pots_iteration(epsilon, tol):
    # The per-step loop runs POT's iterates and stopping rule: the same plan to rounding.
    import numpy as np
    import ot

    from sclip.pseudo_labels.ot import sinkhorn_knopp

    rng = np.random.default_rng(3)
    cost = rng.random((37, 23)) * 2
    a = rng.random(37) + 0.5
    b = rng.random(23) + 0.5
    a, b = a / a.sum(), b / b.sum()
    ours = sinkhorn_knopp(a, b, cost, epsilon, 20000, tol)
    pots = ot.sinkhorn(a, b, cost, epsilon, method="sinkhorn", numItermax=20000, stopThr=tol)
    np.testing.assert_allclose(ours, pots, rtol=1e-9, atol=1e-15)


def test_lean_sinkhorn_knopp_stops_on_a_zero_kernel_row_with_finite_scalings():
    # Row 1's kernel underflows to 0: its scaling becomes inf in the first iteration. Both
    # loops then return the scalings before it (here the start), never inf or NaN.
    import numpy as np
    import ot

    from sclip.pseudo_labels.ot import sinkhorn_knopp

    cost = np.array([[0.0, 0.0], [1e4, 1e4]])
    half = np.full(2, 0.5)
    ours = sinkhorn_knopp(half, half, cost, 0.01, 100, 1e-12)
    with pytest.warns(UserWarning, match="numerical errors"), np.errstate(divide="ignore"):
        pots = ot.sinkhorn(half, half, cost, 0.01, method="sinkhorn", numItermax=100)
    assert np.isfinite(ours).all()
    np.testing.assert_allclose(ours, pots)


def test_per_step_plan_iterates_in_float32_only_where_that_is_safe(monkeypatch):
    # float32 halves the matrix-vector products' time; it is taken only where the kernel
    # stays far above float32's smallest numbers and `tol` far above its rounding.
    import sclip.pseudo_labels.ot as ot_module

    dtypes, solve = [], ot_module.sinkhorn_overrelaxed

    def recorded(a, *args, **kwargs):
        dtypes.append(a.dtype)
        return solve(a, *args, **kwargs)

    monkeypatch.setattr(ot_module, "sinkhorn_overrelaxed", recorded)
    g = torch.Generator().manual_seed(3)
    cost = 0.8 * torch.rand(128, 128, generator=g, dtype=torch.float64)
    per_step = {"max_iter": 20000, "method": "sinkhorn_overrelaxed"}
    fast = sinkhorn_plan(cost, 0.07, tol=1e-5, **per_step)
    exact = sinkhorn_plan(cost, 0.07, tol=1e-12, **per_step)
    sinkhorn_plan(cost, 0.01, tol=1e-5, **per_step)  # kernel down to e^-80: float64
    assert [str(d) for d in dtypes] == ["float32", "float64", "float64"]
    assert marginal_error(fast) < 1e-5
    rows = fast / fast.sum(1, keepdim=True)
    torch.testing.assert_close(rows, exact / exact.sum(1, keepdim=True), atol=1e-4, rtol=0)
