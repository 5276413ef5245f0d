"""Encode images and captions with the frozen part of the model, once."""

from sclip.pipelines.embedding.pipeline import create_pipeline

__all__ = ["create_pipeline"]
