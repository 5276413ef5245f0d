"""Nodes of the keywords pipeline."""

from __future__ import annotations

import logging

import pandas as pd

from sclip.features import encode_texts, features_artifact
from sclip.pipelines.embedding.nodes import embedding_precision, embedding_setup, show_progress
from sclip.pseudo_labels.keywords import keyword_candidates, merge_vocabularies, yake_keywords

log = logging.getLogger(__name__)
SOURCES = ("classes", "captions", "both")


def check_keywords(keywords: dict) -> None:
    """The `keywords` parameters: source, size and template."""
    source, size = keywords.get("source", "both"), keywords.get("size", 100)
    if source not in SOURCES:
        raise ValueError(f"Parameter 'keywords.source' must be one of {SOURCES}; got {source!r}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"Parameter 'keywords.size' must be a positive integer; got {size!r}")
    keyword_texts([], keywords.get("template"))


def build_vocabulary(
    images: pd.DataFrame, paired_captions: pd.DataFrame, keywords: dict
) -> pd.DataFrame:
    """Keyword vocabulary: the dataset's class names, keywords mined from PAIRED captions with
    YAKE, or both (class names first)."""
    check_keywords(keywords)
    source, size = keywords.get("source", "both"), keywords.get("size", 100)
    classes = (
        [(c, 1.0) for c in sorted(images["label"].dropna().unique())]
        if source != "captions"
        else []
    )
    mined = []
    if source != "classes":
        mined = yake_keywords(paired_captions["text"].tolist(), size, keywords.get("max_ngram", 2))
    vocab = merge_vocabularies(classes, mined, size=size)
    if not vocab:
        raise ValueError(
            f"The keyword vocabulary is empty (keywords.source={source!r}): the dataset has no "
            "class labels and/or the paired captions gave no keywords"
        )
    names = {c for c, _ in classes}
    log.info(
        "Keyword vocabulary: %d (%d class names)", len(vocab), sum(k in names for k, _ in vocab)
    )
    return pd.DataFrame(
        {
            "keyword": [k for k, _ in vocab],
            "score": [s for _, s in vocab],
            "source": ["class" if k in names else "yake" for k, _ in vocab],
        }
    )


def match_keywords(paired_captions: pd.DataFrame, keyword_vocabulary: pd.DataFrame) -> pd.DataFrame:
    """Each paired caption's keyword candidate set (case-insensitive, plural-aware)."""
    vocab = keyword_vocabulary["keyword"].tolist()
    found = keyword_candidates(paired_captions["text"].tolist(), vocab)
    out = paired_captions[["caption_id", "image_id"]].copy()
    out["keywords"] = [[vocab[k] for k in row.nonzero()[0]] for row in found]
    log.info("%.1f%% of paired captions have at least one keyword", 100 * found.any(1).mean())
    return out


def keyword_texts(keywords: list[str], template: str | None) -> list[str]:
    """What the text encoder reads for each keyword: the bare keyword (the paper), or the
    keyword in a sentence template such as the zero-shot prompt ("an aerial photograph of {c}.")."""
    if template is None:
        return list(keywords)
    try:
        ok = isinstance(template, str) and "{c}" in template and template.format(c="x") != ""
    except (KeyError, IndexError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            "Parameter 'keywords.template' must be null (bare keywords) or a string with one "
            f"'{{c}}' placeholder for the keyword and no other braces; got {template!r}"
        )
    return [template.format(c=k) for k in keywords]


def embed_keywords(
    keyword_vocabulary: pd.DataFrame, keywords: dict, model: dict, embedding: dict
) -> dict:
    """The keywords' frozen text states (bare, or in `keywords.template`), reused every step."""
    config, encoder, device = embedding_setup(model, embedding)
    stage = encoder.first_trainable["text"]
    texts = keyword_texts(keyword_vocabulary["keyword"].tolist(), keywords.get("template"))
    precision = embedding_precision(embedding, device)
    state = encode_texts(encoder, texts, 256, device, stage, show_progress(embedding), precision)
    artifact = features_artifact(
        state, range(len(keyword_vocabulary)), config, "text", stage, "keyword_id", precision
    )
    artifact["__metadata__"]["texts"] = texts  # what was encoded: part of a run's fingerprint
    return artifact
