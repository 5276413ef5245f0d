"""Nodes of the pseudo_labeling pipeline."""

from __future__ import annotations

import logging
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from sclip.features import frozen_embeddings, read_features, rows_of
from sclip.models import ModelConfig, build_model
from sclip.models.dual_encoder import index_state
from sclip.pseudo_labels.dataset_level import (
    ASSIGNMENTS,
    assign,
    caption_closeness,
    class_agreement,
    ot_plan,
)
from sclip.pseudo_labels.ot import RELATIVE_TOL_SOLVERS, SOLVERS

log = logging.getLogger(__name__)


def frozen_image_features(image_features: dict, image_split: pd.DataFrame, model: dict):
    """The model, the untrained embeddings of every image, and the paired/unpaired rows of
    the split (what the pseudo-labels are computed from; also benchmarks/batch_pseudo_labels.py)."""
    config = ModelConfig.from_params(model)
    encoder = build_model(config)
    state, stage = read_features(image_features, config, "image", "image_features")
    feats = frozen_embeddings(encoder, "image", state, stage)
    ids = image_split.set_index("image_id")
    rows = {
        r: rows_of(ids.index[ids["role"] == r], image_features["image_id"], f"{r} image")
        for r in ("paired", "unpaired")
    }
    return encoder, feats, rows


def check_pseudo_labeling(pseudo_labeling: dict) -> None:
    """The dataset-level plan's settings: a positive ε, an iteration cap, and a solver that
    stops on relative_tol (positive; null: POT's own rule, any solver)."""

    def fail(name, expected):
        raise ValueError(
            f"Parameter 'pseudo_labeling.{name}' must be {expected}; "
            f"got {pseudo_labeling.get(name)!r}"
        )

    def positive(value):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0

    if not positive(pseudo_labeling.get("epsilon")):
        fail("epsilon", "a positive number")
    relative_tol = pseudo_labeling.get("relative_tol", 1e-4)
    if relative_tol is not None and not positive(relative_tol):
        fail("relative_tol", "a positive number or null")
    max_iter = pseudo_labeling.get("max_iter", 20000)
    if not isinstance(max_iter, int) or isinstance(max_iter, bool) or max_iter < 1:
        fail("max_iter", "an integer >= 1")
    solvers = SOLVERS if relative_tol is None else RELATIVE_TOL_SOLVERS
    if pseudo_labeling.get("method", "sinkhorn") not in solvers:
        fail("method", f"one of {solvers}" + ("" if relative_tol is None else " with relative_tol"))


def dataset_pseudo_labels(
    image_features: dict,
    image_split: pd.DataFrame,
    keyword_candidates: pd.DataFrame,
    model: dict,
    pseudo_labeling: dict,
) -> tuple[pd.DataFrame, dict]:
    """Entropic OT between all unpaired and all paired images (frozen features): per unpaired
    image its soft caption target (the plan), nearest paired image and keyword candidates."""
    check_pseudo_labeling(pseudo_labeling)
    _, feats, rows = frozen_image_features(image_features, image_split, model)
    unpaired_ids = image_features["image_id"][rows["unpaired"]]
    paired_ids = image_features["image_id"][rows["paired"]]
    if len(unpaired_ids) == 0:
        raise ValueError(
            "There are no unpaired images to pseudo-label ('split.label_ratio' is 1.0?)"
        )
    t0 = time.time()
    plan, error = ot_plan(
        feats[rows["unpaired"]],
        feats[rows["paired"]],
        pseudo_labeling["epsilon"],
        relative_tol=pseudo_labeling.get("relative_tol", 1e-4),
        max_iter=pseudo_labeling.get("max_iter", 20000),
        method=pseudo_labeling.get("method", "sinkhorn"),
    )
    log.info(
        "OT plan %s in %.1f s, marginal error %.2e", tuple(plan.shape), time.time() - t0, error
    )
    target = plan / plan.sum(dim=1, keepdim=True)
    best = target.max(dim=1)
    nearest = paired_ids[best.indices]
    keywords = keyword_candidates.groupby("image_id")["keywords"].agg(
        lambda ks: sorted({k for kw in ks for k in kw})
    )
    table = pd.DataFrame(
        {
            "image_id": unpaired_ids.numpy(),
            "nearest_paired_image_id": nearest.numpy(),
            "nearest_weight": best.values.float().numpy(),
            "keyword_candidates": [keywords.get(int(i), []) for i in nearest],
        }
    )
    artifact = {
        "plan": plan.float(),
        "unpaired_image_id": unpaired_ids,
        "paired_image_id": paired_ids,
        # The frozen features the plan came from, for pseudo_label_quality: recomputing them
        # there cost a second forward of every image (~10 s on RSICD) and, inside the node's
        # freed-memory scope, up to 2 GB more peak RSS (benchmarks/README.md, peak RSS).
        "unpaired_features": feats[rows["unpaired"]].contiguous(),
        "paired_features": feats[rows["paired"]].contiguous(),
        "__metadata__": {"epsilon": pseudo_labeling["epsilon"], "marginal_error": error},
    }
    return table, artifact


