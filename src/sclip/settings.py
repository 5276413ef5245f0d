"""Kedro project settings."""

import warnings
from pathlib import Path

from kedro.config import OmegaConfigLoader
from kedro.utils import find_kedro_project

from sclip.hooks import CheckParameters, KeepFreedMemory, NodeTimes, TrackArtifacts

NODE_TIMES = NodeTimes()
HOOKS = (CheckParameters(), TrackArtifacts(), NODE_TIMES, KeepFreedMemory())

# Every pipeline a `kedro run` can name; tracking off means kedro-mlflow skips all of them.
PIPELINE_NAMES = (
    "__default__",
    "data_processing",
    "embedding",
    "keywords",
    "pseudo_labeling",
    "training",
    "evaluation",
)


def untracked_pipelines(tracking) -> list[str]:
    """mlflow.yml's `disable_tracking.pipelines` from the runtime parameter `tracking`
    (`kedro run --params tracking=false` turns MLflow tracking off for that run)."""
    if isinstance(tracking, str):
        tracking = tracking.strip().lower() not in ("false", "0", "no", "off")
    return [] if tracking else list(PIPELINE_NAMES)


def tracking_uri(filename: str = "mlflow.db") -> str:
    """SQLite MLflow store at the project root, also when Kedro starts in a subfolder
    (a notebook in notebooks/)."""
    root = find_kedro_project(Path.cwd()) or Path.cwd()
    return f"sqlite:///{(root / filename).as_posix()}"


CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # An environment (e.g. rsicd) overrides single parameters, not whole top-level blocks.
    "merge_strategy": {"parameters": "soft"},
    "custom_resolvers": {
        "sclip.untracked_pipelines": untracked_pipelines,
        "sclip.tracking_uri": tracking_uri,
    },
}

# omegaconf 2.4 deprecates an API Kedro 1.7 still calls; the warning is not ours to act on.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")
