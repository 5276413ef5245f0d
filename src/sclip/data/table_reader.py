"""A caption table (CSV, TSV, JSON Lines or Parquet) plus, optionally, a folder of images that
have no captions at all: the layout of a real semi-supervised dataset, where most images were
never captioned.

The table has one row per caption: ``image`` (a path relative to ``images_dir``) and
``caption``; optional ``split`` (train/val/test) and ``label`` (a class name, for zero-shot)
per image. A row whose caption is empty lists a train image without a caption; so does every
image file under ``unpaired_dir``. Without a ``split`` column the captioned images are split
into train/val/test by a seeded permutation (``val_fraction``, ``test_fraction``); images
without captions are always train, since evaluation needs captions.

Every problem raises :class:`DatasetError` naming the file, the image, row or column, and
what was expected.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from sclip.data.corpus import CAPTION_COLUMNS, IMAGE_COLUMNS, SPLITS, CaptionCorpus
from sclip.data.readers import IMAGE_EXTENSIONS, DatasetError, _first

READERS = {
    ".csv": lambda p: pd.read_csv(p, dtype=str, keep_default_na=False),
    ".tsv": lambda p: pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False),
    ".jsonl": lambda p: pd.read_json(p, lines=True, dtype=False),
    ".ndjson": lambda p: pd.read_json(p, lines=True, dtype=False),
    ".parquet": pd.read_parquet,
}
REQUIRED = ("image", "caption")


def read_caption_table(
    captions_file: str | os.PathLike,
    images_dir: str | os.PathLike,
    unpaired_dir: str | os.PathLike | None = None,
    *,
    val_fraction: float = 0.1,
    test_fraction: float = 0.1,
    split_seed: int = 0,
    check_files: bool = True,
) -> CaptionCorpus:
    """The table's images and captions, then the images of `unpaired_dir` (train, no caption:
    `add_unpaired_images`). Image ids follow the table's first mention of each image."""
    captions_file, images_dir = Path(captions_file), Path(images_dir)
    table = _load(captions_file)
    per_image = _images_of(table, captions_file)
    if "split" not in table.columns:
        per_image["split"] = _draw_splits(per_image, val_fraction, test_fraction, split_seed)
    _check_splits(per_image, captions_file)
    per_image["path"] = [str(images_dir / name) for name in per_image["filename"]]
    if check_files:
        missing = [p for p in per_image["path"] if not os.path.isfile(p)]
        if missing:
            raise DatasetError(
                f"{captions_file}: {len(missing)} of {len(per_image)} images do not exist: "
                f"{_first(missing)} (paths are relative to images_dir {images_dir})"
            )
    per_image["image_id"] = np.arange(len(per_image), dtype="int64")
    ids = dict(zip(per_image["filename"], per_image["image_id"], strict=True))
    texts = table[table["caption"] != ""]
    captions = pd.DataFrame(
        {
            "caption_id": np.arange(len(texts), dtype="int64"),
            "image_id": texts["image"].map(ids).to_numpy(dtype="int64"),
            "text": texts["caption"].to_numpy(),
        },
        columns=CAPTION_COLUMNS,
    )
    per_image["label"] = _labels(per_image["label"])
    corpus = CaptionCorpus(images=per_image[IMAGE_COLUMNS], captions=captions)
    return corpus if unpaired_dir is None else add_unpaired_images(corpus, unpaired_dir)


