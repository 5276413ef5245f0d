"""Build a DualEncoder from parameters."""

from __future__ import annotations

from sclip.models.config import ModelConfig
from sclip.models.dual_encoder import DualEncoder


def build_model(config: ModelConfig | dict) -> DualEncoder:
    """The backbone named by `config.backbone`, with `config.trainable` applied."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # one bar per weight file is noise in run logs
    if isinstance(config, dict):
        config = ModelConfig.from_params(config)
    if config.backbone == "hf_clip":
        from sclip.models.hf_clip import build_hf_clip

        return build_hf_clip(config)
    from sclip.models.offline import build_offline

    return build_offline(config)