def pseudo_label_quality(
    ot_plan: dict,
    image_features: dict,
    images: pd.DataFrame,
    image_split: pd.DataFrame,
    caption_features: dict,
    paired_captions: pd.DataFrame,
    unpaired_captions: pd.DataFrame,
    model: dict,
    pseudo_labeling: dict,
) -> tuple[dict, object]:
    """How good the caption pseudo-labels are, for OT vs nearest-neighbour vs softmax: class
    agreement with the nearest paired image and, using the unpaired images' HIDDEN captions
    (never used for training), text similarity between pseudo-caption and truth."""
    labels = images.set_index("image_id")["label"]
    paired_ids, unpaired_ids = ot_plan["paired_image_id"], ot_plan["unpaired_image_id"]
    if "unpaired_features" in ot_plan:  # saved with the plan since 2026-12-07
        encoder = None  # built below only if the hidden-caption check needs the text tower
        u, x = ot_plan["unpaired_features"], ot_plan["paired_features"]
    else:  # a plan saved before: recompute them
        encoder, feats, _ = frozen_image_features(image_features, image_split, model)
        u, x = (
            feats[rows_of(unpaired_ids, image_features["image_id"], "unpaired image")],
            feats[rows_of(paired_ids, image_features["image_id"], "paired image")],
        )
    eps = pseudo_labeling["epsilon"]
    plan = ot_plan["plan"].double()
    targets = {
        "ot": plan / plan.sum(1, keepdim=True),
        **{m: assign(u, x, m, eps) for m in ASSIGNMENTS if m != "ot"},
    }
    ul, pl = labels.loc[unpaired_ids.numpy()].to_numpy(), labels.loc[paired_ids.numpy()].to_numpy()
    quality = {
        "epsilon": eps,
        "marginal_error": ot_plan.get("__metadata__", {}).get("marginal_error"),
        "n_unpaired": len(unpaired_ids),
        "n_paired": len(paired_ids),
        "chance_same_class": None,
    }
    if any(isinstance(v, str) for v in ul):
        quality["chance_same_class"] = 100.0 * float(
            pd.Series(pl).value_counts(normalize=True).pow(2).sum()
        )
    # Over the unpaired images that have hidden captions: a dataset's truly uncaptioned
    # images (sclip.data.table_reader) have none to compare with.
    hidden = torch.from_numpy(
        np.isin(unpaired_ids.numpy(), unpaired_captions["image_id"].to_numpy())
    )
    check = pseudo_labeling.get("hidden_caption_check", True) and bool(hidden.any())
    if check:
        if encoder is None:
            encoder = build_model(ModelConfig.from_params(model))
        texts = read_features(caption_features, encoder.config, "text", "caption_features")
        paired_emb = _mean_caption_embedding(
            encoder, texts, caption_features, paired_captions, paired_ids
        )
        hidden_emb = _mean_caption_embedding(
            encoder, texts, caption_features, unpaired_captions, unpaired_ids[hidden]
        )
        quality["n_unpaired_with_hidden_captions"] = int(hidden.sum())
    for name, t in targets.items():
        quality[name] = {f"same_class_{k}": v for k, v in class_agreement(t, ul, pl).items()}
        if check:
            quality[name]["caption_cosine"] = caption_closeness(
                t[hidden], paired_emb.double(), hidden_emb.double()
            )
    log.info("Pseudo-label quality: %s", quality)
    return quality, _quality_plot(quality)


def _mean_caption_embedding(
    encoder, texts, caption_features: dict, captions: pd.DataFrame, image_ids: torch.Tensor
) -> torch.Tensor:
    """Normalised mean frozen text embedding of each image's captions, in image_ids order,
    from the cached caption states `texts` = (state, stage) of caption_features."""
    state, stage = texts
    rows = rows_of(captions["caption_id"], caption_features["caption_id"], "caption")
    emb = frozen_embeddings(encoder, "text", index_state(state, rows), stage)
    emb = torch.nn.functional.normalize(emb, dim=-1)
    frame = pd.DataFrame(emb.numpy()).groupby(captions["image_id"].to_numpy()).mean()
    return torch.tensor(frame.loc[image_ids.numpy()].to_numpy())


def _quality_plot(quality: dict):
    fig, ax = plt.subplots(figsize=(6, 3.6), constrained_layout=True)
    names = list(ASSIGNMENTS)
    top1 = [quality[n]["same_class_top1"] or 0 for n in names]
    mass = [quality[n]["same_class_mass"] or 0 for n in names]
    pos = range(len(names))
    for offset, values, label in (
        (-0.2, top1, "nearest paired image, same class"),
        (0.2, mass, "target mass on same class"),
    ):
        ax.bar_label(
            ax.bar([p + offset for p in pos], values, 0.4, label=label), fmt="%.1f", fontsize=8
        )
    if quality.get("chance_same_class") is not None:
        ax.axhline(quality["chance_same_class"], color="grey", ls="--", lw=1, label="chance")
    ax.set_xticks(list(pos), ["OT (S-CLIP)", "nearest (Hard-PL)", "softmax (Soft-PL)"])
    ax.set_ylabel("%")
    ax.set_ylim(0, 100)
    ax.set_title("Caption pseudo-label quality on unpaired images")
    ax.legend(fontsize=8, loc="upper right")  # bars stay below ~90 %, the top is free
    return fig
