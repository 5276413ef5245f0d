"""benchmarks/rsicd_as_table.py on a tiny RSICD-shaped layout: the CSV and the uncaptioned
folder read back as the same images, a seeded share of the train ones captioned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from sclip.data.readers import read_karpathy_captions
from sclip.data.table_reader import read_caption_table

from .conftest import load_script


def _rsicd(root: Path) -> Path:
    (root / "RSICD_images").mkdir(parents=True)
    (root / "txtclasses_rsicd").mkdir()
    entries = []
    for i in range(24):
        split = "train" if i < 20 else ("val" if i < 22 else "test")
        name = f"scene_{i}.jpg"
        Image.new("RGB", (8, 8), (i, 0, 0)).save(root / "RSICD_images" / name)
        entries.append({"filename": name, "split": split, "sentences": [{"raw": f"scene {i}"}]})
    (root / "dataset_rsicd.json").write_text(json.dumps({"images": entries}))
    (root / "txtclasses_rsicd" / "scene.txt").write_text("\n".join(e["filename"] for e in entries))
    return root


def test_layout_reads_back_with_a_seeded_share_captioned(tmp_path):
    script = load_script("rsicd_as_table")
    rsicd = _rsicd(tmp_path / "rsicd")
    out = tmp_path / "table"
    assert script.write_layout(rsicd, out, 0.25, 0) == {"captioned_train": 5, "uncaptioned": 15}
    corpus = read_caption_table(out / "captions.csv", rsicd / "RSICD_images", out / "uncaptioned")
    images = corpus.images
    assert len(images) == 24 and images["split"].value_counts()["train"] == 20
    captioned = set(images.loc[corpus.captions["image_id"], "filename"])
    original = read_karpathy_captions(rsicd / "dataset_rsicd.json", rsicd / "RSICD_images")
    assert len(captioned) == 9 and captioned <= set(original.images["filename"])
    assert images.loc[images["filename"].isin(captioned), "label"].eq("scene").all()
    folder = images["filename"].str.startswith("uncaptioned/")
    assert folder.tolist() == [False] * 9 + [True] * 15  # table images first, then the folder
    with pytest.raises(FileExistsError):  # never writes over an earlier layout
        script.write_layout(rsicd, out, 0.25, 0)
    other = tmp_path / "table1"
    script.write_layout(rsicd, other, 0.25, 1)
    assert (other / "captions.csv").read_text() != (out / "captions.csv").read_text()
