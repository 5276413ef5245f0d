"""Zero-shot top-1 and retrieval Recall@K, on L2-normalised embeddings. All results in percent."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

KS = (1, 5, 10)


def zero_shot_top1(image_emb: torch.Tensor, class_emb: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of images whose most similar class embedding is their label."""
    if image_emb.shape[0] != labels.shape[0]:
        raise ValueError(f"{image_emb.shape[0]} images but {labels.shape[0]} labels")
    pred = (F.normalize(image_emb, dim=-1) @ F.normalize(class_emb, dim=-1).T).argmax(dim=-1)
    return 100.0 * (pred == labels).float().mean().item()


def class_embeddings(text_emb: torch.Tensor, n_classes: int, n_templates: int) -> torch.Tensor:
    """Normalised mean of normalised template embeddings; rows ordered class-major."""
    emb = F.normalize(text_emb, dim=-1).view(n_classes, n_templates, -1).mean(dim=1)
    return F.normalize(emb, dim=-1)


def _hits_at_k(sim: torch.Tensor, positive: torch.Tensor, ks: Sequence[int], chunk: int) -> dict:
    """For each query row, whether any positive column ranks in the top K (ties: optimistic)."""
    hits = {k: 0 for k in ks}
    for start in range(0, sim.shape[0], chunk):
        s, pos = sim[start : start + chunk], positive[start : start + chunk]
        best_pos = s.masked_fill(~pos, float("-inf")).max(dim=1, keepdim=True).values
        rank = (s > best_pos).sum(dim=1)  # columns strictly better than the best positive
        for k in ks:
            hits[k] += (rank < k).sum().item()
    return hits


def retrieval_recall(
    image_emb: torch.Tensor,
    text_emb: torch.Tensor,
    caption_image: torch.Tensor,
    ks: Sequence[int] = KS,
    chunk: int = 1024,
) -> dict[str, float]:
    """Image→text and text→image Recall@K.

    caption_image[j] is the row in image_emb of caption j's image. Image→text: an image is
    right at K if any of its captions is among its K most similar captions. Text→image: a
    caption is right at K if its image is among its K most similar images.
    """
    if caption_image.shape[0] != text_emb.shape[0]:
        raise ValueError(f"{text_emb.shape[0]} captions but {caption_image.shape[0]} image indices")
    sim = F.normalize(image_emb, dim=-1) @ F.normalize(text_emb, dim=-1).T
    n_img, n_txt = sim.shape
    positive = torch.zeros(n_img, n_txt, dtype=torch.bool)
    positive[caption_image, torch.arange(n_txt)] = True
    if not positive.any(dim=1).all():
        raise ValueError("Every image needs at least one caption for image→text retrieval")
    i2t = _hits_at_k(sim, positive, ks, chunk)
    t2i = _hits_at_k(sim.T, positive.T, ks, chunk)
    out = {f"i2t_r{k}": 100.0 * i2t[k] / n_img for k in ks}
    out.update({f"t2i_r{k}": 100.0 * t2i[k] / n_txt for k in ks})
    return out


def one_caption_per_image(caption_image: torch.Tensor, n_images: int, seed: int) -> torch.Tensor:
    """Indices of one randomly drawn caption per image (the reference's protocol), seeded."""
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(caption_image.shape[0], generator=g)
    chosen = torch.full((n_images,), -1, dtype=torch.long)
    # the first caption of each image in a random order is a uniform draw among its captions
    for j in order.tolist()[::-1]:
        chosen[caption_image[j]] = j
    if (chosen < 0).any():
        raise ValueError("Every image needs at least one caption")
    return chosen
