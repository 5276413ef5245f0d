"""A method's training settings per label ratio (training nodes' method_config): the shared
`training`, then the method's own, then its entry for the run's label ratio."""

from __future__ import annotations

import pytest

from sclip.pipelines.training.nodes import label_ratio_training, method_config
from tests.test_parameter_checks import parameters

TRAINING = {"epochs": 3, "lr": 1e-3, "paired_batch_size": 8}
CLIP_FT = {
    "name": "clip_ft",
    "training": {"feature_crop_scale": 0.1, "lr": 2e-3},
    "training_by_label_ratio": {"0.3": {"feature_crop_scale": 0.9}, 1.0: {"epochs": 5}},
}


@pytest.mark.parametrize(
    ("ratio", "crop", "epochs", "lr"),
    [
        (0.1, 0.1, 3, 2e-3),  # no entry: the method's own settings
        (0.3, 0.9, 3, 2e-3),  # a string key; the rest of the method's own settings stay
        (0.30000000000000004, 0.9, 3, 2e-3),  # a ratio computed, not typed
        (1.0, 0.1, 5, 2e-3),  # a float key (unquoted YAML)
        (None, 0.1, 3, 2e-3),  # a caller that knows no ratio
    ],
)
def test_the_label_ratios_entry_overrides_the_methods_settings(ratio, crop, epochs, lr):
    config = method_config(CLIP_FT, TRAINING, ratio)
    assert (config.feature_crop_scale, config.epochs, config.lr) == (crop, epochs, lr)


def test_a_sweeps_grid_point_overrides_the_label_ratios_entry():
    config = method_config(CLIP_FT, TRAINING, 0.3, {"feature_crop_scale": 0.5, "seed": 7})
    assert (config.feature_crop_scale, config.seed, config.lr) == (0.5, 7, 2e-3)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([0.3], r"'clip_ft\.method\.training_by_label_ratio' must map label ratios"),
        ({"1.5": {}}, r"keys must be label ratios in \(0, 1\]; got '1\.5'"),
        ({"ten percent": {}}, r"keys must be label ratios in \(0, 1\]; got 'ten percent'"),
        ({"0.3": 0.9}, r"training_by_label_ratio'\.0\.3 must be a mapping"),
        ({"0.3": {}, 0.3: {}}, r"label ratio 0\.3 is given twice"),
    ],
)
def test_a_bad_table_names_its_parameter(table, message):
    method = {**CLIP_FT, "training_by_label_ratio": table}
    with pytest.raises(ValueError, match=message):
        method_config(method, TRAINING, 0.1)  # checked whatever the run's ratio


def test_a_bad_setting_in_an_entry_names_where_it_came_from():
    method = {**CLIP_FT, "training_by_label_ratio": {"0.3": {"lr": -1}}}
    method_config(method, TRAINING, 0.1)  # another ratio's entry is not applied
    with pytest.raises(ValueError, match=r"'training\.lr'.*training_by_label_ratio"):
        method_config(method, TRAINING, 0.3)


def test_rsicd_clip_ft_takes_its_val_best_crop_per_label_ratio():
    params = parameters("rsicd")
    method, training = params["clip_ft"]["method"], params["training"]
    crops = {r: method_config(method, training, r).feature_crop_scale for r in (0.1, 0.3, 1.0)}
    own = method["training"]["feature_crop_scale"]
    assert crops == {
        0.1: own,
        0.3: label_ratio_training(method, 0.3)["feature_crop_scale"],
        1.0: own,
    }
    assert crops[0.3] != own  # the 30 % entry is read
