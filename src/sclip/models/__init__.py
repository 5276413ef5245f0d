"""Dual encoders: one interface, two implementations (offline pretrained towers, HF CLIP)."""

from sclip.models.config import ModelConfig
from sclip.models.dual_encoder import DualEncoder
from sclip.models.factory import build_model

__all__ = ["DualEncoder", "ModelConfig", "build_model"]
