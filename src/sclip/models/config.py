"""Model settings, parsed from the `model` parameters with errors that name the parameter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BACKBONES = ("offline", "hf_clip")
ATTENTION = ("eager", "sdpa")


def parse_trainable(value: Any, name: str) -> int | str:
    """'heads' → 0 trainable blocks, an int N → last N blocks, 'all' → everything."""
    if value == "heads":
        return 0
    if value == "all":
        return "all"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValueError(
        f"Parameter '{name}' must be 'heads', 'all' or a non-negative number of last blocks; "
        f"got {value!r}"
    )


@dataclass(frozen=True)
class ModelConfig:
    """What to build. `trainable_*`: 0 (projection heads only), N (last N blocks) or 'all'."""

    backbone: str = "offline"
    checkpoint: str | None = None  # hub id or local directory, for backbone 'hf_clip'
    image_tower: str = "efficientnet-lite0"
    embed_dim: int = 512
    image_size: int = 224
    max_text_length: int = 64
    trainable_image: int | str = 0
    trainable_text: int | str = 0
    init_seed: int = 0
    # The initial inverse temperature s of the contrastive logits; None: the backbone's own
    # (CLIP's trained s for hf_clip, CLIP's from-scratch 1/0.07 for the offline towers).
    init_logit_scale: float | None = None
    # The transformer layers' attention kernel (transformers' attn_implementation): "eager",
    # the results every table here was made with, or "sdpa", torch's fused
    # scaled_dot_product_attention (fused kernels on a GPU; the same embeddings to ~1e-6).
    attention: str = "eager"

    def __post_init__(self) -> None:
        if self.backbone not in BACKBONES:
            raise ValueError(
                f"Parameter 'model.backbone' must be one of {BACKBONES}; got {self.backbone!r}"
            )
        if self.backbone == "hf_clip" and not self.checkpoint:
            raise ValueError(
                "Parameter 'model.checkpoint' is required for backbone 'hf_clip': "
                "a Hugging Face hub id (e.g. openai/clip-vit-base-patch32) or a local directory"
            )
        for name in ("embed_dim", "image_size", "max_text_length"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"Parameter 'model.{name}' must be a positive integer; got {value!r}"
                )
        if self.attention not in ATTENTION:
            raise ValueError(
                f"Parameter 'model.attention' must be one of {ATTENTION}; got {self.attention!r}"
            )
        s = self.init_logit_scale
        if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float)) or s <= 0):
            raise ValueError(
                f"Parameter 'model.init_logit_scale' must be a positive number (the initial "
                f"inverse temperature, e.g. 14.3 = 1/0.07) or null; got {s!r}"
            )

    @classmethod
    def from_params(cls, params: dict) -> ModelConfig:
        """Build from the `model` parameters dictionary."""
        params = dict(params)
        trainable = params.pop("trainable", {}) or {}
        if not isinstance(trainable, dict):
            trainable = {"image": trainable, "text": trainable}
        known = {
            f for f in cls.__dataclass_fields__ if f not in ("trainable_image", "trainable_text")
        }
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(
                f"Unknown 'model' parameters {unknown}; expected some of {sorted(known)} and 'trainable'"
            )
        return cls(
            **params,
            trainable_image=parse_trainable(
                trainable.get("image", "heads"), "model.trainable.image"
            ),
            trainable_text=parse_trainable(trainable.get("text", "heads"), "model.trainable.text"),
        )

    def to_dict(self) -> dict:
        """Plain-JSON form, stored with checkpoints and cached features."""
        return {
            "backbone": self.backbone,
            "checkpoint": self.checkpoint,
            "image_tower": self.image_tower,
            "embed_dim": self.embed_dim,
            "image_size": self.image_size,
            "max_text_length": self.max_text_length,
            "trainable": {"image": self.trainable_image, "text": self.trainable_text},
            "init_seed": self.init_seed,
            # Only when set: runs that leave it unset keep their earlier fingerprints.
            **(
                {} if self.init_logit_scale is None else {"init_logit_scale": self.init_logit_scale}
            ),
            **({} if self.attention == "eager" else {"attention": self.attention}),
        }
