"""The sweep's grid: every value stays with its own key (a past bug paired values with the
wrong keys), clip_ft never draws unpaired images, and the unpaired batch follows the paired."""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import load_script


@pytest.fixture(scope="module")
def sweep():
    return load_script("sweep")


def test_values_stay_with_their_keys(sweep):
    # Insertion order differs from sorted order on purpose.
    grid = {"paired_batch_size": [32, 128], "lr": [1e-3], "epochs": [30, 100]}
    configs = sweep.configurations("clip_ft", grid, [1.0])
    assert len(configs) == 4
    for c in configs:
        assert c["paired_batch_size"] in (32, 128)
        assert c["lr"] == 1e-3 and c["epochs"] in (30, 100)
        assert c["unpaired_batch_size"] == 0


def test_pseudo_label_methods_get_the_unpaired_axis(sweep):
    configs = sweep.configurations("s_clip", {"paired_batch_size": [64]}, [1.0, 4.0])
    assert [c["unpaired_batch_size"] for c in configs] == [64, 256]


def test_labels_name_every_setting_in_a_stable_order(sweep):
    assert sweep.label({"lr": 0.001, "epochs": 25}) == sweep.label({"epochs": 25, "lr": 0.001})
    assert sweep.label({"lr": 0.001, "unpaired_negatives": False}) == (
        "lr=0.001, unpaired_negatives=False"
    )


def test_val_history_keeps_the_epoch_and_val_metrics_only(sweep):
    history = [
        {
            "epoch": 1,
            "step": 6,
            "loss": 2.0,
            "lr": 1e-3,
            "val_zero_shot_top1": 40.0,
            "seconds": 7.0,
        },
        {
            "epoch": 2,
            "step": 12,
            "loss": 1.5,
            "lr": 1e-3,
            "val_zero_shot_top1": 55.0,
            "seconds": 7.1,
        },
    ]
    assert sweep.val_history(history) == [
        {"epoch": 1, "val_zero_shot_top1": 40.0},
        {"epoch": 2, "val_zero_shot_top1": 55.0},
    ]


def _entry(method, zero_shot, r5):
    runs = [
        {"val": {"zero_shot_top1": z, "i2t_r5_one": r, "t2i_r5_one": r}}
        for z, r in zip(zero_shot, r5, strict=True)
    ]
    return {"method": method, "runs": runs}


def test_val_ties_go_to_the_higher_val_r5(sweep):
    runs = {
        # per seed 76.6 / 78.6 / 78.2 and 78.0 / 78.1 / 77.3 of 1,027: the same 2,397 images
        "a": _entry("clip_ft", [787 / 10.27, 807 / 10.27, 803 / 10.27], [20.0, 20.0, 20.0]),
        "b": _entry("clip_ft", [801 / 10.27, 802 / 10.27, 794 / 10.27], [19.0, 19.0, 19.0]),
        "c": _entry("clip_ft", [70.0, 70.0, 70.0], [30.0, 30.0, 30.0]),  # R@5 alone wins nothing
    }
    # b's float mean is the larger by 1e-14: only the rounding lets R@5 decide
    assert [key for key, _ in sweep.ranked(runs, "zero_shot_top1")] == ["a", "b", "c"]
    assert runs["a"]["val_mean_r5_one"] == 20.0
