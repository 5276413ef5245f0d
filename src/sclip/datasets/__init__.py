"""Kedro datasets of the project: caption corpora (read-only inputs), safetensors tensors, and
atomic-save versions of the kedro-datasets file datasets the catalog uses.

Use them in the catalog as ``type: sclip.datasets.<ClassName>``.
"""

from sclip.datasets.atomic import (
    CSVDataset,
    JSONDataset,
    MatplotlibDataset,
    ParquetDataset,
    TextDataset,
)
from sclip.datasets.caption_corpus import (
    CaptionTableDataset,
    ClassFolderDataset,
    KarpathyCaptionsDataset,
    SyntheticScenesDataset,
)
from sclip.datasets.safetensors_dataset import SafetensorsDataset

__all__ = [
    "CSVDataset",
    "CaptionTableDataset",
    "ClassFolderDataset",
    "JSONDataset",
    "MatplotlibDataset",
    "ParquetDataset",
    "TextDataset",
    "KarpathyCaptionsDataset",
    "SafetensorsDataset",
    "SyntheticScenesDataset",
]
