"""Any Hugging Face `transformers` CLIP checkpoint (hub id or local directory) as a DualEncoder."""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from torch import nn

from sclip.models.config import ModelConfig
from sclip.models.dual_encoder import DualEncoder
from sclip.models.layers import Normalize, causal_padding_bias
from sclip.models.tokenizer import Tokenizer

# OpenAI CLIP's preprocessing statistics, used when the checkpoint has no preprocessor config.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class VisionEmbeddingStage(nn.Module):
    def __init__(self, vision: nn.Module, mean, std) -> None:
        super().__init__()
        self.normalize = Normalize(mean, std)
        self.embeddings, self.pre_layrnorm = vision.embeddings, vision.pre_layrnorm

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        x = self.normalize(pixels)
        interpolate = x.shape[-1] != self.embeddings.image_size
        return self.pre_layrnorm(self.embeddings(x, interpolate_pos_encoding=interpolate))


class VisionLayerStage(nn.Module):
    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        out = self.layer(hidden, attention_mask=None)
        return out[0] if isinstance(out, tuple) else out


class VisionPoolStage(nn.Module):
    """Class token, then the post layer norm."""

    def __init__(self, vision: nn.Module) -> None:
        super().__init__()
        self.post_layernorm = vision.post_layernorm

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.post_layernorm(hidden[:, 0])


class TextEmbeddingStage(nn.Module):
    """Token embeddings; also records where each text's end-of-text token sits for pooling."""

    def __init__(self, text: nn.Module, eos_token_id: int) -> None:
        super().__init__()
        self.embeddings, self.eos_token_id = text.embeddings, eos_token_id

    def forward(self, tokens: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        ids = tokens["input_ids"]
        if self.eos_token_id == 2:  # legacy configs: the end token has the largest id
            pool_index = ids.argmax(dim=-1)
        else:
            pool_index = (ids == self.eos_token_id).int().argmax(dim=-1)
        return {
            "hidden": self.embeddings(input_ids=ids),
            "attention_mask": tokens["attention_mask"],
            "pool_index": pool_index,
        }


class TextLayerStage(nn.Module):
    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        bias = causal_padding_bias(state["attention_mask"], state["hidden"].dtype)
        out = self.layer(state["hidden"], attention_mask=bias)
        return {**state, "hidden": out[0] if isinstance(out, tuple) else out}


class TextPoolStage(nn.Module):
    def __init__(self, text: nn.Module) -> None:
        super().__init__()
        self.final_layer_norm = text.final_layer_norm

    def forward(self, state: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = self.final_layer_norm(state["hidden"])
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), state["pool_index"]]


def _preprocess_stats(checkpoint: str) -> tuple[tuple, tuple]:
    """Image mean/std from a local checkpoint's preprocessor_config.json, else OpenAI's."""
    path = Path(checkpoint) / "preprocessor_config.json"
    if path.is_file():
        cfg = json.loads(path.read_text())
        if "image_mean" in cfg and "image_std" in cfg:
            return tuple(cfg["image_mean"]), tuple(cfg["image_std"])
    return CLIP_MEAN, CLIP_STD


def build_hf_clip(config: ModelConfig) -> DualEncoder:
    """Load a CLIPModel and its tokenizer and cut both towers into stages."""
    from transformers import AutoTokenizer, CLIPModel

    try:
        clip = CLIPModel.from_pretrained(config.checkpoint, attn_implementation=config.attention)
        hf_tokenizer = AutoTokenizer.from_pretrained(config.checkpoint)
    except OSError as err:
        raise ValueError(
            f"Cannot load the CLIP checkpoint 'model.checkpoint' = {config.checkpoint!r}: {err}. "
            "Expected a Hugging Face hub id (needs the network) or a local directory holding "
            "config.json, the weights and the tokenizer files."
        ) from err
    mean, std = _preprocess_stats(config.checkpoint)
    vision, text = clip.vision_model, clip.text_model
    image_stages = [
        VisionEmbeddingStage(vision, mean, std),
        *[VisionLayerStage(layer) for layer in vision.encoder.layers],
        VisionPoolStage(vision),
        clip.visual_projection,
    ]
    eos = clip.config.text_config.eos_token_id
    text_stages = [
        TextEmbeddingStage(text, eos),
        *[TextLayerStage(layer) for layer in text.encoder.layers],
        TextPoolStage(text),
        clip.text_projection,
    ]
    max_len = min(config.max_text_length, clip.config.text_config.max_position_embeddings)
    return DualEncoder(
        config,
        image_stages,
        text_stages,
        Tokenizer(hf_tokenizer, max_len),
        logit_scale=float(clip.logit_scale.detach())
        if config.init_logit_scale is None
        else math.log(config.init_logit_scale),
    )
