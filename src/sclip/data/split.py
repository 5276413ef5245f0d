"""Paired/unpaired split: a seeded share of the TRAINING IMAGES keeps its captions."""

from __future__ import annotations

import numpy as np
import pandas as pd


def check_label_ratio(label_ratio) -> None:
    """`split.label_ratio`: the paired share of the captioned train images, in (0, 1]."""
    if (
        isinstance(label_ratio, bool)
        or not isinstance(label_ratio, (int, float))
        or not 0 < label_ratio <= 1
    ):
        raise ValueError(f"Parameter 'split.label_ratio' must be in (0, 1]; got {label_ratio!r}")


def split_paired_unpaired(
    images: pd.DataFrame, label_ratio: float, seed: int = 0, captioned=None
) -> pd.DataFrame:
    """One row per image: image_id, split, role ∈ {paired, unpaired, val, test}.

    A seeded permutation of the captioned train images (not of captions, as in S-CLIP) decides
    which round(label_ratio · N) of them are paired; the rest are unpaired and their captions
    must never reach training. Train images without a caption (`captioned`: the ids that
    have one; None: all) are always unpaired."""
    check_label_ratio(label_ratio)
    train = images["split"] == "train"
    if not train.any():
        raise ValueError("The dataset has no 'train' images to split into paired and unpaired")
    if captioned is not None:
        train &= images["image_id"].isin(captioned)
    train_ids = images.loc[train, "image_id"].to_numpy()
    if len(train_ids) == 0:
        raise ValueError("The dataset has no captioned 'train' images to pair")
    n_paired = max(1, round(label_ratio * len(train_ids)))
    order = np.random.default_rng(seed).permutation(len(train_ids))
    paired = set(train_ids[order[:n_paired]].tolist())
    roles = np.where(
        images["split"] == "train",
        np.where(images["image_id"].isin(paired), "paired", "unpaired"),
        images["split"],
    )
    return pd.DataFrame(
        {
            "image_id": images["image_id"].to_numpy(),
            "split": images["split"].to_numpy(),
            "role": roles,
        }
    )


def captions_with_role(
    captions: pd.DataFrame, image_split: pd.DataFrame, roles: set[str]
) -> pd.DataFrame:
    """The captions of images whose role is in `roles` (caption_id order kept)."""
    keep = image_split.loc[image_split["role"].isin(roles), "image_id"]
    return captions[captions["image_id"].isin(keep)].reset_index(drop=True)
