"""Tests of sclip.data.readers: Karpathy caption JSON, class lists and class folders."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import pytest
from PIL import Image

from sclip.data.corpus import CAPTION_COLUMNS, IMAGE_COLUMNS
from sclip.data.readers import (
    DatasetError,
    read_class_folders,
    read_class_lists,
    read_karpathy_captions,
)

RSICD = Path(__file__).parents[3] / "shared/datasets/rsicd"

DOC = {
    "images": [
        {
            "filename": "a.jpg",
            "imgid": 0,
            "split": "train",
            "sentences": [
                {"raw": "  A red roof.  ", "tokens": ["a", "red", "roof"]},
                {"raw": "Two"},
            ],
        },
        {"filename": "b.jpg", "split": "restval", "sentences": [{"tokens": ["a", "river"]}]},
        {"filename": "c.png", "split": "val", "sentences": [{"raw": "Green field"}]},
        {"filename": "d.jpg", "split": "test", "sentences": [{"raw": "Dense houses"}]},
    ]
}
CLASSES = {"bare land": "a.jpg\n\n  c.png  \n", "urban": "some/dir/b.jpg\n"}


def _image(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4), (10, 200, 30)).save(path)


def write_karpathy(
    root: Path,
    doc: dict | None = None,
    classes: dict[str, str] | None = None,
    images: list[str] | None = None,
) -> tuple[Path, Path, Path]:
    """A Karpathy layout under ``root``: captions.json, images/, classes/<class>.txt."""
    doc = copy.deepcopy(DOC) if doc is None else doc
    captions_file, images_dir, classes_dir = (
        root / "captions.json",
        root / "images",
        root / "classes",
    )
    captions_file.write_text(json.dumps(doc), encoding="utf-8")
    images_dir.mkdir(exist_ok=True)
    if images is None:
        images = [entry["filename"] for entry in doc.get("images", []) if "filename" in entry]
    for name in images:
        _image(images_dir / name)
    classes_dir.mkdir(exist_ok=True)
    for label, text in (CLASSES if classes is None else classes).items():
        (classes_dir / f"{label}.txt").write_text(text, encoding="utf-8")
    return captions_file, images_dir, classes_dir


def _doc_with(**changes) -> dict:
    """DOC with image entries replaced: ``changes`` maps 'i<index>' to the new entry."""
    doc = copy.deepcopy(DOC)
    for key, entry in changes.items():
        doc["images"][int(key[1:])] = entry
    return doc


# --------------------------------------------------------------------------- happy paths


def test_round_trip(tmp_path):
    captions_file, images_dir, classes_dir = write_karpathy(tmp_path)
    corpus = read_karpathy_captions(captions_file, images_dir, classes_dir)

    images, captions = corpus.images, corpus.captions
    assert list(images.columns) == IMAGE_COLUMNS
    assert list(captions.columns) == CAPTION_COLUMNS
    assert images["image_id"].tolist() == [0, 1, 2, 3]
    assert images["filename"].tolist() == ["a.jpg", "b.jpg", "c.png", "d.jpg"]
    assert images["path"].tolist() == [str(images_dir / n) for n in images["filename"]]
    assert images["split"].tolist() == ["train", "train", "val", "test"]  # restval -> train
    assert images["label"].tolist() == ["bare land", "urban", "bare land", None]
    assert corpus.class_names == ["bare land", "urban"]
    assert captions["caption_id"].tolist() == [0, 1, 2, 3, 4]
    assert captions["image_id"].tolist() == [0, 0, 1, 2, 3]
    assert captions["text"].tolist() == [
        "A red roof.",
        "Two",
        "a river",
        "Green field",
        "Dense houses",
    ]
    assert images["image_id"].dtype == "int64" and captions["image_id"].dtype == "int64"


def test_without_classes_labels_are_none(tmp_path):
    captions_file, images_dir, _ = write_karpathy(tmp_path)
    corpus = read_karpathy_captions(captions_file, images_dir)
    assert corpus.images["label"].tolist() == [None] * 4
    assert corpus.class_names == []


def test_check_files_false_does_not_touch_images(tmp_path):
    captions_file, _, _ = write_karpathy(tmp_path, images=[])
    corpus = read_karpathy_captions(captions_file, tmp_path / "nowhere", check_files=False)
    assert len(corpus.images) == 4


def test_read_class_lists_keeps_basenames_and_ignores_blank_lines(tmp_path):
    _, _, classes_dir = write_karpathy(tmp_path)
    (classes_dir / "windows.txt").write_text("C:\\data\\x.jpg\r\n\r\n", encoding="utf-8")
    assert read_class_lists(classes_dir) == {
        "a.jpg": "bare land",
        "c.png": "bare land",
        "b.jpg": "urban",
        "x.jpg": "windows",
    }


def test_skip_missing_images_skips_and_logs(tmp_path, caplog):
    captions_file, images_dir, classes_dir = write_karpathy(tmp_path, images=["a.jpg", "d.jpg"])
    with caplog.at_level(logging.WARNING, logger="sclip.data.readers"):
        corpus = read_karpathy_captions(
            captions_file, images_dir, classes_dir, skip_missing_images=True
        )
    assert corpus.images["filename"].tolist() == ["a.jpg", "d.jpg"]
    assert corpus.images["image_id"].tolist() == [0, 1]
    assert corpus.images["label"].tolist() == ["bare land", None]
    assert corpus.captions["image_id"].tolist() == [0, 0, 1]
    assert corpus.captions["caption_id"].tolist() == [0, 1, 2]
    (message,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "Skipping 2 of 4 images" in message and "'b.jpg'" in message and "'c.png'" in message


def test_empty_caption_skipped_with_warning_by_default(tmp_path, caplog):
    doc = _doc_with(
        i0={
            "filename": "a.jpg",
            "split": "train",
            "sentences": [{"raw": "ok"}, {"raw": " ", "tokens": []}],
        }
    )
    captions_file, images_dir, _ = write_karpathy(tmp_path, doc=doc)
    with caplog.at_level(logging.WARNING, logger="sclip.data.readers"):
        corpus = read_karpathy_captions(captions_file, images_dir)
    assert corpus.captions["text"].tolist()[:2] == ["ok", "a river"]
    assert corpus.captions["caption_id"].tolist() == [0, 1, 2, 3]
    assert "images[0] ('a.jpg') sentences[1]" in caplog.text


# --------------------------------------------------------------------------- bad input


def _raises(match_all: list[str], *args, **kwargs) -> str:
    with pytest.raises(DatasetError) as info:
        read_karpathy_captions(*args, **kwargs)
    message = str(info.value)
    for part in match_all:
        assert part in message, f"{part!r} not in {message!r}"
    return message


def test_missing_caption_file(tmp_path):
    _raises(
        ["Caption file not found", str(tmp_path / "nope.json")], tmp_path / "nope.json", tmp_path
    )


def test_malformed_json_names_line_and_column(tmp_path):
    captions_file = tmp_path / "captions.json"
    captions_file.write_text('{"images": [\n  {"filename": "a.jpg",,}\n]}', encoding="utf-8")
    _raises([str(captions_file), "malformed JSON", "line 2, column"], captions_file, tmp_path)


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ([1, 2], ["top level is a list", "expected an object"]),
        ({"imgs": []}, ["expected an 'images' list", "no such key"]),
        ({"images": {"a": 1}}, ["expected an 'images' list", "found dict"]),
        ({"images": []}, ["'images' list is empty"]),
        ({"images": ["a.jpg"]}, ["images[0] is a str", "expected an object"]),
    ],
)
def test_bad_top_level(tmp_path, doc, expected):
    captions_file, images_dir, _ = write_karpathy(tmp_path, doc=doc, images=[])
    _raises([str(captions_file), *expected], captions_file, images_dir)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"split": "test", "sentences": [{"raw": "x"}]}, ["images[1] has no 'filename'"]),
        (
            {"filename": "b.jpg", "sentences": [{"raw": "x"}]},
            ["images[1] ('b.jpg') has no 'split'"],
        ),
        (
            {"filename": "b.jpg", "split": "dev", "sentences": [{"raw": "x"}]},
            ["images[1] ('b.jpg')", "unknown split 'dev'", "'restval', 'test', 'train', 'val'"],
        ),
        ({"filename": "b.jpg", "split": "val"}, ["images[1] ('b.jpg') has no 'sentences'"]),
        ({"filename": "b.jpg", "split": "val", "sentences": []}, ["('b.jpg') has no 'sentences'"]),
        (
            {"filename": "b.jpg", "split": "val", "sentences": [{"raw": ""}, {"tokens": []}]},
            ["images[1] ('b.jpg'): sentences[0] is an empty caption", "no other caption"],
        ),
        (
            {"filename": "a.jpg", "split": "val", "sentences": [{"raw": "x"}]},
            ["duplicate filename 'a.jpg' at images[0] and images[1]"],
        ),
    ],
)
def test_bad_image_entry(tmp_path, entry, expected):
    captions_file, images_dir, _ = write_karpathy(tmp_path, doc=_doc_with(i1=entry))
    _raises([str(captions_file), *expected], captions_file, images_dir)


def test_empty_caption_raises_when_not_skipping(tmp_path):
    doc = _doc_with(
        i2={"filename": "c.png", "split": "val", "sentences": [{"raw": "x"}, {"raw": "  "}]}
    )
    captions_file, images_dir, _ = write_karpathy(tmp_path, doc=doc)
    _raises(
        ["images[2] ('c.png'): sentences[1] is an empty caption", "expected a non-empty 'raw'"],
        captions_file, images_dir, skip_empty_captions=False,
    )  # fmt: skip


def test_missing_image_file(tmp_path):
    captions_file, images_dir, _ = write_karpathy(tmp_path, images=["a.jpg", "b.jpg", "d.jpg"])
    _raises(
        ["1 of 4 images are missing", str(images_dir), "'c.png'", "skip_missing_images=True"],
        captions_file, images_dir,
    )  # fmt: skip


def test_missing_images_dir(tmp_path):
    captions_file, _, _ = write_karpathy(tmp_path)
    _raises(
        ["Images directory not found", str(tmp_path / "elsewhere")],
        captions_file,
        tmp_path / "elsewhere",
    )


def test_all_images_missing_even_when_skipping(tmp_path):
    captions_file, images_dir, _ = write_karpathy(tmp_path, images=[])
    _raises(["None of the 4 images exists"], captions_file, images_dir, skip_missing_images=True)


def test_class_list_names_unknown_image(tmp_path):
    classes = {**CLASSES, "urban": "b.jpg\nghost.jpg\n"}
    captions_file, images_dir, classes_dir = write_karpathy(tmp_path, classes=classes)
    _raises(
        [f"{classes_dir / 'urban.txt'}:2", "'ghost.jpg' is not an image of the dataset", "expected"],
        captions_file, images_dir, classes_dir,
    )  # fmt: skip


def test_class_list_naming_a_skipped_missing_image_is_tolerated(tmp_path):
    captions_file, images_dir, classes_dir = write_karpathy(tmp_path, images=["a.jpg", "c.png"])
    corpus = read_karpathy_captions(
        captions_file, images_dir, classes_dir, skip_missing_images=True
    )
    assert corpus.images["label"].tolist() == ["bare land", "bare land"]


def test_empty_class_list(tmp_path):
    captions_file, images_dir, classes_dir = write_karpathy(
        tmp_path, classes={**CLASSES, "river": "\n \n"}
    )
    _raises(
        [str(classes_dir / "river.txt"), "class list is empty"],
        captions_file,
        images_dir,
        classes_dir,
    )


def test_filename_in_two_class_lists(tmp_path):
    classes = {**CLASSES, "urban": "b.jpg\nd.jpg\nimages/a.jpg\n"}
    _, _, classes_dir = write_karpathy(tmp_path, classes=classes)
    with pytest.raises(DatasetError) as info:
        read_class_lists(classes_dir)
    message = str(info.value)
    assert f"{classes_dir / 'urban.txt'}:3" in message
    assert f"{classes_dir / 'bare land.txt'}:1" in message
    assert "'a.jpg' is already in class 'bare land'" in message


def test_missing_or_empty_classes_dir(tmp_path):
    with pytest.raises(DatasetError, match="Class-list directory not found"):
        read_class_lists(tmp_path / "nope")
    with pytest.raises(DatasetError, match=r"no class lists \(expected one '<class name>.txt'"):
        read_class_lists(tmp_path)


# --------------------------------------------------------------------------- class folders


def test_read_class_folders(tmp_path):
    for rel in ["river/r2.jpg", "river/r1.PNG", "airport/x.tif", "airport/notes.txt", ".git/a.jpg"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".txt"):
            (tmp_path / rel).write_text("not an image")
        else:
            _image(tmp_path / rel)
    images = read_class_folders(tmp_path)
    assert list(images.columns) == IMAGE_COLUMNS
    assert images["image_id"].tolist() == [0, 1, 2]
    assert images["filename"].tolist() == ["airport/x.tif", "river/r1.PNG", "river/r2.jpg"]
    assert images["path"].tolist() == [str(tmp_path / f) for f in images["filename"]]
    assert images["split"].tolist() == ["test"] * 3
    assert images["label"].tolist() == ["airport", "river", "river"]
    some = read_class_folders(tmp_path, extensions=["png", "TIF"])  # dot and case optional
    assert some["filename"].tolist() == ["airport/x.tif", "river/r1.PNG"]
    with pytest.raises(DatasetError, match="airport.*has no images.*'.jpg'"):
        read_class_folders(tmp_path, extensions=[".jpg"])


def test_class_folders_bad_input(tmp_path):
    with pytest.raises(DatasetError, match="Class-folder root not found"):
        read_class_folders(tmp_path / "nope")
    (tmp_path / "loose.jpg").write_bytes(b"")
    with pytest.raises(DatasetError, match="no class sub-folders with images"):
        read_class_folders(tmp_path)
    _image(tmp_path / "river" / "r.jpg")
    (tmp_path / "beach").mkdir()
    (tmp_path / "beach" / "readme.md").write_text("x")
    with pytest.raises(DatasetError) as info:
        read_class_folders(tmp_path)
    assert str(tmp_path / "beach") in str(info.value) and "class folder has no images" in str(
        info.value
    )


# --------------------------------------------------------------------------- real RSICD


@pytest.mark.rsicd
@pytest.mark.skipif(
    not (RSICD / "dataset_rsicd.json").exists(), reason="needs shared/datasets/rsicd"
)
def test_real_rsicd():
    corpus = read_karpathy_captions(
        RSICD / "dataset_rsicd.json", RSICD / "RSICD_images", RSICD / "txtclasses_rsicd"
    )
    images, captions = corpus.images, corpus.captions
    assert len(images) == 10_000
    # 50,000 sentences in the file, 3 of them empty (skipped with a warning).
    assert len(captions) == 50_000 - 3
    assert captions["text"].str.len().min() > 0
    assert images["split"].value_counts().to_dict() == {"train": 7946, "val": 1027, "test": 1027}
    assert len(corpus.class_names) == 30
    assert images["label"].notna().all()
    assert images["image_id"].tolist() == list(range(10_000))
    assert captions.groupby("image_id").size().between(4, 5).all()
