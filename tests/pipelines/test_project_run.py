"""The whole project, run as `kedro run` does (KedroSession), on a tiny built-in dataset in a
temporary copy of the project: every artifact lands versioned in the catalog, and the metrics
table is written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
METHODS = ("clip_ft", "hard_pl", "soft_pl", "s_clip")


def make_project(tmp_path: Path, params: dict, catalog: dict | None = None) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "pyproject.toml", project)
    (project / "src").mkdir()  # bootstrap_project wants one; the package is installed
    shutil.copytree(REPO / "conf", project / "conf", ignore=shutil.ignore_patterns("local"))
    (project / "conf" / "local").mkdir()
    (project / "conf" / "local" / "parameters.yml").write_text(yaml.safe_dump(params))
    if catalog:
        (project / "conf" / "local" / "catalog.yml").write_text(yaml.safe_dump(catalog))
    return project


def run_kedro(project: Path, monkeypatch, runtime_params=None, **run_args):
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    monkeypatch.chdir(project)
    bootstrap_project(project)
    with KedroSession.create(project_path=project, runtime_params=runtime_params) as session:
        return session.run(**run_args)


TINY = {
    "model": {"image_size": 64, "embed_dim": 32},
    "training": {"epochs": 3, "paired_batch_size": 4, "num_threads": 2},
    "split": {"label_ratio": 0.5},
}
TINY_DATA = {
    "raw_corpus": {
        "type": "sclip.datasets.SyntheticScenesDataset",
        "path": "data/01_raw/synthetic_scenes",
        "images_per_class": 5,
        "image_size": 64,
    }
}


@pytest.mark.slow
def test_default_pipeline_writes_versioned_artifacts_and_metrics(tmp_path, monkeypatch):
    from sclip.settings import NODE_TIMES

    project = make_project(tmp_path, TINY, TINY_DATA)
    run_kedro(project, monkeypatch)
    assert {"embed_images", "embed_captions"} <= set(NODE_TIMES.seconds)  # where time went
    assert NODE_TIMES.resumed == {}  # every method trained from the start
    # The process's peak RSS after each node, in the order they ended: a high-water mark.
    peaks = list(NODE_TIMES.peak_rss_mb.values())
    assert list(NODE_TIMES.peak_rss_mb) == list(NODE_TIMES.seconds)
    assert peaks == sorted(peaks) and peaks[0] > 50
    data = project / "data"
    for artifact in [
        "02_intermediate/images.parquet",
        "02_intermediate/captions.parquet",
        "03_primary/image_split.parquet",
        "03_primary/paired_captions.parquet",
        "04_feature/image_features.safetensors",
        "04_feature/caption_features.safetensors",
        "04_feature/paired_text_features.safetensors",
        "06_models/clip_ft/model.safetensors",
        "07_model_output/clip_ft/history.json",
        "07_model_output/untrained/metrics.json",
        "08_reporting/metrics.json",
        "08_reporting/metrics.md",
        "08_reporting/metrics.csv",
        "08_reporting/training_curves.png",
    ]:
        versions = list((data / artifact).iterdir())  # versioned: a folder of timestamps
        assert len(versions) == 1, artifact
    report = json.loads(
        next((data / "08_reporting/metrics.json").glob("*/metrics.json")).read_text()
    )
    assert set(report) == {"untrained", *METHODS}
    for model in report.values():
        assert {"val", "test"} <= set(model)
        assert 0 <= model["test"]["zero_shot_top1"] <= 100
        assert 0 <= model["test"]["t2i_r10_all"] <= 100
    history = json.loads(
        next((data / "07_model_output/clip_ft/history.json").glob("*/history.json")).read_text()
    )
    assert [h["epoch"] for h in history] == [1, 2, 3]
    table = next((data / "08_reporting/metrics.md").glob("*/metrics.md")).read_text()
    assert "| clip_ft | test |" in table and "| untrained | val |" in table

    # Each pipeline runs alone on the latest saved inputs; a new version is added, none replaced.
    for pipeline in ("evaluation", "keywords", "pseudo_labeling"):
        run_kedro(project, monkeypatch, pipeline_names=[pipeline])
    assert len(list((data / "08_reporting/metrics.json").iterdir())) == 2
    assert len(list((data / "03_primary/keyword_vocabulary.csv").iterdir())) == 2
    assert len(list((data / "05_model_input/ot_plan.safetensors").iterdir())) == 2
    assert len(list((data / "06_models/clip_ft/model.safetensors").iterdir())) == 1

    # `methods` selects what trains; the others are skipped and left out of the report.
    run_kedro(
        project, monkeypatch, {"methods": ["clip_ft"]}, pipeline_names=["training", "evaluation"]
    )
    latest = sorted((data / "08_reporting/metrics.json").glob("*/metrics.json"))[-1]
    assert set(json.loads(latest.read_text())) == {"untrained", "clip_ft"}
    assert "embed_images" not in NODE_TIMES.seconds  # each run's own nodes only
    # clip_ft's settings are unchanged: its finished checkpoint returned, and that is recorded.
    assert NODE_TIMES.resumed == {"clip_ft.train": {"epoch": 3, "step": 0}}
    assert NODE_TIMES.seconds and min(NODE_TIMES.seconds.values()) >= 0


def test_environments_write_to_separate_trees(monkeypatch):
    """A run on RSICD must never become the 'latest version' a built-in run reads."""
    from kedro.config import OmegaConfigLoader

    from sclip.settings import CONFIG_LOADER_ARGS

    paths = {}
    for env in ("local", "rsicd"):
        loader = OmegaConfigLoader(
            str(REPO / "conf"),
            env=env,
            **{k: v for k, v in CONFIG_LOADER_ARGS.items() if k != "default_run_env"},
        )
        catalog = loader["catalog"]
        paths[env] = {
            name: entry.get("filepath") for name, entry in catalog.items() if entry.get("versioned")
        }
        assert loader["parameters"]["checkpoints"]["dir"].startswith(
            "data/rsicd/" if env == "rsicd" else "data/06"
        )
    assert paths["local"].keys() == paths["rsicd"].keys()
    for name, path in paths["rsicd"].items():
        assert path.startswith("data/rsicd/") and not paths["local"][name].startswith(
            "data/rsicd/"
        ), name


@pytest.mark.slow
def test_same_seed_same_metrics_and_bad_input_damages_nothing(tmp_path, monkeypatch):
    """Two runs with the same seed give identical metrics on CPU; a run stopped by a bad
    parameter (before any node runs) or a corrupt image names the culprit and leaves every
    saved version intact."""
    from PIL import Image

    no_ckpt = {**TINY, "checkpoints": {"enabled": False}, "methods": ["clip_ft", "s_clip"]}
    project = make_project(tmp_path, no_ckpt, TINY_DATA)
    run_kedro(project, monkeypatch)
    run_kedro(project, monkeypatch, pipeline_names=["training", "evaluation"])
    data = project / "data"
    reports = sorted((data / "08_reporting/metrics.json").glob("*/metrics.json"))
    assert len(reports) == 2
    first, second = (json.loads(p.read_text()) for p in reports)
    assert first == second

    def snapshot():
        return {
            p.relative_to(data): p.read_bytes()
            for p in data.rglob("*")
            if p.is_file() and "01_raw" not in p.parts
        }

    before = snapshot()
    with pytest.raises(Exception, match=r"split\.label_ratio"):
        run_kedro(project, monkeypatch, {"split": {"label_ratio": 1.5}})
    with pytest.raises(Exception, match=r"evaluation\.templates"):
        run_kedro(
            project,
            monkeypatch,
            {"evaluation": {"templates": ["a photo"]}},
            pipeline_names=["evaluation"],
        )
    with pytest.raises(Exception, match=r"Parameter 'methods'.*unknown: \['sclip'\]"):
        run_kedro(
            project, monkeypatch, {"methods": ["clip_ft", "sclip"]}, pipeline_names=["training"]
        )
    with pytest.raises(ValueError, match=r"Parameter 'training\.lr' must be a positive"):
        run_kedro(project, monkeypatch, {"s_clip": {"method": {"training": {"lr": -1}}}})
    # Parameters are checked before the first node: those runs saved nothing at all.
    assert snapshot() == before
    # A truncated image among the raw files: named when embedding, unless skipped.
    victim = sorted((data / "01_raw").rglob("*.png"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    with pytest.raises(Exception, match=rf"{victim.name}.*images\.skip_unreadable"):
        run_kedro(project, monkeypatch, pipeline_names=["data_processing", "embedding"])
    after = snapshot()
    assert {k: v for k, v in after.items() if k in before} == before  # nothing rewritten
    # what the failed runs did save went into NEW version folders only
    old_folders = {p.parent for p in before}
    assert all(p.parent not in old_folders for p in set(after) - set(before))

    run_kedro(
        project,
        monkeypatch,
        {"images": {"skip_unreadable": True}},
        pipeline_names=["data_processing"],
    )
    skipped = sorted((data / "08_reporting/skipped_images.csv").glob("*/*.csv"))[-1]
    assert victim.name in skipped.read_text()
    Image.open(next(p for p in (data / "01_raw").rglob("*.png") if p != victim)).load()
