"""The paired/unpaired split."""

from __future__ import annotations

import pandas as pd
import pytest

from sclip.data.split import captions_with_role, split_paired_unpaired


def images_table(n_train=50, n_val=5, n_test=5):
    splits = ["train"] * n_train + ["val"] * n_val + ["test"] * n_test
    return pd.DataFrame({"image_id": range(len(splits)), "split": splits})


def test_label_ratio_of_train_images_is_paired_and_seeded():
    images = images_table()
    a = split_paired_unpaired(images, 0.1, seed=3)
    assert (a["role"] == "paired").sum() == 5
    assert (a["role"] == "unpaired").sum() == 45
    assert a.loc[a["split"] != "train", "role"].tolist() == ["val"] * 5 + ["test"] * 5
    assert a.equals(split_paired_unpaired(images, 0.1, seed=3))
    other = split_paired_unpaired(images, 0.1, seed=4)
    assert set(a.loc[a.role == "paired", "image_id"]) != set(
        other.loc[other.role == "paired", "image_id"]
    )


def test_full_ratio_pairs_every_train_image():
    split = split_paired_unpaired(images_table(), 1.0)
    assert (split["role"] == "unpaired").sum() == 0


@pytest.mark.parametrize("ratio", [0, -0.1, 1.5, "half", True])
def test_bad_label_ratio_names_the_parameter(ratio):
    with pytest.raises(ValueError, match=r"split.label_ratio.*\(0, 1\]"):
        split_paired_unpaired(images_table(), ratio)


def test_unpaired_captions_never_reach_the_paired_table():
    images = images_table(n_train=10, n_val=2, n_test=0)
    split = split_paired_unpaired(images, 0.3, seed=0)
    captions = pd.DataFrame(
        {"caption_id": range(24), "image_id": [i // 2 for i in range(24)], "text": ["x"] * 24}
    )
    paired = captions_with_role(captions, split, {"paired"})
    paired_images = set(split.loc[split.role == "paired", "image_id"])
    assert set(paired["image_id"]) == paired_images and len(paired) == 2 * len(paired_images)
