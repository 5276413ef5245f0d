"""Retrieval split into its class part and its instance part, for diagnosis.

A hit at R@K needs both: the query's class ranked near the top, and, among the items of that
class, the query's own item ranked first. Pseudo-labels borrow captions of other images of a
class, so they may improve the first part and not the second; these two numbers tell which.
Both take a similarity matrix [queries × items] with one positive item per query (the
one-caption protocol) and class labels on both sides; queries with label −1 are left out."""

from __future__ import annotations

import torch


def class_precision_at_k(
    sim: torch.Tensor, query_labels: torch.Tensor, item_labels: torch.Tensor, k: int = 5
) -> float:
    """Percent of each query's top-k items that share its class, averaged over queries."""
    keep = query_labels >= 0
    top = sim[keep].topk(k, dim=1).indices
    return 100.0 * (item_labels[top] == query_labels[keep, None]).float().mean().item()


def within_class_rank(
    sim: torch.Tensor,
    positive: torch.Tensor,
    query_labels: torch.Tensor,
    item_labels: torch.Tensor,
) -> float:
    """Mean over queries of the positive's rank among the items of the query's class, as a
    fraction of the other items of that class: 0 = first, ~0.5 = a random order within the
    class (ties count half). Queries whose class has no other item are left out."""
    if positive.shape[0] != sim.shape[0]:
        raise ValueError(f"{sim.shape[0]} queries but {positive.shape[0]} positives")
    rows = torch.arange(sim.shape[0])
    same = item_labels[None, :] == query_labels[:, None]
    labelled = query_labels >= 0
    if not bool(same[rows, positive][labelled].all()):
        raise ValueError("Every labelled query's positive item must share the query's class")
    score = sim[rows, positive][:, None]
    better = ((sim > score) & same).sum(dim=1).float()
    ties = ((sim == score) & same).sum(dim=1).float() - 1  # the positive itself ties
    others = same.sum(dim=1).float() - 1
    keep = labelled & (others > 0)
    return ((better + 0.5 * ties)[keep] / others[keep]).mean().item()
