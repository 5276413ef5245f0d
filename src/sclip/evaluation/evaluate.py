"""Evaluate a dual encoder on one split from cached frozen-prefix states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from sclip.evaluation.metrics import (
    class_embeddings,
    one_caption_per_image,
    retrieval_recall,
    zero_shot_top1,
)
from sclip.models import DualEncoder
from sclip.models.dual_encoder import (
    State,
    index_state,
    length_order,
    state_to,
    trim_padding,
)


@dataclass
class EvalSet:
    """One split: image states, caption states, caption→image rows, and class labels."""

    image_state: State
    image_stage: int
    text_state: State
    text_stage: int
    caption_image: torch.Tensor  # [M] row of each caption's image
    labels: torch.Tensor  # [N] class index, -1 where unlabelled
    class_names: list[str]


@torch.no_grad()
def embed(
    model: DualEncoder, tower: str, state: State, start: int, device, batch_size=512
) -> torch.Tensor:
    """L2-normalised embeddings from cached states, in batches, in eval mode. Token-level
    text states go shortest first, each batch trimmed to its longest text (trim_padding)."""
    was_training = model.training
    model.eval()
    n = (next(iter(state.values())) if isinstance(state, dict) else state).shape[0]
    order = restore = None
    if isinstance(state, dict) and "attention_mask" in state:
        order, restore = length_order(state["attention_mask"])
    out = []
    for i in range(0, n, batch_size):
        rows = slice(i, i + batch_size) if order is None else order[i : i + batch_size]
        batch = state_to(trim_padding(index_state(state, rows)), device)
        out.append(F.normalize(model.run_stages(tower, batch, start).float(), dim=-1).cpu())
    model.train(was_training)
    emb = torch.cat(out)
    return emb if order is None else emb[restore]


def check_templates(templates: Sequence[str]) -> None:
    """Templates must be a non-empty list of strings with a `{c}` for the class name and no
    other placeholder."""
    if isinstance(templates, str) or not templates:
        raise ValueError(
            "Parameter 'evaluation.templates' must be a non-empty list of strings with '{c}', "
            f"e.g. ['an aerial photograph of {{c}}.']; got {templates!r}"
        )
    for t in templates:
        try:
            ok = isinstance(t, str) and "{c}" in t and t.format(c="x") is not None
        except (KeyError, IndexError, ValueError):
            ok = False
        if not ok:
            raise ValueError(
                f"Zero-shot template {t!r} in 'evaluation.templates' must be a string with one "
                "'{c}' placeholder for the class name and no other braces"
            )


def prompts(class_names: Sequence[str], templates: Sequence[str]) -> list[str]:
    """Class-major list of filled templates."""
    check_templates(templates)
    return [t.format(c=c) for c in class_names for t in templates]


class Evaluator:
    """Zero-shot top-1 and retrieval under both caption protocols for one EvalSet. The class
    prompts' frozen prefix is computed once, so per-epoch evaluation is cheap."""

    def __init__(
        self,
        model: DualEncoder,
        data: EvalSet,
        templates: Sequence[str],
        seed: int = 0,
        device: str | torch.device = "cpu",
    ) -> None:
        check_templates(templates)
        self.data, self.device, self.n_templates = data, device, len(templates)
        self.labelled = data.labels >= 0
        self.prompt_state = None
        if data.class_names and self.labelled.any():
            k = model.first_trainable["text"]
            tokens = state_to(model.tokenize(prompts(data.class_names, templates)), device)
            was_training = model.training
            model.eval()
            with torch.no_grad():
                self.prompt_state = state_to(model.run_stages("text", tokens, 0, k), "cpu")
            model.train(was_training)
            self.prompt_start = k
        n_images = data.labels.shape[0]
        self.one_caption = one_caption_per_image(data.caption_image, n_images, seed)

    def __call__(self, model: DualEncoder) -> dict[str, float]:
        """The metrics. The towers run under the caller's autocast, if any (the training loop
        selects epochs in its training precision); the similarities and metrics are fp32."""
        d = self.data
        img = embed(model, "image", d.image_state, d.image_stage, self.device)
        txt = embed(model, "text", d.text_state, d.text_stage, self.device)
        prompt_emb = None
        if self.prompt_state is not None:
            prompt_emb = embed(model, "text", self.prompt_state, self.prompt_start, self.device)
        # Ranks from bf16 similarities would tie: the metrics' products stay out of autocast.
        with torch.autocast(torch.device(self.device).type, enabled=False):
            return self._metrics(img, txt, prompt_emb)

    def _metrics(self, img, txt, prompt_emb) -> dict[str, float]:
        d = self.data
        metrics: dict[str, float] = {}
        if prompt_emb is not None:
            classes = class_embeddings(prompt_emb, len(d.class_names), self.n_templates)
            metrics["zero_shot_top1"] = zero_shot_top1(
                img[self.labelled], classes, d.labels[self.labelled]
            )
        one = retrieval_recall(img, txt[self.one_caption], torch.arange(img.shape[0]))
        every = retrieval_recall(img, txt, d.caption_image)
        metrics.update({f"{k}_one": v for k, v in one.items()})
        metrics.update({f"{k}_all": v for k, v in every.items()})
        metrics["mean_recall_one"] = sum(one.values()) / len(one)
        metrics["mean_recall_all"] = sum(every.values()) / len(every)
        return metrics
