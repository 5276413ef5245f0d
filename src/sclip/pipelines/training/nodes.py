"""Nodes of the training pipeline."""

from __future__ import annotations

import logging
import math
from functools import partial
from pathlib import Path

import pandas as pd

from sclip.assemble import eval_set, fingerprint, keyword_bank, train_data
from sclip.evaluation.evaluate import Evaluator
from sclip.models import ModelConfig, build_model
from sclip.training.config import TrainConfig
from sclip.training.device import resolve_device
from sclip.training.distributed import DistributedConfig, check_batch_split, launch
from sclip.training.loop import train
from sclip.training.methods import METHODS, make_method
from sclip.training.worker import train_worker

log = logging.getLogger(__name__)


def check_methods(methods) -> None:
    """`methods`: a list of method names from METHODS."""
    unknown = sorted(set(methods) - set(METHODS)) if isinstance(methods, list) else methods
    if unknown:
        raise ValueError(
            f"Parameter 'methods' must be a list of method names from {sorted(METHODS)}; "
            f"unknown: {unknown!r}"
        )


def label_ratio_training(method: dict, label_ratio: float | None) -> dict:
    """The method's `training_by_label_ratio` entry for `label_ratio` ({} if none): a method's
    val-best settings can move with the number of pairs (clip_ft's crop does on RSICD). Keys are
    label ratios, written as quoted strings ("0.3") so that overrides merge with them."""
    name = method.get("name")
    table = method.get("training_by_label_ratio") or {}
    where = f"'{name}.method.training_by_label_ratio'"
    if not isinstance(table, dict):
        raise ValueError(f"{where} must map label ratios to training settings; got {table!r}")
    found: dict[float, dict] = {}
    for key, value in table.items():
        try:
            ratio = float(key)
        except (TypeError, ValueError):
            ratio = float("nan")
        if not 0 < ratio <= 1:
            raise ValueError(f"{where}: keys must be label ratios in (0, 1]; got {key!r}")
        if not isinstance(value, dict):
            raise ValueError(f"{where}.{key} must be a mapping of training settings; got {value!r}")
        if ratio in found:
            raise ValueError(f"{where}: label ratio {ratio} is given twice (as {key!r} too)")
        found[ratio] = value
    if label_ratio is None:
        return {}
    return next((v for r, v in found.items() if math.isclose(r, label_ratio)), {})


def method_config(
    method: dict, training: dict, label_ratio: float | None = None, overrides: dict | None = None
) -> TrainConfig:
    """A method's training settings: `training`, overridden by its own `method.training`, then
    by its `method.training_by_label_ratio` entry for the run's `split.label_ratio`, then by
    `overrides` (a sweep's grid point)."""
    if not isinstance(method, dict) or method.get("name") not in METHODS:
        raise ValueError(
            f"A method's parameters must be a mapping whose 'name' is one of {sorted(METHODS)}; "
            f"got {method!r}"
        )
    own = {
        **(method.get("training") or {}),
        **label_ratio_training(method, label_ratio),
        **(overrides or {}),
    }
    try:
        return TrainConfig.from_params({**training, **own})
    except ValueError as err:
        try:
            TrainConfig.from_params(training)
        except ValueError:
            raise err from None  # `training` itself is wrong
        name = method["name"]
        raise ValueError(
            f"{err} (from '{name}.method.training' or its 'training_by_label_ratio', "
            f"{name}'s own settings)"
        ) from err


def check_method(
    method: dict, training: dict, distributed: dict, label_ratio: float | None = None
) -> None:
    """A method's parameters as train_method reads them: its training settings (at
    `label_ratio`), its options and, on several processes, whether its batches split over them."""
    config = method_config(method, training, label_ratio)
    make_method(method["name"], **(method.get("options") or {}))
    processes = DistributedConfig.from_params(distributed)
    world = processes.nproc_per_node * processes.nnodes
    check_batch_split(config.paired_batch_size, config.unpaired_batch_size, world)


