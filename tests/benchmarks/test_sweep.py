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
