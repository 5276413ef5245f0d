"""Tests of sclip.data.table_reader: caption tables with uncaptioned images, and their split."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from sclip.data.corpus import CAPTION_COLUMNS, IMAGE_COLUMNS
from sclip.data.readers import DatasetError
from sclip.data.split import split_paired_unpaired
from sclip.data.table_reader import read_caption_table
from sclip.datasets import CaptionTableDataset

ROWS = [
    {"image": "a.jpg", "caption": "A red roof.", "split": "train", "label": "urban"},
    {"image": "a.jpg", "caption": " two roofs ", "split": "train", "label": "urban"},
    {"image": "b.jpg", "caption": "", "split": "train", "label": ""},  # never captioned
    {"image": "c.jpg", "caption": "a green field", "split": "Val", "label": "farmland"},
    {"image": "d.jpg", "caption": "dense houses", "split": "test", "label": "urban"},
    {"image": "e.jpg", "caption": "a river", "split": "train", "label": "farmland"},
]


def _images(folder: Path, names) -> None:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8)).save(path)


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    _images(tmp_path / "images", sorted({r["image"] for r in ROWS}))
    _images(tmp_path / "uncaptioned", ["x.png", "deep/y.jpg"])
    pd.DataFrame(ROWS).to_csv(tmp_path / "captions.csv", index=False)
    return tmp_path


def test_table_and_folder_give_captioned_and_uncaptioned_images(layout):
    corpus = read_caption_table(layout / "captions.csv", layout / "images", layout / "uncaptioned")
    images, captions = corpus.images, corpus.captions
    assert list(images.columns) == IMAGE_COLUMNS and list(captions.columns) == CAPTION_COLUMNS
    assert images["filename"].tolist() == [
        "a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg", "uncaptioned/deep/y.jpg", "uncaptioned/x.png"
    ]  # fmt: skip
    assert images["image_id"].tolist() == list(range(7))
    assert images["split"].tolist() == ["train", "train", "val", "test", "train", "train", "train"]
    assert images["label"].tolist() == ["urban", None, "farmland", "urban", "farmland", None, None]
    assert images["path"].iloc[-1] == str(layout / "uncaptioned/x.png")
    assert captions["text"].tolist() == [
        "A red roof.", "two roofs", "a green field", "dense houses", "a river"
    ]  # fmt: skip
    assert captions["image_id"].tolist() == [0, 0, 2, 3, 4]
    assert corpus.class_names == ["farmland", "urban"]


def test_uncaptioned_train_images_are_always_unpaired(layout):
    corpus = read_caption_table(layout / "captions.csv", layout / "images", layout / "uncaptioned")
    captioned = corpus.captions["image_id"].unique()
    for seed in range(5):
        roles = split_paired_unpaired(corpus.images, 1.0, seed, captioned)
        assert roles["role"].tolist() == [
            "paired", "unpaired", "val", "test", "paired", "unpaired", "unpaired"
        ]  # fmt: skip
        half = split_paired_unpaired(corpus.images, 0.5, seed, captioned)["role"]
        assert (half == "paired").sum() == 1 and half[[1, 5, 6]].eq("unpaired").all()


def test_all_captioned_split_is_unchanged_by_the_captioned_ids(layout):
    images = read_caption_table(layout / "captions.csv", layout / "images").images
    images = images[images["filename"] != "b.jpg"].reset_index(drop=True)
    for seed in range(3):
        pd.testing.assert_frame_equal(
            split_paired_unpaired(images, 0.5, seed),
            split_paired_unpaired(images, 0.5, seed, images["image_id"]),
        )


def test_without_split_column_captioned_images_are_split_by_seed(tmp_path):
    names = [f"{i}.jpg" for i in range(40)]
    _images(tmp_path / "images", names)
    rows = [{"image": n, "caption": f"scene {i}" if i < 30 else ""} for i, n in enumerate(names)]
    pd.DataFrame(rows).to_csv(tmp_path / "c.csv", index=False)

    def splits(seed):
        corpus = read_caption_table(
            tmp_path / "c.csv", tmp_path / "images", val_fraction=0.2, split_seed=seed
        )
        return corpus.images["split"]

    first = splits(0)
    assert first.value_counts().to_dict() == {"train": 31, "val": 6, "test": 3}
    assert first[30:].eq("train").all()  # uncaptioned: train, whatever the draw
    assert first.equals(splits(0)) and not first.equals(splits(1))


@pytest.mark.parametrize("suffix", [".tsv", ".jsonl", ".parquet"])
def test_other_formats_read_as_the_csv(layout, suffix):
    frame = pd.DataFrame(ROWS)
    path = layout / f"captions{suffix}"
    if suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path)
    expected = read_caption_table(layout / "captions.csv", layout / "images")
    corpus = read_caption_table(path, layout / "images")
    pd.testing.assert_frame_equal(corpus.images, expected.images)
    pd.testing.assert_frame_equal(corpus.captions, expected.captions)


def test_karpathy_json_takes_an_unpaired_folder_too(layout):
    from sclip.datasets import KarpathyCaptionsDataset

    entry = {"filename": "a.jpg", "split": "train", "sentences": [{"raw": "a roof"}]}
    (layout / "k.json").write_text(json.dumps({"images": [entry]}))
    dataset = KarpathyCaptionsDataset(
        layout / "k.json", layout / "images", unpaired_dir=layout / "uncaptioned"
    )
    corpus = dataset.load()
    assert corpus.images["filename"].tolist() == [
        "a.jpg", "uncaptioned/deep/y.jpg", "uncaptioned/x.png"
    ]  # fmt: skip
    assert corpus.images["split"].eq("train").all() and corpus.images["label"].isna().all()
    assert corpus.captions["image_id"].tolist() == [0]
    roles = split_paired_unpaired(corpus.images, 1.0, 0, corpus.captions["image_id"])
    assert roles["role"].tolist() == ["paired", "unpaired", "unpaired"]


def test_kedro_dataset_loads_and_refuses_to_save(layout):
    from kedro.io import DatasetError as KedroDatasetError

    dataset = CaptionTableDataset(
        captions_file=layout / "captions.csv",
        images_dir=layout / "images",
        unpaired_dir=layout / "uncaptioned",
    )
    assert dataset.exists() and len(dataset.load().images) == 7
    assert "unpaired_dir" in str(dataset)
    with pytest.raises(KedroDatasetError, match="read-only"):
        dataset.save({"anything": 1})


def _write(layout: Path, rows, name="bad.csv") -> Path:
    pd.DataFrame(rows).to_csv(layout / name, index=False)
    return layout / name


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"image": "a.jpg", "text": "x"}], r"no column \['caption'\]"),
        ([{"image": "", "caption": "x"}], "data row 1 has an empty 'image'"),
        (
            [{"image": "a.jpg", "caption": "x", "split": s} for s in ("train", "val")],
            "image 'a.jpg' has rows with different 'split' values",
        ),
        ([{"image": "a.jpg", "caption": "x", "split": "dev"}], "split 'dev'; expected one of"),
        (
            [
                {"image": "a.jpg", "caption": "x", "split": "train"},
                {"image": "c.jpg", "caption": "", "split": "val"},
            ],
            "1 val/test images have no caption",
        ),
        ([{"image": "a.jpg", "caption": "x", "split": "val"}], "no train image has a caption"),
        ([{"image": "zzz.jpg", "caption": "x"}], "1 of 1 images do not exist: '.*zzz.jpg'"),
    ],
)
def test_bad_tables_name_the_file_and_what_was_expected(layout, rows, message):
    path = _write(layout, rows)
    with pytest.raises(DatasetError, match=message) as err:
        read_caption_table(path, layout / "images", val_fraction=0.4, test_fraction=0.4)
    assert str(path) in str(err.value)


def test_bad_paths_and_options_are_named(layout):
    images = layout / "images"
    with pytest.raises(DatasetError, match="unknown caption table format"):
        read_caption_table(layout / "captions.xlsx", images)
    with pytest.raises(DatasetError, match="Caption table not found"):
        read_caption_table(layout / "nope.csv", images)
    with pytest.raises(DatasetError, match="Unpaired image folder not found"):
        read_caption_table(layout / "captions.csv", images, layout / "nope")
    (layout / "empty").mkdir()
    with pytest.raises(DatasetError, match="empty: no images"):
        read_caption_table(layout / "captions.csv", images, layout / "empty")
    _images(layout / "images", ["images/a.jpg"])  # named as the folder's a.jpg would be
    clash = _write(layout, [{"image": "images/a.jpg", "caption": "x", "split": "train"}], "c.csv")
    with pytest.raises(DatasetError, match="also in the captioned images"):
        read_caption_table(clash, layout, layout / "images")
    no_split = _write(layout, [{"image": "a.jpg", "caption": "x"}], "n.csv")
    with pytest.raises(DatasetError, match="'val_fraction' must be in"):
        read_caption_table(no_split, images, val_fraction=1.5)
    with pytest.raises(DatasetError, match="must be below 1"):
        read_caption_table(no_split, images, val_fraction=0.6, test_fraction=0.5)
    (layout / "broken.parquet").write_text("not parquet")
    with pytest.raises(DatasetError, match="broken.parquet: cannot be read"):
        read_caption_table(layout / "broken.parquet", images)
