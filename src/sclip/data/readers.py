"""Readers for caption datasets on disk, each returning a :class:`CaptionCorpus` or image table.

Layouts handled:

- Karpathy-style caption JSON (RSICD, UCM-captions, Sydney-captions):
  ``{"images": [{"filename", "split", "sentences": [{"raw", "tokens"}, ...]}, ...]}``
  with the images in one folder and, optionally, ``txtclasses_*/<class>.txt`` class lists.
- Class folders (UCM, AID, RSSCN7, WHU-RS19): ``<root>/<class>/<image>``.

Every problem with the input raises :class:`DatasetError` naming the file, the field or line,
and what was expected.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sclip.data.corpus import CAPTION_COLUMNS, IMAGE_COLUMNS, CaptionCorpus

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")
_SPLIT_MAP = {"train": "train", "val": "val", "test": "test", "restval": "train"}
_SHOW = 5  # how many culprit names an error or warning lists


class DatasetError(ValueError):
    """A dataset on disk is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class _Entry:
    filename: str
    split: str
    captions: list[str]
    empty: tuple[int, ...] = ()  # indices of the empty sentences that were skipped


@dataclass(frozen=True)
class _ClassEntry:
    label: str
    source: Path
    line: int


def _first(names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:_SHOW])
    return shown + (f", ... ({len(names) - _SHOW} more)" if len(names) > _SHOW else "")


# --------------------------------------------------------------------------- Karpathy JSON


def _load_images_list(captions_file: Path) -> list:
    if not captions_file.is_file():
        raise DatasetError(f"Caption file not found: {captions_file} (expected a Karpathy JSON)")
    try:
        with captions_file.open(encoding="utf-8") as fh:
            document = json.load(fh)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{captions_file}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{captions_file}: not UTF-8 text ({exc})") from exc
    if not isinstance(document, dict):
        raise DatasetError(
            f"{captions_file}: top level is a {type(document).__name__}; "
            'expected an object {"images": [...]}'
        )
    images = document.get("images")
    if not isinstance(images, list):
        raise DatasetError(
            f"{captions_file}: expected an 'images' list at top level, "
            f"found {type(images).__name__ if 'images' in document else 'no such key'}"
        )
    return images


def _caption_text(sentence: object) -> str:
    if not isinstance(sentence, dict):
        return ""
    raw = sentence.get("raw")
    text = raw.strip() if isinstance(raw, str) else ""
    tokens = sentence.get("tokens")
    if not text and isinstance(tokens, list):
        text = " ".join(str(t) for t in tokens).strip()
    return text


def _parse_entry(entry: object, index: int, captions_file: Path, skip_empty: bool) -> _Entry:
    where = f"{captions_file}: images[{index}]"
    if not isinstance(entry, dict):
        raise DatasetError(f"{where} is a {type(entry).__name__}; expected an object")
    filename = entry.get("filename")
    if not isinstance(filename, str) or not filename.strip():
        raise DatasetError(f"{where} has no 'filename' (expected a non-empty string)")
    where = f"{where} ({filename!r})"
    split = entry.get("split")
    if not isinstance(split, str) or split not in _SPLIT_MAP:
        found = "no 'split'" if split is None else f"unknown split {split!r}"
        raise DatasetError(f"{where} has {found}; expected one of {sorted(_SPLIT_MAP)}")
    sentences = entry.get("sentences")
    if not isinstance(sentences, list) or not sentences:
        raise DatasetError(f"{where} has no 'sentences' (expected a non-empty list of captions)")
    texts = [_caption_text(sentence) for sentence in sentences]
    empty = tuple(j for j, text in enumerate(texts) if not text)
    if empty and (not skip_empty or len(empty) == len(texts)):
        raise DatasetError(
            f"{where}: sentences[{empty[0]}] is an empty caption "
            "(expected a non-empty 'raw' string or 'tokens' list)"
            + (" and the image has no other caption" if skip_empty else "")
        )
    return _Entry(filename, _SPLIT_MAP[split], [t for t in texts if t], empty)


def _report_empty(entries: list[_Entry], captions_file: Path) -> None:
    empty = [
        f"images[{i}] ({e.filename!r}) sentences[{j}]"
        for i, e in enumerate(entries)
        for j in e.empty
    ]
    if empty:
        shown = "; ".join(empty[:_SHOW]) + ("; ..." if len(empty) > _SHOW else "")
        logger.warning("Skipping %d empty captions in %s: %s", len(empty), captions_file, shown)


def _check_unique(entries: list[_Entry], captions_file: Path) -> None:
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        first = seen.setdefault(entry.filename, i)
        if first != i:
            raise DatasetError(
                f"{captions_file}: duplicate filename {entry.filename!r} at images[{first}] "
                f"and images[{i}]; expected each image once"
            )


def _drop_missing(entries: list[_Entry], images_dir: Path, skip: bool) -> list[_Entry]:
    if not images_dir.is_dir():
        raise DatasetError(f"Images directory not found: {images_dir}")
    missing = [e.filename for e in entries if not os.path.isfile(images_dir / e.filename)]
    if not missing:
        return entries
    if not skip:
        raise DatasetError(
            f"{len(missing)} of {len(entries)} images are missing from {images_dir}: "
            f"{_first(missing)} (pass skip_missing_images=True to skip them)"
        )
    logger.warning(
        "Skipping %d of %d images missing from %s: %s",
        len(missing), len(entries), images_dir, _first(missing),
    )  # fmt: skip
    gone = set(missing)
    kept = [e for e in entries if e.filename not in gone]
    if not kept:
        raise DatasetError(f"None of the {len(entries)} images exists in {images_dir}")
    return kept


