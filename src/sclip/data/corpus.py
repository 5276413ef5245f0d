"""The in-memory form every caption dataset is read into."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

IMAGE_COLUMNS = ["image_id", "filename", "path", "split", "label"]
CAPTION_COLUMNS = ["caption_id", "image_id", "text"]
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class CaptionCorpus:
    """Images with their captions.

    images: one row per image — image_id (int, 0..N-1 in file order), filename (str, unique),
        path (str, absolute or relative to the working directory), split (train/val/test),
        label (scene class name, or None where the dataset gives none).
    captions: one row per caption — caption_id (int, 0..M-1), image_id, text (non-empty str).
    """

    images: pd.DataFrame
    captions: pd.DataFrame

    def __post_init__(self) -> None:
        for name, frame, columns in (
            ("images", self.images, IMAGE_COLUMNS),
            ("captions", self.captions, CAPTION_COLUMNS),
        ):
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(
                    f"CaptionCorpus.{name} lacks columns {missing}; expected {columns}"
                )

    @property
    def class_names(self) -> list[str]:
        """Sorted scene classes present in the labels."""
        return sorted(self.images["label"].dropna().unique().tolist())
