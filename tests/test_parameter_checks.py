"""Parameters checked before a run (sclip/parameter_checks.py): the project's own settings
pass, each bad value fails naming its parameter, and only the run's nodes' parameters count."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from kedro.config import OmegaConfigLoader

from sclip.parameter_checks import CHECKS, check_parameters
from sclip.pipelines.training.pipeline import METHODS

REPO = Path(__file__).resolve().parents[1]
ALL = [f"params:{name}" for name in CHECKS] + [f"params:{m}.method" for m in METHODS]


def parameters(env: str = "base") -> dict:
    from sclip.settings import CONFIG_LOADER_ARGS

    args = {**CONFIG_LOADER_ARGS, "default_run_env": env}
    return OmegaConfigLoader(str(REPO / "conf"), **args)["parameters"]


def with_value(params: dict, path: str, value) -> dict:
    out = copy.deepcopy(params)
    *parents, leaf = path.split(".")
    node = out
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return out


@pytest.mark.parametrize("env", ["base", "rsicd"])
def test_the_projects_parameters_pass(env):
    check_parameters(parameters(env), ALL)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("split.label_ratio", 1.5, r"'split\.label_ratio' must be in \(0, 1\]"),
        ("model.trainable.image", "some", r"model\.trainable\.image"),
        ("embedding.precision", "fp16", r"'embedding\.precision' must be one of"),
        ("keywords.size", 0, r"'keywords\.size' must be a positive integer"),
        ("keywords.template", "no slot", r"'keywords\.template' must be null"),
        ("pseudo_labeling.epsilon", 0, r"'pseudo_labeling\.epsilon' must be a positive"),
        ("pseudo_labeling.method", "sinkhorn_stabilized", r"'pseudo_labeling\.method'.*relative"),
        ("pseudo_labeling.relative_tol", 0, r"'pseudo_labeling\.relative_tol' must be"),
        ("training.lr", -1, r"'training\.lr' must be a positive number; got -1$"),
        ("training.epochs", 0, r"'training\.epochs' must be an integer >= 1"),
        (
            "s_clip.method.training.lr",
            0,
            r"'training\.lr' must be .*from 's_clip\.method\.training'",
        ),
        (
            "clip_ft.method.training_by_label_ratio",
            {"0.1": {"lr": 0}},  # the run's own ratio (base: 0.1) applies its entry
            r"'training\.lr' must be .*training_by_label_ratio",
        ),
        ("clip_ft.method.training_by_label_ratio", {"2": {}}, r"keys must be label ratios"),
        ("s_clip.method.options.ot_epsilon", -1, r"s_clip: ot_epsilon must be a positive"),
        ("hard_pl.method.options.softmax_temperature", 0.1, r"applies to the 'soft'"),
        ("soft_pl.method.name", "softpl", r"'name' is one of"),
        ("evaluation.templates", "a photo of {c}", r"'evaluation\.templates' must be"),
        ("distributed.nproc_per_node", 0, r"'distributed\.nproc_per_node' must be"),
        ("distributed.nproc_per_node", 3, r"'training\.paired_batch_size' a multiple"),
        ("checkpoints.every_steps", -1, r"'checkpoints\.every_steps' must be"),
        ("methods", ["clip_ft", "sclip"], r"unknown: \['sclip'\]"),
    ],
)
def test_a_bad_value_names_its_parameter(path, value, message):
    with pytest.raises(ValueError, match=message):
        check_parameters(with_value(parameters(), path, value), ALL)


def test_what_the_nodes_accept_passes():
    params = with_value(parameters(), "pseudo_labeling.relative_tol", None)  # POT's own rule
    check_parameters(with_value(params, "pseudo_labeling.method", "sinkhorn_stabilized"), ALL)
    # a method left out of `methods` is skipped by its node, options unread
    params = with_value(parameters(), "s_clip.method.options.ot_epsilon", -1)
    check_parameters(with_value(params, "methods", ["clip_ft"]), ALL)


def test_only_the_runs_nodes_parameters_are_checked():
    bad = with_value(parameters(), "training.lr", -1)
    check_parameters(bad, ["params:split", "params:model", "images"])  # no training node
    with pytest.raises(ValueError, match=r"training\.lr"):
        check_parameters(bad, ["params:clip_ft.method"])  # a method reads training too
