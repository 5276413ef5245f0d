"""Kedro project settings."""

import warnings

from kedro.config import OmegaConfigLoader

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # An environment (e.g. rsicd) overrides single parameters, not whole top-level blocks.
    "merge_strategy": {"parameters": "soft"},
}

# omegaconf 2.4 deprecates an API Kedro 1.7 still calls; the warning is not ours to act on.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")
