"""Raw caption dataset → image and caption tables → paired/unpaired split."""

from sclip.pipelines.data_processing.pipeline import create_pipeline

__all__ = ["create_pipeline"]
