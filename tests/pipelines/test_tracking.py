"""Experiment tracking: a `kedro run` logs one MLflow run (kedro-mlflow, local SQLite store)
with the nodes' parameters, every model's final metrics, every method's per-epoch history and
the report as artifacts; `--params tracking=false` logs nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sclip.evaluation.report import tracking_metrics
from sclip.settings import PIPELINE_NAMES, untracked_pipelines
from tests.pipelines.test_project_run import TINY, TINY_DATA, make_project, run_kedro


def test_tracking_switch_parses_the_parameter():
    assert untracked_pipelines(True) == []
    assert untracked_pipelines("true") == []
    assert untracked_pipelines(False) == list(PIPELINE_NAMES)
    assert untracked_pipelines("false") == list(PIPELINE_NAMES)
    assert untracked_pipelines("off") == list(PIPELINE_NAMES)


def test_tracking_metrics_are_final_values_and_per_epoch_series():
    metrics = {
        "untrained": {"val": {"zero_shot_top1": 10.0}, "test": {"zero_shot_top1": 8.0}},
        "s_clip": {"test": {"zero_shot_top1": 70.0}, "selected_epoch": 2},
    }
    history = {
        "s_clip": [{"epoch": 1, "step": 4, "loss": 3.0}, {"epoch": 2, "step": 8, "loss": 2.5}]
    }
    out = tracking_metrics(metrics, history)
    assert out["untrained.val.zero_shot_top1"] == [{"value": 10.0, "step": 0}]
    assert out["s_clip.test.zero_shot_top1"] == [{"value": 70.0, "step": 0}]
    assert out["s_clip.loss"] == [{"value": 3.0, "step": 1}, {"value": 2.5, "step": 2}]
    assert "s_clip.epoch" not in out and "s_clip.step" not in out


def runs_of(project):
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    client = mlflow.tracking.MlflowClient()
    experiment = client.get_experiment_by_name("sclip")
    return client, ([] if experiment is None else client.search_runs([experiment.experiment_id]))


@pytest.mark.slow
def test_a_run_is_tracked_with_params_metrics_history_and_artifacts(tmp_path, monkeypatch):
    params = {**TINY, "methods": ["clip_ft", "s_clip"]}
    project = make_project(tmp_path, params, TINY_DATA)
    run_kedro(project, monkeypatch)
    client, runs = runs_of(project)
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FINISHED"
    assert float(run.data.params["training.epochs"]) == TINY["training"]["epochs"]
    assert run.data.params["model.backbone"] == "offline"
    report = json.loads(
        next((project / "data/08_reporting/metrics.json").glob("*/metrics.json")).read_text()
    )
    for model in ("untrained", "clip_ft", "s_clip"):
        key = f"tracked_metrics.{model}.test.zero_shot_top1"
        assert run.data.metrics[key] == pytest.approx(report[model]["test"]["zero_shot_top1"])
    history = client.get_metric_history(run.info.run_id, "tracked_metrics.s_clip.loss")
    assert sorted(m.step for m in history) == [1, 2, 3]  # one point per epoch
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "reporting")}
    assert {
        "reporting/metrics.md",
        "reporting/comparison.png",
        "reporting/training_curves.png",
        "reporting/pseudo_label_quality.png",
    } <= artifacts
    md = client.download_artifacts(run.info.run_id, "reporting/metrics.md", str(tmp_path))
    assert "s_clip" in Path(md).read_text()


@pytest.mark.slow
def test_tracking_off_by_parameter_logs_no_run(tmp_path):
    # As a user runs it: the CLI, one process (kedro-mlflow's hook object outlives a session).
    project = make_project(tmp_path, {**TINY, "methods": ["clip_ft"]}, TINY_DATA)
    subprocess.run(
        [sys.executable, "-m", "kedro", "run", "--params", "tracking=false"],
        cwd=project,
        check=True,
        capture_output=True,
        env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"},
    )
    assert runs_of(project)[1] == []
    assert list((project / "data/08_reporting/metrics.json").glob("*/metrics.json"))


def test_a_run_stopped_by_a_bad_parameter_logs_no_run(tmp_path, monkeypatch):
    import mlflow

    project = make_project(tmp_path, TINY, TINY_DATA)
    with pytest.raises(ValueError, match=r"'training\.lr' must be a positive number"):
        run_kedro(project, monkeypatch, {"training": {"lr": -1}})
    assert runs_of(project)[1] == [] and mlflow.active_run() is None