def add_unpaired_images(corpus: CaptionCorpus, folder: str | os.PathLike) -> CaptionCorpus:
    """`corpus` plus every image file under `folder` (recursively, sorted) as a train image
    without caption or label, ids after the corpus's. Each is named by its path from the
    folder's parent, so the folder's name prefixes it; a name the corpus has is an error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"Unpaired image folder not found: {folder}")
    files = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
    )
    if not files:
        raise DatasetError(f"{folder}: no images (expected files ending in {IMAGE_EXTENSIONS})")
    names = [p.relative_to(folder.parent).as_posix() for p in files]
    clash = sorted(set(names) & set(corpus.images["filename"]))
    if clash:
        raise DatasetError(
            f"{folder}: {_first(clash)} also in the captioned images; expected each image once"
        )
    start = len(corpus.images)
    added = pd.DataFrame(
        {
            "image_id": np.arange(start, start + len(files), dtype="int64"),
            "filename": names,
            "path": [str(p) for p in files],
            "split": "train",
            "label": _labels([None] * len(files)),
        },
        columns=IMAGE_COLUMNS,
    )
    images = pd.concat([corpus.images, added], ignore_index=True)
    return CaptionCorpus(images=images, captions=corpus.captions)


def _labels(values) -> pd.Series:
    """Class names as an object column, None where there is none."""
    return pd.Series([c if isinstance(c, str) and c else None for c in values], dtype=object)


def _load(path: Path) -> pd.DataFrame:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DatasetError(f"{path}: unknown caption table format; expected one of {list(READERS)}")
    if not path.is_file():
        raise DatasetError(f"Caption table not found: {path}")
    try:
        table = reader(path)
    except Exception as err:  # pandas' parsers raise many types; name the file whatever it is
        raise DatasetError(f"{path}: cannot be read as a {path.suffix} table ({err})") from err
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise DatasetError(
            f"{path}: no column {missing}; expected columns {list(REQUIRED)} "
            f"(optional: split, label), found {list(table.columns)}"
        )
    if table.empty:
        raise DatasetError(f"{path}: the table has no rows; expected one row per caption")
    table = table.copy()
    for column in ("image", "caption", "split", "label"):
        if column in table.columns:
            table[column] = table[column].map(_text)
    blank = table.index[table["image"] == ""]
    if len(blank):
        raise DatasetError(
            f"{path}: data row {blank[0] + 1} has an empty 'image'; expected an image path"
        )
    if "split" in table.columns:
        table["split"] = table["split"].str.lower()
    return table


def _text(value) -> str:
    """A cell as stripped text; missing values (NaN, None) as ''."""
    return (
        ""
        if value is None or (isinstance(value, float) and np.isnan(value))
        else str(value).strip()
    )


def _images_of(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    """One row per image (first mention order) with its split and label, which every row of
    the image must agree on."""
    rows = {"filename": table["image"]}
    for column in ("split", "label"):
        if column in table.columns:
            rows[column] = table[column]
    frame = pd.DataFrame(rows)
    for column in set(rows) - {"filename"}:
        values = frame.groupby("filename", sort=False)[column].nunique()
        if (values > 1).any():
            name = values.index[values > 1][0]
            found = sorted(frame.loc[frame["filename"] == name, column].unique())
            raise DatasetError(
                f"{path}: image {name!r} has rows with different {column!r} values {found}; "
                "expected one per image"
            )
    images = frame.drop_duplicates("filename").reset_index(drop=True)
    captioned = set(table.loc[table["caption"] != "", "image"])
    images["captioned"] = images["filename"].isin(captioned)
    if "label" not in images.columns:
        images["label"] = None
    return images


def _draw_splits(images: pd.DataFrame, val: float, test: float, seed: int) -> np.ndarray:
    """train/val/test by a seeded permutation of the captioned images; uncaptioned: train."""
    for name, value in (("val_fraction", val), ("test_fraction", test)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise DatasetError(f"Caption table option {name!r} must be in (0, 1); got {value!r}")
    if val + test >= 1:
        raise DatasetError(f"val_fraction + test_fraction must be below 1; got {val + test}")
    captioned = np.flatnonzero(images["captioned"].to_numpy())
    order = np.random.default_rng(seed).permutation(captioned)
    n_val, n_test = round(val * len(order)), round(test * len(order))
    splits = np.full(len(images), "train", dtype=object)
    splits[order[:n_val]] = "val"
    splits[order[n_val : n_val + n_test]] = "test"
    return splits


def _check_splits(images: pd.DataFrame, path: Path) -> None:
    bad = images.loc[~images["split"].isin(SPLITS), ["filename", "split"]]
    if len(bad):
        row = bad.iloc[0]
        raise DatasetError(
            f"{path}: image {row['filename']!r} has split {row['split']!r}; "
            f"expected one of {list(SPLITS)}"
        )
    held_out = images.loc[(images["split"] != "train") & ~images["captioned"], "filename"]
    if len(held_out):
        raise DatasetError(
            f"{path}: {len(held_out)} val/test images have no caption ({_first(held_out)}); "
            "retrieval is evaluated on captions, so held-out images need at least one"
        )
    if not (images["captioned"] & (images["split"] == "train")).any():
        raise DatasetError(f"{path}: no train image has a caption; S-CLIP needs a few pairs")
