"""Evaluate the untrained and fine-tuned models on val and test; compare them."""

from sclip.pipelines.evaluation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
