"""The dual-encoder interface shared by every backbone.

Each tower is an ordered list of stages; the last stage is the projection head. The first
trainable stage splits a tower into a frozen prefix and a trainable suffix: the embedding
pipeline caches the state that enters the first trainable stage, and training runs only the
suffix on it. Image states are tensors (uint8 pixels enter stage 0); text states are dicts of
tensors (token ids and attention mask enter stage 0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from sclip.models.config import ModelConfig

State = torch.Tensor | dict[str, torch.Tensor]
TOWERS = ("image", "text")


def index_state(state: State, index: torch.Tensor | slice) -> State:
    """Rows `index` of a batched state."""
    if isinstance(state, dict):
        return {k: v[index] for k, v in state.items()}
    return state[index]


def trim_padding(state: State) -> State:
    """A token-level text state cut to its longest sequence. Cached states are padded to the
    longest caption of the whole set; right padding under the attention mask changes no
    embedding, but a trained text layer would spend its attention and MLP work on it."""
    if not isinstance(state, dict) or "attention_mask" not in state:
        return state
    mask = state["attention_mask"]
    width = mask.shape[1]
    length = max(int(mask.sum(1).max()), 1) if mask.shape[0] else width
    if length >= width:
        return state
    return {
        k: v[:, :length] if v.dim() >= 2 and v.shape[1] == width else v for k, v in state.items()
    }


def length_order(attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows shortest first (stable), and the permutation that restores the original order:
    batches of similar lengths lose most of their padding to trim_padding."""
    order = torch.argsort(attention_mask.sum(1), stable=True)
    return order, torch.argsort(order)


def state_to(state: State, device: torch.device | str) -> State:
    """Move a state to a device."""
    if isinstance(state, dict):
        return {k: v.to(device, non_blocking=True) for k, v in state.items()}
    return state.to(device, non_blocking=True)


def first_trainable_stage(stages: Sequence[nn.Module], trainable: int | str) -> int:
    """Index of the first trained stage: 'all' → 0, N → the last N blocks (stages with
    parameters) before the projection head, 0 → the projection head alone."""
    if trainable == "all":
        return 0
    head = len(stages) - 1
    blocks = [i for i, s in enumerate(stages[:head]) if any(True for _ in s.parameters())]
    if trainable == 0:
        return head
    if trainable > len(blocks):
        raise ValueError(
            f"Cannot train the last {trainable} blocks of a tower that has {len(blocks)}; "
            f"use at most {len(blocks)} or 'all'"
        )
    return blocks[-trainable]


class DualEncoder(nn.Module):
    """Image and text towers as stage lists, plus CLIP's learned temperature."""

    def __init__(
        self,
        config: ModelConfig,
        image_stages: Sequence[nn.Module],
        text_stages: Sequence[nn.Module],
        tokenizer,
        logit_scale: float = math.log(1 / 0.07),
    ) -> None:
        super().__init__()
        self.config = config
        self.image_stages = nn.ModuleList(image_stages)
        self.text_stages = nn.ModuleList(text_stages)
        self.tokenizer = tokenizer
        self.logit_scale = nn.Parameter(torch.tensor(float(logit_scale)))
        self.first_trainable = {
            "image": first_trainable_stage(self.image_stages, config.trainable_image),
            "text": first_trainable_stage(self.text_stages, config.trainable_text),
        }
        for tower in TOWERS:
            for i, stage in enumerate(self.stages(tower)):
                stage.requires_grad_(i >= self.first_trainable[tower])
        # Whether a tower's trained stages embed each row on its own (no batch-norm statistics
        # in train mode), so that a training step's parts can share one forward pass.
        self.rows_independent = {
            tower: not any(
                isinstance(m, nn.modules.batchnorm._BatchNorm)
                for stage in list(self.stages(tower))[self.first_trainable[tower] :]
                for m in stage.modules()
            )
            for tower in TOWERS
        }

    def stages(self, tower: str) -> nn.ModuleList:
        """The stage list of 'image' or 'text'; the last stage is the projection head."""
        return self.image_stages if tower == "image" else self.text_stages

    def train(self, mode: bool = True) -> DualEncoder:
        """Frozen stages stay in eval mode (batch-norm statistics and dropout off)."""
        super().train(mode)
        for tower in TOWERS:
            for stage in list(self.stages(tower))[: self.first_trainable[tower]]:
                stage.eval()
        return self

    def run_stages(
        self, tower: str, state: State, start: int = 0, stop: int | None = None
    ) -> State:
        """Run stages [start, stop) of a tower; frozen ones without building a graph."""
        stages = self.stages(tower)
        stop = len(stages) if stop is None else stop
        for i in range(start, stop):
            if i < self.first_trainable[tower]:
                with torch.no_grad():
                    state = stages[i](state)
            else:
                state = stages[i](state)
        return state

    def encode_image(self, state: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Unnormalised image embeddings from the state entering stage `start` (0: uint8 pixels)."""
        return self.run_stages("image", state, start)

    def encode_text(self, state: dict[str, torch.Tensor], start: int = 0) -> torch.Tensor:
        """Unnormalised text embeddings from the state entering stage `start` (0: tokens)."""
        return self.run_stages("text", state, start)

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        """Token ids and attention mask, padded to the longest text (at most max_text_length)."""
        return self.tokenizer(list(texts))

    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """Embeddings of raw strings through the whole text tower (class prompts, keywords)."""
        device = self.logit_scale.device
        return self.encode_text(state_to(self.tokenize(texts), device))

    @property
    def scale(self) -> torch.Tensor:
        """s = exp(logit_scale), the inverse temperature."""
        return self.logit_scale.exp()

    def trainable_state(self) -> dict[str, torch.Tensor]:
        """The parameters and buffers that training changes (what a checkpoint must hold)."""
        keep = {"logit_scale"}
        for tower in TOWERS:
            prefix = f"{tower}_stages."
            for i in range(self.first_trainable[tower], len(self.stages(tower))):
                keep.add(f"{prefix}{i}.")
        return {
            k: v.detach().cpu().clone()
            for k, v in self.state_dict().items()
            if k in keep or any(k.startswith(p) for p in keep if p.endswith("."))
        }

    def load_trainable_state(
        self, state: dict[str, torch.Tensor], source: str = "checkpoint"
    ) -> None:
        """Load what trainable_state() saved; names and shapes must match exactly."""
        expected = self.state_dict()
        wanted = self.trainable_state()
        missing = sorted(set(wanted) - set(state))
        unexpected = sorted(set(state) - set(expected))
        if missing or unexpected:
            raise ValueError(
                f"{source} does not fit this model: missing {missing[:5]}{'…' if len(missing) > 5 else ''}, "
                f"unexpected {unexpected[:5]}{'…' if len(unexpected) > 5 else ''}. "
                "Was it trained with another backbone or another 'model.trainable' setting?"
            )
        for k, v in state.items():
            if expected[k].shape != v.shape:
                raise ValueError(
                    f"{source}: tensor '{k}' has shape {tuple(v.shape)}, "
                    f"this model expects {tuple(expected[k].shape)} (another backbone or embed_dim?)"
                )
        self.load_state_dict(state, strict=False)
