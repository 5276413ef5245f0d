"""Tables + cached features → the tensors the training loop and evaluator take."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import torch

from sclip.evaluation.evaluate import EvalSet
from sclip.features import read_features, rows_of
from sclip.models import ModelConfig
from sclip.models.dual_encoder import index_state
from sclip.training.batch import TrainData
from sclip.training.methods import KeywordBank


def train_data(
    image_features: dict,
    paired_text_features: dict,
    image_split: pd.DataFrame,
    paired_captions: pd.DataFrame,
    config: ModelConfig,
) -> TrainData:
    """Paired images with their caption rows, and unpaired image rows."""
    image_state, image_stage = read_features(image_features, config, "image", "image_features")
    text_state, text_stage = read_features(
        paired_text_features, config, "text", "paired_text_features"
    )
    image_ids = image_features["image_id"]
    paired_ids = image_split.loc[image_split["role"] == "paired", "image_id"].to_numpy()
    unpaired_ids = image_split.loc[image_split["role"] == "unpaired", "image_id"].to_numpy()
    caption_rows = rows_of(
        paired_captions["caption_id"], paired_text_features["caption_id"], "caption"
    )
    by_image = (
        pd.Series(caption_rows.numpy()).groupby(paired_captions["image_id"].to_numpy()).apply(list)
    )
    missing = [int(i) for i in paired_ids if i not in by_image.index]
    if missing:
        raise ValueError(
            f"Paired images without captions (first: {missing[:5]}); every paired image needs one"
        )
    return TrainData(
        image_state=image_state,
        image_stage=image_stage,
        text_state=text_state,
        text_stage=text_stage,
        paired_images=rows_of(paired_ids, image_ids, "paired image"),
        captions_of=[torch.tensor(by_image[i], dtype=torch.long) for i in paired_ids],
        unpaired_images=rows_of(unpaired_ids, image_ids, "unpaired image"),
    )


def eval_set(
    split: str,
    image_features: dict,
    eval_text_features: dict,
    images: pd.DataFrame,
    image_split: pd.DataFrame,
    eval_captions: pd.DataFrame,
    config: ModelConfig,
) -> EvalSet:
    """One evaluation split; labels index the dataset's sorted class names (-1: unlabelled)."""
    image_state, image_stage = read_features(image_features, config, "image", "image_features")
    text_state, text_stage = read_features(eval_text_features, config, "text", "eval_text_features")
    ids = image_split.loc[image_split["role"] == split, "image_id"].to_numpy()
    if len(ids) == 0:
        raise ValueError(f"The dataset has no '{split}' images to evaluate on")
    caps = eval_captions[eval_captions["image_id"].isin(ids)]
    position = {int(i): r for r, i in enumerate(ids)}
    class_names = sorted(images["label"].dropna().unique().tolist())
    class_index = {c: k for k, c in enumerate(class_names)}
    labels = (
        images.set_index("image_id")
        .loc[ids, "label"]
        .map(lambda c: class_index.get(c, -1) if isinstance(c, str) else -1)
    )
    img_rows = rows_of(ids, image_features["image_id"], f"{split} image")
    txt_rows = rows_of(caps["caption_id"], eval_text_features["caption_id"], f"{split} caption")
    return EvalSet(
        image_state=index_state(image_state, img_rows),
        image_stage=image_stage,
        text_state=index_state(text_state, txt_rows),
        text_stage=text_stage,
        caption_image=torch.tensor([position[int(i)] for i in caps["image_id"]], dtype=torch.long),
        labels=torch.tensor(labels.to_numpy(dtype="int64")),
        class_names=class_names,
    )


def fingerprint(*parts) -> str:
    """Short stable hash of JSON-able settings: names a run's checkpoint folder."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def keyword_bank(
    keyword_vocabulary: pd.DataFrame,
    keyword_candidates: pd.DataFrame,
    keyword_features: dict,
    paired_text_features: dict,
    config: ModelConfig,
) -> KeywordBank:
    """Keyword states and a [paired caption rows × keywords] candidate matrix aligned with the
    rows of paired_text_features."""
    state, stage = read_features(keyword_features, config, "text", "keyword_features")
    vocab = {k: i for i, k in enumerate(keyword_vocabulary["keyword"])}
    if len(vocab) != keyword_features["keyword_id"].shape[0]:
        raise ValueError(
            "keyword_features do not match keyword_vocabulary: run the keywords pipeline again"
        )
    rows = rows_of(keyword_candidates["caption_id"], paired_text_features["caption_id"], "caption")
    candidates = torch.zeros(
        paired_text_features["caption_id"].shape[0], len(vocab), dtype=torch.bool
    )
    for row, words in zip(rows.tolist(), keyword_candidates["keywords"], strict=True):
        for w in words:
            candidates[row, vocab[w]] = True
    return KeywordBank(state=state, stage=stage, candidates=candidates)
