"""Read-only Kedro datasets that load caption corpora and image tables from raw data on disk.

Example ``catalog.yml``::

    rsicd:
      type: sclip.datasets.KarpathyCaptionsDataset
      captions_file: ../shared/datasets/rsicd/dataset_rsicd.json
      images_dir: ../shared/datasets/rsicd/RSICD_images
      classes_dir: ../shared/datasets/rsicd/txtclasses_rsicd

    my_domain:  # a CSV of captions plus a folder of images nobody captioned
      type: sclip.datasets.CaptionTableDataset
      captions_file: data/01_raw/my_domain/captions.csv
      images_dir: data/01_raw/my_domain/images
      unpaired_dir: data/01_raw/my_domain/uncaptioned

    aid:
      type: sclip.datasets.ClassFolderDataset
      path: data/01_raw/AID

    synthetic:
      type: sclip.datasets.SyntheticScenesDataset
      path: data/01_raw/synthetic
      seed: 0
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
from kedro.io import AbstractDataset, DatasetError

from sclip.data.corpus import CaptionCorpus
from sclip.data.readers import IMAGE_EXTENSIONS, read_class_folders, read_karpathy_captions
from sclip.data.table_reader import add_unpaired_images, read_caption_table


def _refuse_save(dataset: AbstractDataset) -> NoReturn:
    raise DatasetError(
        f"{type(dataset).__name__} is a raw input and is read-only; it cannot be saved to. "
        "Write pipeline outputs to another catalog entry."
    )


class _CaptionFileDataset(AbstractDataset[None, CaptionCorpus]):
    """What the caption-file inputs share: the file, the images folder, the optional folder
    of uncaptioned images; read-only, existing when the file does."""

    def __init__(self, captions_file, images_dir, unpaired_dir, metadata) -> None:
        self._captions_file = Path(captions_file)
        self._images_dir = Path(images_dir)
        self._unpaired_dir = Path(unpaired_dir) if unpaired_dir is not None else None
        self.metadata = metadata

    def save(self, data: None) -> None:
        _refuse_save(self)

    def _exists(self) -> bool:
        return self._captions_file.is_file()

    def _paths(self) -> dict[str, Any]:
        return {
            "captions_file": str(self._captions_file),
            "images_dir": str(self._images_dir),
            "unpaired_dir": None if self._unpaired_dir is None else str(self._unpaired_dir),
        }


class KarpathyCaptionsDataset(_CaptionFileDataset):
    """A Karpathy-style caption JSON (RSICD, UCM-captions, Sydney-captions) as a CaptionCorpus,
    plus, optionally, the images of `unpaired_dir`, which have no caption (train, unpaired).

    Loading calls :func:`sclip.data.readers.read_karpathy_captions` with the given arguments,
    then :func:`sclip.data.table_reader.add_unpaired_images`.
    """

    def __init__(
        self,
        captions_file: str | os.PathLike,
        images_dir: str | os.PathLike,
        classes_dir: str | os.PathLike | None = None,
        check_files: bool = True,
        skip_missing_images: bool = False,
        skip_empty_captions: bool = True,
        unpaired_dir: str | os.PathLike | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(captions_file, images_dir, unpaired_dir, metadata)
        self._classes_dir = Path(classes_dir) if classes_dir is not None else None
        self._check_files = check_files
        self._skip_missing_images = skip_missing_images
        self._skip_empty_captions = skip_empty_captions

    def load(self) -> CaptionCorpus:
        corpus = read_karpathy_captions(
            self._captions_file,
            self._images_dir,
            self._classes_dir,
            check_files=self._check_files,
            skip_missing_images=self._skip_missing_images,
            skip_empty_captions=self._skip_empty_captions,
        )
        return (
            corpus
            if self._unpaired_dir is None
            else add_unpaired_images(corpus, self._unpaired_dir)
        )

    def _describe(self) -> dict[str, Any]:
        return {
            **self._paths(),
            "classes_dir": None if self._classes_dir is None else str(self._classes_dir),
            "check_files": self._check_files,
            "skip_missing_images": self._skip_missing_images,
            "skip_empty_captions": self._skip_empty_captions,
        }


class CaptionTableDataset(_CaptionFileDataset):
    """A caption table (CSV/TSV/JSON Lines/Parquet: image, caption[, split][, label]) and,
    optionally, a folder of images without captions, as a CaptionCorpus.

    Loading calls :func:`sclip.data.table_reader.read_caption_table` with the given arguments.
    """

    def __init__(
        self,
        captions_file: str | os.PathLike,
        images_dir: str | os.PathLike,
        unpaired_dir: str | os.PathLike | None = None,
        val_fraction: float = 0.1,
        test_fraction: float = 0.1,
        split_seed: int = 0,
        check_files: bool = True,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(captions_file, images_dir, unpaired_dir, metadata)
        self._options = {
            "val_fraction": val_fraction,
            "test_fraction": test_fraction,
            "split_seed": split_seed,
            "check_files": check_files,
        }

    def load(self) -> CaptionCorpus:
        return read_caption_table(
            self._captions_file, self._images_dir, self._unpaired_dir, **self._options
        )

    def _describe(self) -> dict[str, Any]:
        return {**self._paths(), **self._options}


class ClassFolderDataset(AbstractDataset[None, pd.DataFrame]):
    """Images in ``<path>/<class>/<image>`` folders (UCM, AID, RSSCN7, WHU-RS19) as an image table.

    Loading calls :func:`sclip.data.readers.read_class_folders`; every image has split "test".
    """

    def __init__(
        self,
        path: str | os.PathLike,
        extensions: Iterable[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._extensions = tuple(extensions) if extensions is not None else IMAGE_EXTENSIONS
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        return read_class_folders(self._path, self._extensions)

    def save(self, data: None) -> None:
        _refuse_save(self)

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "extensions": list(self._extensions)}


class SyntheticScenesDataset(AbstractDataset[None, CaptionCorpus]):
    """The built-in synthetic scene domain, generated on first load.

    Loading calls :func:`sclip.data.synthetic.generate_synthetic_scenes` (idempotent; writes
    ``dataset_synthetic.json``, ``images/`` and ``classes/``) and reads the result as a Karpathy
    layout. Each combination of settings (and generator version) gets its own sub-folder of
    ``path``, so changing a setting never collides with, or overwrites, data already drawn.
    It always "exists", since loading can produce it.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        seed: int = 0,
        images_per_class: int = 120,
        image_size: int = 128,
        captions_per_image: int = 5,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._seed = seed
        self._images_per_class = images_per_class
        self._image_size = image_size
        self._captions_per_image = captions_per_image
        self.metadata = metadata

    def load(self) -> CaptionCorpus:
        from sclip.data.synthetic import generate_synthetic_scenes  # heavy, and optional here

        root = self.root
        captions_file = generate_synthetic_scenes(
            root,
            seed=self._seed,
            images_per_class=self._images_per_class,
            image_size=self._image_size,
            captions_per_image=self._captions_per_image,
        )
        return read_karpathy_captions(captions_file, root / "images", root / "classes")

    @property
    def root(self) -> Path:
        """The folder these settings are drawn into."""
        from sclip.data.synthetic import FORMAT_VERSION

        return self._path / (
            f"v{FORMAT_VERSION}_seed{self._seed}_n{self._images_per_class}"
            f"_px{self._image_size}_cap{self._captions_per_image}"
        )

    def save(self, data: None) -> None:
        _refuse_save(self)

    def _exists(self) -> bool:
        return True

    def _describe(self) -> dict[str, Any]:
        return {
            "path": str(self._path),
            "seed": self._seed,
            "images_per_class": self._images_per_class,
            "image_size": self._image_size,
            "captions_per_image": self._captions_per_image,
        }
