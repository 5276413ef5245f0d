"""The catalog's file datasets save atomically: an interrupted save leaves no file that a later
run's "latest version" would load, and a saved version is never overwritten."""

import os

import matplotlib
import pandas as pd
import pytest
from kedro.io import DataCatalog, DatasetError, Version

from sclip import datasets

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CASES = [
    (datasets.ParquetDataset, "t.parquet", pd.DataFrame({"a": [1, 2]})),
    (datasets.CSVDataset, "t.csv", pd.DataFrame({"a": [1, 2]})),
    (datasets.JSONDataset, "t.json", {"a": [1, 2]}),
    (datasets.TextDataset, "t.md", "# table"),
    (datasets.MatplotlibDataset, "t.png", None),
]


def _data(data):
    return plt.figure() if data is None else data


def _files(root):
    return sorted(
        os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
    )


@pytest.mark.parametrize(("cls", "name", "data"), CASES)
def test_round_trip_leaves_only_the_final_file(tmp_path, cls, name, data):
    ds = cls(filepath=str(tmp_path / name), version=Version(None, None))
    ds.save(_data(data))
    (version,) = os.listdir(tmp_path / name)
    assert _files(tmp_path) == [f"{name}/{version}/{name}"]
    if data is not None:
        loaded = ds.load()
        assert loaded.equals(data) if isinstance(data, pd.DataFrame) else loaded == data


@pytest.mark.parametrize(("cls", "name", "data"), CASES)
def test_interrupted_save_leaves_nothing_loadable(tmp_path, cls, name, data, monkeypatch):
    path = str(tmp_path / name)
    cls(filepath=path, version=Version(None, "2026-01-01T00.00.00.000Z")).save(_data(data))
    failing = cls(filepath=path, version=Version(None, "2026-01-02T00.00.00.000Z"))

    def killed(src, dst, *args, **kwargs):  # the write happened; the process dies before rename
        raise KeyboardInterrupt

    monkeypatch.setattr(failing._fs, "mv", killed)
    with pytest.raises(KeyboardInterrupt):
        failing.save(_data(data))
    # no file under the real name in the new version folder, and no partial left behind
    assert _files(tmp_path) == [f"{name}/2026-01-01T00.00.00.000Z/{name}"]
    latest = cls(filepath=path, version=Version(None, None))
    assert latest.resolve_load_version() == "2026-01-01T00.00.00.000Z"
    # SIGKILL runs no cleanup: a half-written partial stays, but is never taken for a version
    stray = tmp_path / name / "2026-01-03T00.00.00.000Z" / f".{name}.0123456789ab.partial"
    stray.parent.mkdir()
    stray.write_bytes(b"half")
    latest = cls(filepath=path, version=Version(None, None))
    assert latest.resolve_load_version() == "2026-01-01T00.00.00.000Z"


def test_saved_version_is_never_overwritten(tmp_path):
    path = str(tmp_path / "t.json")
    version = Version(None, "2026-01-01T00.00.00.000Z")
    datasets.JSONDataset(filepath=path, version=version).save({"a": 1})
    with pytest.raises(DatasetError, match="must not exist"):
        datasets.JSONDataset(filepath=path, version=version).save({"a": 2})
    assert datasets.JSONDataset(filepath=path, version=Version(None, None)).load() == {"a": 1}


def test_catalog_entries_resolve_to_the_atomic_classes(tmp_path):
    catalog = DataCatalog.from_config(
        {
            "m": {
                "type": "sclip.datasets.JSONDataset",
                "filepath": str(tmp_path / "m.json"),
                "versioned": True,
            }
        }
    )
    catalog.save("m", {"x": 1})
    assert catalog.load("m") == {"x": 1}
    assert _files(tmp_path)[0].endswith("/m.json")
