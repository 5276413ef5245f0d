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

    # The training node reads params:split: an entry for this run's label ratio applies (a
    # new run, not the finished checkpoint), one for another ratio does not.
    by_ratio = {"0.5": {"epochs": 2}, "0.9": {"epochs": 1}}
    run_kedro(
        project,
        monkeypatch,
        {"methods": ["clip_ft"], "clip_ft": {"method": {"training_by_label_ratio": by_ratio}}},
        pipeline_names=["training"],
    )
    assert NODE_TIMES.resumed == {}
    latest = sorted((data / "07_model_output/clip_ft/history.json").glob("*/history.json"))[-1]
    assert [h["epoch"] for h in json.loads(latest.read_text())] == [1, 2]


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


def _table_with_uncaptioned_images(root: Path) -> dict:
    """The tiny synthetic domain as a caption CSV of a third of its train images (and all of
    val/test) plus a folder of the other train images, which have no caption anywhere."""
    import pandas as pd

    from sclip.datasets import SyntheticScenesDataset

    corpus = SyntheticScenesDataset(root / "synthetic", images_per_class=6, image_size=64).load()
    images, captions = corpus.images, corpus.captions
    train = images.index[images["split"] == "train"]
    uncaptioned = set(train[len(train) // 3 :])
    (root / "uncaptioned").mkdir()
    for i in sorted(uncaptioned):
        shutil.copy(images.loc[i, "path"], root / "uncaptioned" / images.loc[i, "filename"])
    kept = captions[~captions["image_id"].isin(uncaptioned)]
    table = pd.DataFrame(
        {
            "image": images.loc[kept["image_id"], "filename"].to_numpy(),
            "caption": kept["text"].to_numpy(),
            "split": images.loc[kept["image_id"], "split"].to_numpy(),
            "label": images.loc[kept["image_id"], "label"].to_numpy(),
        }
    )
    table.to_csv(root / "captions.csv", index=False)
    return {
        "raw_corpus": {
            "type": "sclip.datasets.CaptionTableDataset",
            "captions_file": str(root / "captions.csv"),
            "images_dir": str(Path(images.loc[0, "path"]).parent),
            "unpaired_dir": str(root / "uncaptioned"),
        },
        "n_paired": len(train) - len(uncaptioned),
        "n_unpaired": len(uncaptioned),
    }


@pytest.mark.slow
@pytest.mark.parametrize("label_ratio", [1.0, 0.5])
def test_a_caption_table_with_uncaptioned_images_trains_every_method(
    tmp_path, monkeypatch, label_ratio
):
    """The real semi-supervised layout: captioned images in a CSV, the rest in a folder with no
    caption at all. label_ratio of the captioned train images are paired, every uncaptioned one
    is unpaired, and the pseudo-label methods train on them; the pseudo-label report compares
    with hidden captions only where an unpaired image has some (at 0.5: the captioned ones)."""
    import pandas as pd

    data = _table_with_uncaptioned_images(tmp_path / "raw")
    n_captioned, n_uncaptioned = data.pop("n_paired"), data.pop("n_unpaired")
    assert n_captioned >= 10 and n_uncaptioned >= 2 * n_captioned - 2  # a third captioned
    project = make_project(tmp_path, {**TINY, "split": {"label_ratio": label_ratio}}, data)
    run_kedro(project, monkeypatch)
    out = project / "data"
    roles = pd.read_parquet(next((out / "03_primary/image_split.parquet").glob("*/*.parquet")))
    n_paired = round(label_ratio * n_captioned)
    assert roles["role"].value_counts()[["paired", "unpaired"]].tolist() == [
        n_paired,
        n_uncaptioned + n_captioned - n_paired,
    ]
    images = pd.read_parquet(next((out / "02_intermediate/images.parquet").glob("*/*.parquet")))
    paired = images.set_index("image_id").loc[roles.loc[roles["role"] == "paired", "image_id"]]
    assert not paired["filename"].str.startswith("uncaptioned/").any()
    report = json.loads(
        next((out / "08_reporting/metrics.json").glob("*/metrics.json")).read_text()
    )
    assert set(report) == {"untrained", *METHODS}
    quality = json.loads(
        next((out / "08_reporting/pseudo_label_quality.json").glob("*/*.json")).read_text()
    )
    assert quality["n_unpaired"] == n_uncaptioned + n_captioned - n_paired
    if label_ratio == 1.0:
        assert "caption_cosine" not in quality["ot"]  # no hidden captions to compare with
    else:
        assert quality["n_unpaired_with_hidden_captions"] == n_captioned - n_paired
        assert -1 <= quality["ot"]["caption_cosine"] <= 1
        # The report reads the frozen features saved with the plan; from a plan saved without
        # them (before 2026-12-07) it recomputes them, to the same report.
        from kedro.framework.session import KedroSession

        from sclip.pipelines.pseudo_labeling.nodes import pseudo_label_quality

        with KedroSession.create(project_path=project) as session:
            catalog = session.load_context().catalog
            names = [
                "ot_plan", "image_features", "images", "image_split", "caption_features",
                "paired_captions", "unpaired_captions", "params:model", "params:pseudo_labeling",
            ]  # fmt: skip
            inputs = [catalog.load(n) for n in names]
        plan = inputs[0]
        assert plan["unpaired_features"].shape[0] == plan["unpaired_image_id"].shape[0]
        saved = pseudo_label_quality(*inputs)[0]
        old = {k: v for k, v in plan.items() if not k.endswith("_features")}
        recomputed = pseudo_label_quality(old, *inputs[1:])[0]
        flat = pd.json_normalize  # nested report → one row of dotted keys
        assert flat(saved).columns.tolist() == flat(recomputed).columns.tolist()
        assert flat(saved).iloc[0].tolist() == pytest.approx(flat(recomputed).iloc[0].tolist())
        assert flat(saved).iloc[0].tolist() == pytest.approx(flat(quality).iloc[0].tolist())
