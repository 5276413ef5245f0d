"""Fine-tune one model per method, each method a namespace of the same template."""

from sclip.pipelines.training.pipeline import create_pipeline

__all__ = ["create_pipeline"]
