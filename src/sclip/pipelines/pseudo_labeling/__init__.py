"""Dataset-level OT pseudo-labels for unpaired images, and their quality."""

from sclip.pipelines.pseudo_labeling.pipeline import create_pipeline

__all__ = ["create_pipeline"]
