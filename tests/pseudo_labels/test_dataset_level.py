"""Dataset-level pseudo-label assignment and its quality measures, by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sclip.pseudo_labels.dataset_level import assign, caption_closeness, class_agreement


def test_class_agreement_by_hand():
    targets = torch.tensor([[0.7, 0.3, 0.0], [0.1, 0.1, 0.8], [0.5, 0.5, 0.0]], dtype=torch.float64)
    unpaired = np.array(["a", "b", None], dtype=object)  # the third has no label: ignored
    paired = np.array(["a", "a", "b"], dtype=object)
    out = class_agreement(targets, unpaired, paired)
    # argmax → paired 0 (a: right) and paired 2 (b: right); mass on own class: 1.0 and 0.8
    assert out["top1"] == pytest.approx(100.0)
    assert out["mass"] == pytest.approx(90.0)


def test_class_agreement_without_labels():
    assert class_agreement(torch.eye(2), np.array([None, None]), np.array(["a", "b"])) == {
        "top1": None,
        "mass": None,
    }


def test_caption_closeness_by_hand():
    paired_captions = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    hidden = torch.tensor([[1.0, 0.0]])
    # pseudo-caption = normalised 0.5·(1,0) + 0.5·(0,1) → cos with (1,0) = 1/√2
    assert caption_closeness(torch.tensor([[0.5, 0.5]]), paired_captions, hidden) == pytest.approx(
        2**-0.5
    )


def test_assignments_are_row_distributions_and_agree_on_clear_cases():
    paired = torch.eye(3)
    unpaired = torch.tensor([[1.0, 0.1, 0.0], [0.0, 1.0, 0.2], [0.1, 0.0, 1.0]])
    for method in ("ot", "nearest", "softmax"):
        t = assign(unpaired, paired, method, epsilon=0.05)
        torch.testing.assert_close(t.sum(1), torch.ones(3, dtype=t.dtype))
        assert t.argmax(1).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="Unknown assignment"):
        assign(unpaired, paired, "greedy", epsilon=0.05)