def _labels_for(entries: list[_Entry], classes_dir: Path, skipped: set[str]) -> dict[str, str]:
    class_entries = _read_class_entries(classes_dir)
    known = {e.filename for e in entries}
    # Class lists keep basenames; the JSON filename may carry a sub-directory.
    by_base = {Path(name).name: name for name in known}
    labels: dict[str, str] = {}
    for base, ce in class_entries.items():
        name = base if base in known else by_base.get(base)
        if name is not None:
            labels[name] = ce.label
        elif base not in skipped:
            raise DatasetError(
                f"{ce.source}:{ce.line}: {base!r} is not an image of the dataset "
                "(expected a filename listed in the caption file and present on disk)"
            )
    unlabelled = len(known) - len(labels)
    if unlabelled:
        logger.info("%d of %d images have no class in %s", unlabelled, len(known), classes_dir)
    return labels


def read_karpathy_captions(
    captions_file: str | os.PathLike,
    images_dir: str | os.PathLike,
    classes_dir: str | os.PathLike | None = None,
    *,
    check_files: bool = True,
    skip_missing_images: bool = False,
    skip_empty_captions: bool = True,
) -> CaptionCorpus:
    """Read a Karpathy-style caption JSON (with optional ``txtclasses`` lists) into a corpus.

    ``restval`` is read as ``train``. With ``check_files`` every image must exist in
    ``images_dir``; ``skip_missing_images`` drops (and logs) the missing ones instead.
    Empty captions (RSICD has three) are dropped with a warning when ``skip_empty_captions``
    (an image left with none is still an error) and raise otherwise.
    Image ids are contiguous positions after any skipping; labels are None without
    ``classes_dir`` and for images no class list names.
    """
    captions_file, images_dir = Path(captions_file), Path(images_dir)
    raw = _load_images_list(captions_file)
    entries = [
        _parse_entry(entry, i, captions_file, skip_empty_captions) for i, entry in enumerate(raw)
    ]
    if not entries:
        raise DatasetError(f"{captions_file}: the 'images' list is empty; expected images")
    _report_empty(entries, captions_file)
    _check_unique(entries, captions_file)
    all_names = {e.filename for e in entries}
    if check_files:
        entries = _drop_missing(entries, images_dir, skip_missing_images)
    skipped = {Path(n).name for n in all_names - {e.filename for e in entries}}
    labels = _labels_for(entries, Path(classes_dir), skipped) if classes_dir is not None else {}

    images = pd.DataFrame(
        {
            "image_id": range(len(entries)),
            "filename": [e.filename for e in entries],
            "path": [str(images_dir / e.filename) for e in entries],
            "split": [e.split for e in entries],
            "label": pd.Series([labels.get(e.filename) for e in entries], dtype=object),
        },
        columns=IMAGE_COLUMNS,
    )
    image_ids = [i for i, e in enumerate(entries) for _ in e.captions]
    captions = pd.DataFrame(
        {
            "caption_id": range(len(image_ids)),
            "image_id": image_ids,
            "text": [text for e in entries for text in e.captions],
        },
        columns=CAPTION_COLUMNS,
    )
    captions[["caption_id", "image_id"]] = captions[["caption_id", "image_id"]].astype("int64")
    images["image_id"] = images["image_id"].astype("int64")
    return CaptionCorpus(images=images, captions=captions)


# --------------------------------------------------------------------------- class lists


def _read_class_entries(classes_dir: Path) -> dict[str, _ClassEntry]:
    if not classes_dir.is_dir():
        raise DatasetError(f"Class-list directory not found: {classes_dir}")
    files = sorted(classes_dir.glob("*.txt"))
    if not files:
        raise DatasetError(f"{classes_dir}: no class lists (expected one '<class name>.txt' each)")
    result: dict[str, _ClassEntry] = {}
    for source in files:
        count = 0
        for line_no, line in enumerate(source.read_text(encoding="utf-8-sig").splitlines(), 1):
            entry = line.strip()
            if not entry:
                continue
            base = entry.replace("\\", "/").rsplit("/", 1)[-1]
            if base in result:
                prior = result[base]
                raise DatasetError(
                    f"{source}:{line_no}: {base!r} is already in class {prior.label!r} "
                    f"({prior.source}:{prior.line}); expected each image in one class list"
                )
            result[base] = _ClassEntry(source.stem, source, line_no)
            count += 1
        if count == 0:
            raise DatasetError(f"{source}: class list is empty (expected one filename per line)")
    return result


def read_class_lists(classes_dir: str | os.PathLike) -> dict[str, str]:
    """Map image filename (basename) to class name from ``<classes_dir>/<class name>.txt``."""
    return {name: ce.label for name, ce in _read_class_entries(Path(classes_dir)).items()}


# --------------------------------------------------------------------------- class folders


def read_class_folders(
    root: str | os.PathLike, extensions: Iterable[str] = IMAGE_EXTENSIONS
) -> pd.DataFrame:
    """Image table (CaptionCorpus image columns) of ``<root>/<class>/<image>``; split "test"."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"Class-folder root not found: {root}")
    wanted = {ext.lower() if ext.startswith(".") else f".{ext.lower()}" for ext in extensions}
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise DatasetError(
            f"{root}: no class sub-folders with images (expected <root>/<class>/<image>)"
        )
    rows = []
    for folder in folders:
        files = sorted(
            p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in wanted
        )
        if not files:
            raise DatasetError(
                f"{folder}: class folder has no images (expected files ending in {sorted(wanted)})"
            )
        rows += [(f"{folder.name}/{name}", str(folder / name), folder.name) for name in files]
    images = pd.DataFrame(rows, columns=["filename", "path", "label"])
    images.insert(0, "image_id", pd.RangeIndex(len(images)).astype("int64"))
    images.insert(3, "split", "test")
    images["label"] = images["label"].astype(object)
    return images[IMAGE_COLUMNS]
