"""Nodes of the data_processing pipeline."""

from __future__ import annotations

import logging

import pandas as pd

from sclip.data.corpus import CaptionCorpus
from sclip.data.split import captions_with_role, split_paired_unpaired

log = logging.getLogger(__name__)


def corpus_tables(raw_corpus: CaptionCorpus) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw dataset as an image table and a caption table."""
    images = raw_corpus.images.astype({"label": "object"})
    log.info(
        "%d images (%s), %d captions, %d classes",
        len(images),
        images["split"].value_counts().to_dict(),
        len(raw_corpus.captions),
        len(raw_corpus.class_names),
    )
    return images, raw_corpus.captions


def split_images(
    images: pd.DataFrame, captions: pd.DataFrame, split: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Roles per image, and the captions of paired, evaluation (val+test) and unpaired images.
    Unpaired captions are kept for diagnostics only; training never takes them."""
    image_split = split_paired_unpaired(images, split["label_ratio"], split.get("seed", 0))
    log.info("Image roles: %s", image_split["role"].value_counts().to_dict())
    return (
        image_split,
        captions_with_role(captions, image_split, {"paired"}),
        captions_with_role(captions, image_split, {"val", "test"}),
        captions_with_role(captions, image_split, {"unpaired"}),
    )
