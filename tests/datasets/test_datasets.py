"""Tests of the Kedro datasets in sclip.datasets (safetensors and read-only caption inputs)."""

from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path

import pytest
import torch
from kedro.io import DataCatalog, DatasetError, Version
from PIL import Image

import sclip.datasets.safetensors_dataset as st_module
from sclip.data.corpus import CaptionCorpus
from sclip.datasets import (
    CaptionTableDataset,
    ClassFolderDataset,
    KarpathyCaptionsDataset,
    SafetensorsDataset,
    SyntheticScenesDataset,
)

META = {"epoch": 3, "name": "vit", "lr": 0.1, "ok": True, "dims": [1, 2], "nested": {"a": "b"}}


def _tensors() -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    return {
        "f32": base,
        "transposed": base.t(),  # non-contiguous view sharing storage with "f32"
        "row1": base[1],  # contiguous view sharing storage with "f32"
        "tied": base,  # the same tensor twice (tied weights)
        "i64": torch.tensor([1, -2, 3], dtype=torch.int64),
        "bf16": torch.randn(2, 3, generator=gen).to(torch.bfloat16),
        "f16": torch.randn(5, generator=gen).to(torch.float16),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "mask": torch.tensor([True, False]),
        "param": torch.nn.Parameter(torch.ones(2, 2)),
        "scalar": torch.tensor(7.5),
        "empty": torch.zeros(0, 4),
    }


def _assert_same(loaded: dict, saved: dict) -> None:
    assert set(loaded) == set(saved)
    for key, tensor in saved.items():
        assert loaded[key].dtype == tensor.dtype, key
        assert loaded[key].shape == tensor.shape, key
        assert torch.equal(loaded[key], tensor.detach()), key
        assert loaded[key].device.type == "cpu"


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- SafetensorsDataset


def test_round_trip_with_metadata(tmp_path):
    dataset = SafetensorsDataset(filepath=str(tmp_path / "out" / "t.safetensors"))
    assert not dataset.exists()
    data = {**_tensors(), "__metadata__": META}
    dataset.save(data)
    assert dataset.exists()
    loaded = dataset.load()
    assert loaded.pop("__metadata__") == META
    _assert_same(loaded, _tensors())


def test_round_trip_without_metadata_has_no_metadata_key(tmp_path):
    dataset = SafetensorsDataset(tmp_path / "t.safetensors")
    dataset.save({"x": torch.ones(3)})
    assert set(dataset.load()) == {"x"}


def test_file_is_plain_safetensors(tmp_path):
    from safetensors import safe_open

    path = tmp_path / "t.safetensors"
    SafetensorsDataset(path).save({"x": torch.ones(3), "__metadata__": {"k": 1}})
    with safe_open(str(path), framework="pt") as handle:
        assert list(handle.keys()) == ["x"]
        assert json.loads(handle.metadata()["sclip.metadata.json"]) == {"k": 1}


