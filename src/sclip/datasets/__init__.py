"""Kedro datasets of the project: caption corpora (read-only inputs) and safetensors tensors.

Use them in the catalog as ``type: sclip.datasets.<ClassName>``.
"""

from sclip.datasets.caption_corpus import (
    ClassFolderDataset,
    KarpathyCaptionsDataset,
    SyntheticScenesDataset,
)
from sclip.datasets.safetensors_dataset import SafetensorsDataset

__all__ = [
    "ClassFolderDataset",
    "KarpathyCaptionsDataset",
    "SafetensorsDataset",
    "SyntheticScenesDataset",
]
