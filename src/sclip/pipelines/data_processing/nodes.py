"""Nodes of the data_processing pipeline."""

from __future__ import annotations

import logging

import pandas as pd

from sclip.data.corpus import CaptionCorpus
from sclip.data.images import unreadable_images
from sclip.data.split import captions_with_role, split_paired_unpaired

log = logging.getLogger(__name__)


def corpus_tables(
    raw_corpus: CaptionCorpus, images_params: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The raw dataset as an image table and a caption table, plus the images skipped as
    unreadable (only with `images.skip_unreadable`; otherwise the embedding step stops at the
    first unreadable image and names it)."""
    images, captions = raw_corpus.images.astype({"label": "object"}), raw_corpus.captions
    skipped = pd.DataFrame({"image_id": [], "path": [], "reason": []})
    if images_params.get("skip_unreadable", False):
        bad = unreadable_images(images["path"].tolist())
        if len(bad) == len(images):
            raise ValueError(
                f"None of the {len(images)} images can be read (e.g. {next(iter(bad.items()))}); "
                "'images.skip_unreadable' cannot help"
            )
        if bad:
            drop = images["path"].isin(list(bad))
            skipped = images.loc[drop, ["image_id", "path"]].assign(
                reason=lambda t: t["path"].map(bad)
            )
            log.warning(
                "Skipping %d unreadable images (images.skip_unreadable) and their captions: %s%s",
                len(skipped),
                "; ".join(f"{p} ({r})" for p, r in list(bad.items())[:10]),
                " …" if len(bad) > 10 else "",
            )
            images = images[~drop].reset_index(drop=True)
            captions = captions[captions["image_id"].isin(images["image_id"])].reset_index(
                drop=True
            )
    log.info(
        "%d images (%s), %d captions, %d classes",
        len(images),
        images["split"].value_counts().to_dict(),
        len(captions),
        len(raw_corpus.class_names),
    )
    return images, captions, skipped.reset_index(drop=True)


def split_images(
    images: pd.DataFrame, captions: pd.DataFrame, split: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Roles per image, and the captions of paired, evaluation (val+test) and unpaired images.
    Unpaired captions are kept for diagnostics only; training never takes them."""
    image_split = split_paired_unpaired(
        images, split["label_ratio"], split.get("seed", 0), captions["image_id"].unique()
    )
    log.info("Image roles: %s", image_split["role"].value_counts().to_dict())
    return (
        image_split,
        captions_with_role(captions, image_split, {"paired"}),
        captions_with_role(captions, image_split, {"val", "test"}),
        captions_with_role(captions, image_split, {"unpaired"}),
    )