def test_foreign_string_metadata_is_returned_as_is(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "hf.safetensors"
    save_file({"w": torch.zeros(2)}, str(path), metadata={"format": "pt"})
    assert SafetensorsDataset(path).load()["__metadata__"] == {"format": "pt"}


def test_versioning(tmp_path):
    filepath = str(tmp_path / "emb.safetensors")
    old, new = "2024-01-01T00.00.00.000Z", "2024-06-01T00.00.00.000Z"
    SafetensorsDataset(filepath, version=Version(None, old)).save({"x": torch.zeros(2)})
    SafetensorsDataset(filepath, version=Version(None, new)).save({"x": torch.ones(2)})
    assert _files(tmp_path) == [
        f"emb.safetensors/{old}/emb.safetensors",
        f"emb.safetensors/{new}/emb.safetensors",
    ]
    latest = SafetensorsDataset(filepath, version=Version(None, None))
    assert torch.equal(latest.load()["x"], torch.ones(2))
    assert latest.list_versions(full_path=False) == [new, old]
    pinned = SafetensorsDataset(filepath, version=Version(old, None))
    assert torch.equal(pinned.load()["x"], torch.zeros(2))
    with pytest.raises(DatasetError, match="must not exist if versioning is enabled"):
        SafetensorsDataset(filepath, version=Version(None, old)).save({"x": torch.ones(1)})
    assert torch.equal(pinned.load()["x"], torch.zeros(2))  # untouched


def test_versioned_load_without_versions_raises(tmp_path):
    dataset = SafetensorsDataset(tmp_path / "none.safetensors", version=Version(None, None))
    assert not dataset.exists()
    with pytest.raises(DatasetError, match="Did not find any versions"):
        dataset.load()


def test_atomic_write_leaves_no_temp_files(tmp_path):
    dataset = SafetensorsDataset(tmp_path / "t.safetensors")
    dataset.save({"x": torch.ones(3)})
    dataset.save({"x": torch.zeros(3)})  # unversioned: overwrite in place
    assert _files(tmp_path) == ["t.safetensors"]
    assert torch.equal(dataset.load()["x"], torch.zeros(3))


def test_interrupted_save_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "t.safetensors"
    dataset = SafetensorsDataset(path)
    dataset.save({"x": torch.ones(3)})

    def half_write(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"\x00" * 10)
        raise KeyboardInterrupt

    monkeypatch.setattr(st_module, "save_file", half_write)
    with pytest.raises(KeyboardInterrupt):
        dataset.save({"x": torch.zeros(3)})
    assert _files(tmp_path) == ["t.safetensors"]
    assert torch.equal(dataset.load()["x"], torch.ones(3))


@pytest.mark.parametrize("content", [b"not a safetensors file", b""])
def test_corrupt_file_names_the_file(tmp_path, content):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match="is not a valid safetensors file") as info:
        SafetensorsDataset(path).load()
    assert str(path) in str(info.value)


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "cut.safetensors"
    SafetensorsDataset(path).save({"x": torch.ones(1000)})
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DatasetError, match="is not a valid safetensors file") as info:
        SafetensorsDataset(path).load()
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="Safetensors file not found"):
        SafetensorsDataset(tmp_path / "nope.safetensors").load()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([torch.ones(1)], "saves a dict"),
        ({"x": [1, 2]}, "Entry 'x' is a list; expected a torch.Tensor"),
        ({1: torch.ones(1)}, "Tensor names must be strings"),
        ({"x": torch.ones(1), "__metadata__": ["a"]}, "must be a dict with string keys"),
        ({"x": torch.ones(1), "__metadata__": {"a": object()}}, "must be JSON-serialisable"),
        ({"s": torch.eye(2).to_sparse()}, "sparse"),
    ],
)
def test_bad_save_data(tmp_path, data, match):
    with pytest.raises(DatasetError, match=match):
        SafetensorsDataset(tmp_path / "t.safetensors").save(data)
    assert _files(tmp_path) == []


def test_remote_protocol_rejected():
    with pytest.raises(DatasetError, match="only supports local files.*'s3'"):
        SafetensorsDataset("s3://bucket/t.safetensors")


def test_describe_mentions_filepath(tmp_path):
    text = repr(SafetensorsDataset(tmp_path / "t.safetensors", version=Version(None, None)))
    assert "t.safetensors" in text and "SafetensorsDataset" in text


def test_catalog_versioned(tmp_path):
    filepath = tmp_path / "06_models" / "emb.safetensors"
    catalog = DataCatalog.from_config(
        {
            "emb": {
                "type": "sclip.datasets.SafetensorsDataset",
                "filepath": str(filepath),
                "versioned": True,
                "metadata": {"kedro-viz": {"layer": "models"}},
            }
        }
    )
    catalog.save("emb", {"x": torch.arange(4), "__metadata__": {"model": "m"}})
    (version_dir,) = list(filepath.iterdir())
    assert (version_dir / "emb.safetensors").is_file()
    loaded = catalog.load("emb")
    assert torch.equal(loaded["x"], torch.arange(4)) and loaded["__metadata__"] == {"model": "m"}
    assert catalog.exists("emb")


# --------------------------------------------------------------------------- caption inputs


def _image(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4), (1, 2, 3)).save(path)


def _karpathy(root: Path, json_name: str = "captions.json") -> Path:
    """A two-image Karpathy layout: <root>/<json_name>, images/, classes/."""
    doc = {
        "images": [
            {"filename": "p.jpg", "split": "train", "sentences": [{"raw": "A pond"}]},
            {"filename": "q.jpg", "split": "test", "sentences": [{"raw": "A quay"}, {"raw": "Q"}]},
        ]
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / json_name).write_text(json.dumps(doc), encoding="utf-8")
    for name in ("p.jpg", "q.jpg"):
        _image(root / "images" / name)
    (root / "classes").mkdir(exist_ok=True)
    (root / "classes" / "water.txt").write_text("p.jpg\nq.jpg\n", encoding="utf-8")
    return root / json_name