def train_method(
    image_features: dict,
    paired_text_features: dict,
    eval_text_features: dict,
    images: pd.DataFrame,
    image_split: pd.DataFrame,
    paired_captions: pd.DataFrame,
    eval_captions: pd.DataFrame,
    keyword_vocabulary: pd.DataFrame,
    keyword_candidates: pd.DataFrame,
    keyword_features: dict,
    method: dict,
    methods: list,
    model: dict,
    training: dict,
    evaluation: dict,
    checkpoints: dict,
    distributed: dict,
    split: dict,
) -> tuple[dict, list[dict]]:
    """Train one method on the paired (and unpaired) data; select the epoch on `val`.
    A method left out of `methods` is skipped: its outputs say so and the report omits it."""
    name = method["name"]
    check_methods(methods)
    if name not in methods:
        log.info("%s is not in 'methods' %s: skipped", name, methods)
        return {"__metadata__": {"skipped": True, "method": method}}, []
    model_config = ModelConfig.from_params(model)
    config = method_config(method, training, split.get("label_ratio"))
    options = dict(method.get("options") or {})
    if name == "s_clip" and options.get("keyword_weight", 0.5) > 0:
        options["keywords"] = keyword_bank(
            keyword_vocabulary,
            keyword_candidates,
            keyword_features,
            paired_text_features,
            model_config,
        )
    algorithm = make_method(name, **options)
    data = train_data(
        image_features, paired_text_features, image_split, paired_captions, model_config
    )
    val = eval_set(
        "val", image_features, eval_text_features, images, image_split, eval_captions, model_config
    )
    run_key = fingerprint(
        # the effective settings are config's; without the table, older checkpoints still match
        {k: v for k, v in method.items() if k != "training_by_label_ratio"},
        algorithm.settings(),  # code defaults too: a changed default starts afresh
        model_config.to_dict(),
        config.identity(),
        evaluation,
        image_split.to_dict("list"),
        paired_captions["caption_id"].tolist(),
        # The keyword texts as encoded (a template changes them); older artifacts: the words.
        (keyword_features.get("__metadata__") or {}).get(
            "texts", keyword_vocabulary["keyword"].tolist()
        )
        if name == "s_clip"
        else None,
    )
    checkpoint_dir = (
        Path(checkpoints["dir"]) / name / run_key if checkpoints.get("enabled", True) else None
    )
    every = checkpoints.get("every_steps", 0)
    processes = DistributedConfig.from_params(distributed)
    if processes.enabled:
        # The workers run the training loop; this node (and the pipeline) runs once.
        log.info(
            "%s: training on %d node(s) × %d process(es)",
            name,
            processes.nnodes,
            processes.nproc_per_node,
        )
        result = launch(
            processes,
            train_worker,
            partial(build_model, model_config),
            data,
            config,
            algorithm,
            val,
            evaluation["templates"],
            evaluation.get("seed", 0),
            checkpoint_dir,
            every,
            processes.backend,
        )
        if result is None:  # a node other than node 0 of a multi-node run
            return {"__metadata__": {"skipped": True, "method": method, "rank": "not 0"}}, []
    else:
        encoder = build_model(model_config)
        device = resolve_device(config.device)
        evaluator = Evaluator(
            encoder.to(device), val, evaluation["templates"], evaluation.get("seed", 0), device
        )
        result = train(
            encoder,
            data,
            config,
            algorithm,
            evaluator,
            checkpoint_dir,
            progress=checkpoints.get("progress", False),
            checkpoint_every_steps=every,
        )
    log.info(
        "%s: selected epoch %d of %d (%d epochs run)",
        name,
        result.selected_epoch,
        config.epochs,
        len(result.history),
    )
    artifact = {
        **result.state,
        "__metadata__": {
            "model": model_config.to_dict(),
            "method": method,
            "training": config.to_dict(),
            "selected_epoch": result.selected_epoch,
            "epochs_run": len(result.history),
            "resumed_from": result.resumed_from,
        },
    }
    return artifact, result.history
