"""Keyword vocabulary (class names and/or YAKE keywords of paired captions) and candidates."""

from sclip.pipelines.keywords.pipeline import create_pipeline

__all__ = ["create_pipeline"]