def test_karpathy_dataset_loads(tmp_path):
    captions_file = _karpathy(tmp_path)
    dataset = KarpathyCaptionsDataset(
        captions_file=str(captions_file),
        images_dir=str(tmp_path / "images"),
        classes_dir=str(tmp_path / "classes"),
    )
    assert dataset.exists()
    corpus = dataset.load()
    assert isinstance(corpus, CaptionCorpus)
    assert corpus.images["label"].tolist() == ["water", "water"]
    assert len(corpus.captions) == 3
    assert not KarpathyCaptionsDataset(tmp_path / "nope.json", tmp_path).exists()


def test_karpathy_dataset_reader_error_surfaces(tmp_path):
    dataset = KarpathyCaptionsDataset(tmp_path / "nope.json", tmp_path)
    with pytest.raises(DatasetError, match="Caption file not found"):
        dataset.load()


def test_class_folder_dataset_loads(tmp_path):
    _image(tmp_path / "beach" / "b.jpg")
    _image(tmp_path / "forest" / "f.png")
    frame = ClassFolderDataset(path=str(tmp_path)).load()
    assert frame["filename"].tolist() == ["beach/b.jpg", "forest/f.png"]
    assert ClassFolderDataset(str(tmp_path), extensions=[".png"]).exists()
    with pytest.raises(DatasetError, match="class folder has no images"):
        ClassFolderDataset(str(tmp_path), extensions=[".png"]).load()


def test_synthetic_dataset_calls_generator_and_reads_layout(tmp_path, monkeypatch):
    calls = []

    def generate_synthetic_scenes(path, **kwargs):
        calls.append((Path(path), kwargs))
        return _karpathy(Path(path), "dataset_synthetic.json")

    fake = types.ModuleType("sclip.data.synthetic")
    fake.generate_synthetic_scenes = generate_synthetic_scenes
    fake.FORMAT_VERSION = 7
    monkeypatch.setitem(sys.modules, "sclip.data.synthetic", fake)

    dataset = SyntheticScenesDataset(
        path=str(tmp_path / "synthetic"), seed=3, images_per_class=2, image_size=16
    )
    root = tmp_path / "synthetic" / "v7_seed3_n2_px16_cap5"  # one folder per settings
    assert dataset.root == root
    corpus = dataset.load()
    assert calls == [
        (root, {"seed": 3, "images_per_class": 2, "image_size": 16, "captions_per_image": 5})
    ]
    assert corpus.images["path"].tolist() == [str(root / "images" / n) for n in ("p.jpg", "q.jpg")]
    assert corpus.class_names == ["water"]


@pytest.mark.parametrize(
    "dataset",
    [
        KarpathyCaptionsDataset("c.json", "images"),
        CaptionTableDataset("c.csv", "images"),
        ClassFolderDataset("root"),
        SyntheticScenesDataset("synthetic"),
    ],
    ids=lambda d: type(d).__name__,
)
def test_read_only_datasets_refuse_save(dataset):
    with pytest.raises(DatasetError, match="is a raw input and is read-only"):
        dataset.save({"anything": 1})


def test_read_only_datasets_through_catalog(tmp_path):
    captions_file = _karpathy(tmp_path / "k")
    _image(tmp_path / "folders" / "meadow" / "m.jpg")
    catalog = DataCatalog.from_config(
        {
            "corpus": {
                "type": "sclip.datasets.KarpathyCaptionsDataset",
                "captions_file": str(captions_file),
                "images_dir": str(tmp_path / "k" / "images"),
                "classes_dir": str(tmp_path / "k" / "classes"),
            },
            "folders": {
                "type": "sclip.datasets.ClassFolderDataset",
                "path": str(tmp_path / "folders"),
            },
        }
    )
    assert len(catalog.load("corpus").images) == 2
    assert catalog.load("folders")["label"].tolist() == ["meadow"]
    with pytest.raises(DatasetError, match="read-only"):
        catalog.save("corpus", {"x": 1})
    assert os.path.exists(captions_file)
