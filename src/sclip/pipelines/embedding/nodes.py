"""Nodes of the embedding pipeline: the frozen prefix's outputs, cached as safetensors."""

from __future__ import annotations

import logging
import sys
import time

import pandas as pd
import torch

from sclip.features import encode_image_files, encode_texts, features_artifact, subset_features
from sclip.models import ModelConfig, build_model
from sclip.training.config import PRECISIONS
from sclip.training.device import resolve_device, resolve_precision

log = logging.getLogger(__name__)


def embedding_setup(model_params: dict, embedding: dict):
    """Model settings, the model on its device, and the device."""
    config = ModelConfig.from_params(model_params)
    if embedding.get("num_threads"):
        torch.set_num_threads(embedding["num_threads"])
    device = resolve_device(embedding.get("device", "auto"))
    return config, build_model(config).to(device), device


def check_embedding(embedding: dict) -> str:
    """`embedding.precision` (returned) must be one of PRECISIONS."""
    precision = embedding.get("precision", "fp32")
    if precision not in PRECISIONS:
        raise ValueError(
            f"Parameter 'embedding.precision' must be one of {PRECISIONS}; got {precision!r}"
        )
    return precision


def embedding_precision(embedding: dict, device) -> str:
    """`embedding.precision` resolved for `device`: 'fp32' or 'bf16'."""
    precision = check_embedding(embedding)
    return resolve_precision(precision, torch.device(device), "embedding.precision")


def show_progress(embedding: dict) -> bool:
    """Progress bars on a terminal only, unless `embedding.progress` says otherwise."""
    return embedding.get("progress", "auto") is True or (
        embedding.get("progress", "auto") == "auto" and sys.stderr.isatty()
    )


def embed_images(images: pd.DataFrame, model: dict, embedding: dict) -> dict:
    """States entering the first trainable image stage, for every image of the dataset."""
    config, encoder, device = embedding_setup(model, embedding)
    stage = encoder.first_trainable["image"]
    precision = embedding_precision(embedding, device)
    t0 = time.time()
    state = encode_image_files(
        encoder,
        images["path"].tolist(),
        embedding.get("image_batch_size", 64),
        device,
        stage,
        show_progress(embedding),
        precision,
    )
    log.info(
        "Encoded %d images in %.1f s (stage %d, state %s, %s)",
        len(images),
        time.time() - t0,
        stage,
        tuple(state.shape),
        precision,
    )
    return features_artifact(
        state, images["image_id"], config, "image", stage, "image_id", precision
    )


def embed_captions(captions: pd.DataFrame, model: dict, embedding: dict) -> dict:
    """States entering the first trainable text stage, for every caption of the dataset. Like
    the images', they do not depend on the split: one encoding serves every seed and label
    ratio (select_caption_features picks the paired and evaluation rows)."""
    config, encoder, device = embedding_setup(model, embedding)
    stage = encoder.first_trainable["text"]
    precision = embedding_precision(embedding, device)
    t0 = time.time()
    state = encode_texts(
        encoder,
        captions["text"].tolist(),
        embedding.get("text_batch_size", 256),
        device,
        stage,
        show_progress(embedding),
        precision,
    )
    log.info(
        "Encoded %d captions in %.1f s (stage %d, %s)",
        len(captions),
        time.time() - t0,
        stage,
        precision,
    )
    return features_artifact(
        state, captions["caption_id"], config, "text", stage, "caption_id", precision
    )


def select_caption_features(
    caption_features: dict, paired_captions: pd.DataFrame, eval_captions: pd.DataFrame
) -> tuple[dict, dict]:
    """The rows of the paired captions (training) and of the val/test captions (evaluation);
    unpaired images' captions stay out of both."""
    return (
        subset_features(caption_features, paired_captions["caption_id"], "paired caption"),
        subset_features(caption_features, eval_captions["caption_id"], "evaluation caption"),
    )
