"""batch_pseudo_labels.py: per-batch pseudo-label quality of each assignment."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.benchmarks.conftest import load_script


@pytest.fixture(scope="module")
def script():
    return load_script("batch_pseudo_labels")


def _clusters(n_classes: int, per_class: int, noise: float):
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(n_classes, 16, generator=g)
    classes = np.repeat(np.arange(n_classes), per_class)
    features = centres[classes] + noise * torch.randn(len(classes), 16, generator=g)
    order = torch.randperm(len(classes), generator=g)
    return features, classes, order[: len(order) // 4], order[len(order) // 4 :]


def test_separated_classes_get_pseudo_labels_of_their_own_class(script):
    features, classes, paired, unpaired = _clusters(4, 40, noise=0.01)
    q = script.batch_quality(features, classes, paired, unpaired, 0.03, 3, 40, 64)  # every class
    assert set(q) == {
        "nearest_top1",
        *(
            f"{a}_{m}"
            for a in ("softmax", "ot", "ot_relaxed_0.1", "ot_relaxed_1")
            for m in ("top1", "mass")
        ),
    }
    assert q["nearest_top1"] == q["softmax_top1"] == 100.0  # the softmax's argmax is the nearest
    assert q["softmax_mass"] > 99.0
    assert all(0.0 <= v <= 100.0 for v in q.values())


def test_relaxing_the_marginal_moves_the_plan_towards_the_softmax(script):
    """Noisy classes: the OT's uniform column marginal moves mass between classes; a weak KL
    penalty (small ρ) lets the plan follow the softmax, a strong one the balanced plan."""
    features, classes, paired, unpaired = _clusters(6, 60, noise=1.0)
    q = script.batch_quality(features, classes, paired, unpaired, 0.1, 4, 32, 128, (1e-3, 1e3))
    assert q["ot_relaxed_0.001_mass"] == pytest.approx(q["softmax_mass"], abs=0.5)
    assert q["ot_relaxed_1000_mass"] == pytest.approx(q["ot_mass"], abs=0.5)


def test_too_few_rows_for_a_batch_is_a_clear_error(script):
    features, classes, paired, unpaired = _clusters(2, 10, noise=0.1)
    with pytest.raises(ValueError, match="at least that many rows; got 5 paired"):
        script.batch_quality(features, classes, paired, unpaired, 0.03, 1, 128, 512)
