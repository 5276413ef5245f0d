"""Nodes of the evaluation pipeline."""

from __future__ import annotations

import logging

import pandas as pd

from sclip.assemble import eval_set
from sclip.evaluation.evaluate import Evaluator
from sclip.evaluation.report import (
    comparison_plot,
    comparison_table,
    to_markdown,
    tracking_metrics,
    training_curves,
)
from sclip.models import ModelConfig, build_model
from sclip.training.device import resolve_device

log = logging.getLogger(__name__)


def _evaluate(
    state, image_features, eval_text_features, images, image_split, eval_captions, model, evaluation
):
    config = ModelConfig.from_params(model)
    encoder = build_model(config)
    if state is not None:
        meta = state.get("__metadata__", {})
        if meta.get("model", {}).get("backbone") not in (None, config.backbone):
            raise ValueError(
                f"The trained model was made with backbone {meta['model']['backbone']!r}, "
                f"but 'model.backbone' is {config.backbone!r}"
            )
        encoder.load_trainable_state(
            {k: v for k, v in state.items() if k != "__metadata__"}, "trained model"
        )
    device = resolve_device(evaluation.get("device", "auto"))
    encoder.to(device)
    out = {}
    for split in evaluation.get("splits", ["val", "test"]):
        data = eval_set(
            split, image_features, eval_text_features, images, image_split, eval_captions, config
        )
        out[split] = Evaluator(
            encoder, data, evaluation["templates"], evaluation.get("seed", 0), device
        )(encoder)
        log.info("%s: %s", split, ", ".join(f"{k}={v:.1f}" for k, v in out[split].items()))
    return out


def evaluate_untrained(
    image_features: dict,
    eval_text_features: dict,
    images: pd.DataFrame,
    image_split: pd.DataFrame,
    eval_captions: pd.DataFrame,
    model: dict,
    evaluation: dict,
) -> dict:
    """Metrics of the model before fine-tuning (the zero-shot floor)."""
    return _evaluate(
        None,
        image_features,
        eval_text_features,
        images,
        image_split,
        eval_captions,
        model,
        evaluation,
    )


def evaluate_trained(
    trained: dict,
    image_features: dict,
    eval_text_features: dict,
    images: pd.DataFrame,
    image_split: pd.DataFrame,
    eval_captions: pd.DataFrame,
    model: dict,
    evaluation: dict,
) -> dict:
    """Metrics of a fine-tuned model (or a note that its method was skipped)."""
    if trained.get("__metadata__", {}).get("skipped"):
        return {"skipped": True}
    out = _evaluate(
        trained,
        image_features,
        eval_text_features,
        images,
        image_split,
        eval_captions,
        model,
        evaluation,
    )
    out["selected_epoch"] = trained.get("__metadata__", {}).get("selected_epoch")
    return out


def compare(
    methods: list[str], untrained: dict, *per_method
) -> tuple[dict, str, pd.DataFrame, object, object, dict]:
    """Metrics JSON, markdown and CSV tables, a bar plot, training curves and the metric
    series for experiment tracking, for every model that ran (skipped methods are left out)."""
    n = len(methods)
    trained = {m: r for m, r in zip(methods, per_method[:n], strict=True) if not r.get("skipped")}
    metrics = {"untrained": untrained, **trained}
    histories = {m: h for m, h in zip(methods, per_method[n:], strict=True) if m in trained}
    table = comparison_table(metrics)
    return (
        metrics,
        to_markdown(table, "S-CLIP comparison"),
        table,
        comparison_plot(table),
        training_curves(histories),
        tracking_metrics(metrics, histories),
    )
