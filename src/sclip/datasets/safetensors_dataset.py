"""A versioned Kedro dataset for ``dict[str, torch.Tensor]`` in safetensors files (no pickle).

Example ``catalog.yml``::

    image_embeddings:
      type: sclip.datasets.SafetensorsDataset
      filepath: data/06_models/image_embeddings.safetensors
      versioned: true

A ``"__metadata__"`` entry of the saved dict (a JSON-serialisable ``dict[str, ...]``) is stored
JSON-encoded in the file header and returned, decoded, under the same key on load.
"""

from __future__ import annotations

import json
import os
import secrets
from collections import Counter
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

import fsspec
import torch
from kedro.io.core import (
    AbstractVersionedDataset,
    DatasetError,
    Version,
    get_filepath_str,
    get_protocol_and_path,
)
from safetensors import safe_open
from safetensors.torch import save_file

METADATA_KEY = "__metadata__"
_HEADER_KEY = "sclip.metadata.json"  # header entry that holds our JSON-encoded metadata


def _prepare_tensors(data: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Validated CPU, contiguous, non-aliasing copies-or-views of the tensors in ``data``."""
    tensors: dict[str, torch.Tensor] = {}
    for key, value in data.items():
        if key == METADATA_KEY:
            continue
        if not isinstance(key, str):
            raise DatasetError(f"Tensor names must be strings; got {key!r} ({type(key).__name__})")
        if not isinstance(value, torch.Tensor):
            raise DatasetError(
                f"Entry {key!r} is a {type(value).__name__}; expected a torch.Tensor"
            )
        if value.layout != torch.strided:
            raise DatasetError(f"Entry {key!r} is a sparse tensor; call .to_dense() first")
        tensors[key] = value.detach().to("cpu").contiguous()
    # safetensors refuses tensors that share storage (views of one tensor, tied weights).
    storages = Counter(t.untyped_storage().data_ptr() for t in tensors.values() if t.numel())
    for key, tensor in tensors.items():
        if tensor.numel() and storages[tensor.untyped_storage().data_ptr()] > 1:
            tensors[key] = tensor.clone()
    return tensors


def _encode_metadata(metadata: Any) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping) or not all(isinstance(k, str) for k in metadata):
        raise DatasetError(f"{METADATA_KEY!r} must be a dict with string keys; got {metadata!r}")
    try:
        return {_HEADER_KEY: json.dumps(dict(metadata), sort_keys=True)}
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{METADATA_KEY!r} must be JSON-serialisable: {exc}") from exc


def _decode_metadata(header: dict[str, str] | None, path: str) -> dict[str, Any] | None:
    if not header:
        return None
    if _HEADER_KEY not in header:
        return dict(header)  # a file written elsewhere: plain string metadata
    try:
        return json.loads(header[_HEADER_KEY])
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: metadata {_HEADER_KEY!r} is not valid JSON ({exc})") from exc


class SafetensorsDataset(AbstractVersionedDataset[dict[str, Any], dict[str, Any]]):
    """``dict[str, torch.Tensor]`` saved with safetensors on the local filesystem.

    Saving moves tensors to CPU, makes them contiguous and writes a temporary file beside the
    target, then ``os.replace``s it: an interrupted save never leaves a partial file.
    Loading returns CPU tensors (plus ``"__metadata__"`` when the file has header metadata).
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        protocol, path = get_protocol_and_path(filepath, version)
        if protocol != "file":
            raise DatasetError(
                f"SafetensorsDataset only supports local files; got protocol {protocol!r} "
                f"in {str(filepath)!r}"
            )
        self._protocol = protocol
        self._fs = fsspec.filesystem(protocol)
        self.metadata = metadata
        super().__init__(
            filepath=PurePosixPath(path),
            version=version,
            exists_function=self._fs.exists,
            glob_function=self._fs.glob,
        )

    def load(self) -> dict[str, Any]:
        path = get_filepath_str(self._get_load_path(), self._protocol)
        if not os.path.isfile(path):
            raise DatasetError(f"Safetensors file not found: {path}")
        try:
            with safe_open(path, framework="pt", device="cpu") as handle:
                header = handle.metadata()
                data: dict[str, Any] = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
        except Exception as exc:  # safetensors raises its own SafetensorError, among others
            raise DatasetError(f"{path} is not a valid safetensors file: {exc}") from exc
        metadata = _decode_metadata(header, path)
        if metadata is not None:
            data[METADATA_KEY] = metadata
        return data

    def save(self, data: dict[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise DatasetError(
                f"SafetensorsDataset saves a dict[str, torch.Tensor]; got {type(data).__name__}"
            )
        tensors = _prepare_tensors(data)
        header = _encode_metadata(data.get(METADATA_KEY))
        path = get_filepath_str(self._get_save_path(), self._protocol)
        directory, name = os.path.split(path)
        os.makedirs(directory or ".", exist_ok=True)
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            save_file(tensors, tmp, metadata=header)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        self._fs.invalidate_cache(get_filepath_str(self._filepath, self._protocol))

    def _exists(self) -> bool:
        try:
            path = get_filepath_str(self._get_load_path(), self._protocol)
        except DatasetError:
            return False
        return self._fs.exists(path)

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._filepath,
            "protocol": self._protocol,
            "version": self._version,
        }

    def _release(self) -> None:
        super()._release()
        self._fs.invalidate_cache(get_filepath_str(self._filepath, self._protocol))
