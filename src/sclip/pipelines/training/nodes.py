"""Nodes of the training pipeline."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from sclip.assemble import eval_set, fingerprint, train_data
from sclip.evaluation.evaluate import Evaluator
from sclip.models import ModelConfig, build_model
from sclip.training.config import TrainConfig
from sclip.training.loop import resolve_device, train
from sclip.training.methods import make_method

log = logging.getLogger(__name__)


def train_method(
    image_features: dict,
    paired_text_features: dict,
    eval_text_features: dict,
    images: pd.DataFrame,
    image_split: pd.DataFrame,
    paired_captions: pd.DataFrame,
    eval_captions: pd.DataFrame,
    method: dict,
    model: dict,
    training: dict,
    evaluation: dict,
    checkpoints: dict,
) -> tuple[dict, list[dict]]:
    """Train one method on the paired (and unpaired) data; select the epoch on `val`."""
    model_config = ModelConfig.from_params(model)
    config = TrainConfig.from_params({**training, **(method.get("training") or {})})
    algorithm = make_method(method["name"], **(method.get("options") or {}))
    data = train_data(
        image_features, paired_text_features, image_split, paired_captions, model_config
    )
    encoder = build_model(model_config)
    device = resolve_device(config.device)
    val = eval_set(
        "val", image_features, eval_text_features, images, image_split, eval_captions, model_config
    )
    evaluator = Evaluator(
        encoder.to(device), val, evaluation["templates"], evaluation.get("seed", 0), device
    )
    run_key = fingerprint(
        method,
        model_config.to_dict(),
        config.to_dict(),
        evaluation,
        image_split.to_dict("list"),
        paired_captions["caption_id"].tolist(),
    )
    checkpoint_dir = (
        Path(checkpoints["dir"]) / method["name"] / run_key
        if checkpoints.get("enabled", True)
        else None
    )
    result = train(
        encoder,
        data,
        config,
        algorithm,
        evaluator,
        checkpoint_dir,
        progress=checkpoints.get("progress", False),
    )
    log.info("%s: selected epoch %d of %d", method["name"], result.selected_epoch, config.epochs)
    artifact = {
        **result.state,
        "__metadata__": {
            "model": model_config.to_dict(),
            "method": method,
            "training": config.to_dict(),
            "selected_epoch": result.selected_epoch,
        },
    }
    return artifact, result.history
