"""The contrastive loss against a hand computation."""

from __future__ import annotations

import math

import pytest
import torch

from sclip.training.losses import contrastive_loss


def ce(logits_row, target):
    return -logits_row[target] + math.log(sum(math.exp(v) for v in logits_row))


def test_contrastive_loss_by_hand():
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    y = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    s = torch.tensor(2.0)
    # logits s·X Yᵀ = [[2, 1.2], [0, 1.6]]; s·Y Xᵀ = [[2, 0], [1.2, 1.6]]
    i2t = (ce([2, 1.2], 0) + ce([0, 1.6], 1)) / 2
    t2i = (ce([2, 0], 0) + ce([1.2, 1.6], 1)) / 2
    assert contrastive_loss(x, y, s).item() == pytest.approx(0.5 * (i2t + t2i), rel=1e-6)


def test_unpaired_images_are_extra_negatives_for_text_to_image_only():
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    y = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    u = torch.tensor([[0.8, 0.6]])
    s = torch.tensor(2.0)
    # text→image logits gain a column s·Y uᵀ = [1.6, 1.92]; image→text is unchanged
    i2t = (ce([2, 1.2], 0) + ce([0, 1.6], 1)) / 2
    t2i = (ce([2, 0, 1.6], 0) + ce([1.2, 1.6, 1.92], 1)) / 2
    assert contrastive_loss(x, y, s, u).item() == pytest.approx(0.5 * (i2t + t2i), rel=1e-6)


def test_loss_normalises_embeddings_and_gradients_reach_all_inputs():
    x = torch.randn(4, 8, requires_grad=True)
    y = torch.randn(4, 8, requires_grad=True)
    u = torch.randn(3, 8, requires_grad=True)
    loss = contrastive_loss(x, y, torch.tensor(10.0), u)
    torch.testing.assert_close(loss, contrastive_loss(3 * x, 0.5 * y, torch.tensor(10.0), 2 * u))
    loss.backward()
    assert all(t.grad is not None and t.grad.abs().sum() > 0 for t in (x, y, u))
