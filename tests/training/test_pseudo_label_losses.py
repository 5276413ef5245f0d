"""Caption- and keyword-level losses against hand computations, and where gradients flow."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from sclip.training.losses import (
    caption_loss,
    caption_text_loss,
    keyword_loss,
    keyword_targets,
    soft_cross_entropy,
)


def test_soft_cross_entropy_by_hand():
    logits = torch.tensor([[0.0, math.log(3.0)]])  # softmax = (1/4, 3/4)
    target = torch.tensor([[0.5, 0.5]])
    expected = -(0.5 * math.log(0.25) + 0.5 * math.log(0.75))
    assert soft_cross_entropy(logits, target).item() == pytest.approx(expected)


def test_caption_loss_by_hand_and_gradients_skip_the_target():
    u = torch.tensor([[1.0, 0.0]], requires_grad=True)
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    target = torch.tensor([[0.75, 0.25]], requires_grad=True)
    s = torch.tensor(2.0)
    loss = caption_loss(u, y, s, target)
    # logits s·u yᵀ = (2, 0): log-softmax = (−log(1+e⁻²), −2 − log(1+e⁻²))
    lse = math.log(1 + math.exp(-2))
    assert loss.item() == pytest.approx(0.75 * lse + 0.25 * (2 + lse))
    loss.backward()
    assert u.grad is not None and y.grad is not None and target.grad is None


def test_caption_text_loss_uses_the_plan_columns_and_skips_captions_without_images():
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    u = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], requires_grad=True)
    s = torch.tensor(2.0)
    # rows: unpaired images over the 2 captions; caption 1 gets no image (a hard assignment)
    target = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], requires_grad=True)
    loss = caption_text_loss(y, u, s, target)
    # caption 0's target: uniform over the 3 images; logits s·cos = (2, 0, √2)
    logits = torch.tensor([2.0, 0.0, math.sqrt(2)])
    expected = -(logits.log_softmax(0)).mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)  # not halved by caption 1
    loss.backward()
    assert u.grad is not None and y.grad is not None and target.grad is None
    assert y.grad[1].abs().sum() == 0  # the caption without images adds nothing


def test_keyword_target_is_similarity_weighted_over_candidates():
    u = torch.tensor([[1.0, 0.0]])
    k = F.normalize(torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]), dim=-1)
    s = torch.tensor(10.0)
    cand = torch.tensor([[True, True, False]])
    w = keyword_targets(u, k, s, cand)
    # a = s·cos = (10, 7.07, –); w = a / Σ over candidates
    a0, a1 = 10.0, 10 / math.sqrt(2)
    torch.testing.assert_close(w, torch.tensor([[a0 / (a0 + a1), a1 / (a0 + a1), 0.0]]))


def test_keyword_loss_averages_only_over_images_with_candidates():
    k = F.normalize(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), dim=-1)
    u = torch.tensor([[1.0, 0.2], [0.3, 1.0]])
    s = torch.tensor(5.0)
    cand = torch.tensor([[True, False], [False, False]])  # second image has none
    alone = keyword_loss(u[:1], k, s, cand[:1])
    torch.testing.assert_close(keyword_loss(u, k, s, cand), alone)  # not halved by the empty row
    # one candidate → one-hot target → plain cross-entropy on keyword 0
    logits = s * F.normalize(u[:1], dim=-1) @ k.T
    torch.testing.assert_close(alone, F.cross_entropy(logits, torch.tensor([0])))


def test_keyword_loss_without_any_candidates_is_zero_with_a_graph():
    u = torch.randn(3, 4, requires_grad=True)
    loss = keyword_loss(
        u, torch.randn(2, 4), torch.tensor(5.0), torch.zeros(3, 2, dtype=torch.bool)
    )
    assert loss.item() == 0.0
    loss.backward()


def test_keyword_gradients_reach_image_and_keyword_embeddings_not_the_target():
    u = torch.randn(4, 8, requires_grad=True)
    k = torch.randn(5, 8, requires_grad=True)
    cand = torch.rand(4, 5) > 0.5
    cand[:, 0] = True
    keyword_loss(u, k, torch.tensor(10.0), cand).backward()
    assert u.grad.abs().sum() > 0 and k.grad.abs().sum() > 0
