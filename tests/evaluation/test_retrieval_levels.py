"""The class/instance split of retrieval, against values worked out by hand."""

from __future__ import annotations

import pytest
import torch

from sclip.evaluation.retrieval_levels import class_precision_at_k, within_class_rank

# 2 queries × 4 items; items 0, 1 are class 0, items 2, 3 class 1
SIM = torch.tensor([[0.9, 0.5, 0.8, 0.1], [0.2, 0.7, 0.6, 0.3]])
QUERY_LABELS = torch.tensor([0, 1])
ITEM_LABELS = torch.tensor([0, 0, 1, 1])


def test_class_precision_at_k_by_hand():
    # query 0 top-2: items 0 (class 0), 2 (class 1) → 1/2; query 1 top-2: 1, 2 → 1/2
    assert class_precision_at_k(SIM, QUERY_LABELS, ITEM_LABELS, k=2) == pytest.approx(50.0)
    assert class_precision_at_k(SIM, QUERY_LABELS, ITEM_LABELS, k=1) == pytest.approx(50.0)


def test_within_class_rank_by_hand():
    # query 0's positive item 1 is behind item 0 in its class: 1/1; query 1's positive
    # item 3 is behind item 2: 1/1 → mean 1; positives first in their class → 0
    assert within_class_rank(SIM, torch.tensor([1, 3]), QUERY_LABELS, ITEM_LABELS) == 1.0
    assert within_class_rank(SIM, torch.tensor([0, 2]), QUERY_LABELS, ITEM_LABELS) == 0.0


def test_within_class_rank_counts_ties_half_and_skips_unlabelled_queries():
    sim = torch.tensor([[0.5, 0.5, 0.0], [0.1, 0.2, 0.3]])
    labels = torch.tensor([0, 0, 0])
    # query 0: one tie among 2 others → 0.25; query 1 unlabelled
    rank = within_class_rank(sim, torch.tensor([0, 2]), torch.tensor([0, -1]), labels)
    assert rank == pytest.approx(0.25)


def test_within_class_rank_refuses_a_positive_of_another_class():
    with pytest.raises(ValueError, match="positive item must share"):
        within_class_rank(SIM, torch.tensor([2, 3]), QUERY_LABELS, ITEM_LABELS)


def test_a_random_order_ranks_near_one_half():
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(400) % 4
    sim = torch.rand(400, 400, generator=g)
    rank = within_class_rank(sim, torch.arange(400), labels, labels)
    assert rank == pytest.approx(0.5, abs=0.03)
