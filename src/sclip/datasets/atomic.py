"""kedro-datasets file datasets whose saves are atomic: written to a hidden sibling in the same
folder, then renamed into place.

Kedro's versioned datasets write straight to ``<path>/<version>/<name>``; a run killed mid-write
leaves a truncated file there, which the next run's "latest version" then loads. Here the file
under its real name only ever appears complete. Use them in the catalog as
``type: sclip.datasets.ParquetDataset`` (etc.), with the same arguments as the originals.
"""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath
from typing import Any

from kedro_datasets.json import JSONDataset as _JSONDataset
from kedro_datasets.matplotlib import MatplotlibDataset as _MatplotlibDataset
from kedro_datasets.pandas import CSVDataset as _CSVDataset
from kedro_datasets.pandas import ParquetDataset as _ParquetDataset
from kedro_datasets.text import TextDataset as _TextDataset


def _atomic(base: type) -> type:
    raw_save = getattr(base.save, "__wrapped__", base.save)  # the save Kedro's wrappers call

    class Atomic(base):
        _partial_path: PurePosixPath | None = None

        def _get_save_path(self) -> PurePosixPath:
            return self._partial_path or super()._get_save_path()

        def save(self, data: Any) -> None:
            final = super()._get_save_path()  # also refuses an existing versioned path
            partial = final.parent / f".{final.name}.{secrets.token_hex(6)}.partial"
            self._partial_path = partial
            try:
                raw_save(self, data)
                self._fs.mv(str(partial), str(final))
            except BaseException:
                if self._fs.exists(str(partial)):
                    self._fs.rm(str(partial))
                raise
            finally:
                self._partial_path = None

    Atomic.__name__ = Atomic.__qualname__ = base.__name__
    Atomic.__module__ = __name__
    Atomic.__doc__ = f"{base.__doc__}\n\nSaves atomically (see sclip.datasets.atomic)."
    return Atomic


ParquetDataset = _atomic(_ParquetDataset)
CSVDataset = _atomic(_CSVDataset)
JSONDataset = _atomic(_JSONDataset)
TextDataset = _atomic(_TextDataset)
MatplotlibDataset = _atomic(_MatplotlibDataset)
