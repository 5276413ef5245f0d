"""Training methods: each turns one batch's embeddings into named losses whose sum trains.

clip_ft: contrastive loss on pairs. hard_pl / soft_pl / s_clip add a caption-level
pseudo-label loss for the unpaired images (hard: the most similar paired image's caption;
soft: softmax over paired images; s_clip: optimal transport), and s_clip also the
keyword-level partial-label loss."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from sclip.models import DualEncoder
from sclip.models.dual_encoder import State, state_to
from sclip.pseudo_labels.ot import caption_targets
from sclip.training.losses import (
    caption_text_loss,
    contrastive_from_logits,
    contrastive_loss,
    keyword_loss,
    soft_cross_entropy,
)
from sclip.training.paired_bank import PairedBank


@dataclass
class StepInputs:
    """Unnormalised embeddings of one batch: paired images X, their captions Y, unpaired U,
    and the rows of the drawn captions (to look up their keyword candidates)."""

    paired_images: torch.Tensor
    captions: torch.Tensor
    unpaired_images: torch.Tensor | None
    caption_rows: torch.Tensor | None = None
    keywords: torch.Tensor | None = None  # the keyword bank's embeddings, if embedded already
    # With a paired bank: the batch's slots in it, and the bank's captions (its caption rows
    # and their embeddings with gradient, in the bank's slot order)
    paired_positions: torch.Tensor | None = None
    bank_caption_rows: torch.Tensor | None = None
    bank_captions: torch.Tensor | None = None


@dataclass
class KeywordBank:
    """The vocabulary's cached text states, and which keywords occur in each paired caption."""

    state: State
    stage: int
    candidates: torch.Tensor  # bool [paired caption rows × keywords]


class Method:
    """What every method shares: its name, whether it draws unpaired images, and its settings."""

    name: str
    uses_unpaired: bool

    def text_bank(self) -> KeywordBank | None:
        """Text states the method embeds every step (s_clip's keywords): the loop may embed
        them together with the captions and hand them over in StepInputs.keywords."""
        return None

    def start_bank(self, size: int) -> PairedBank | None:
        """A fresh paired bank of `size` slots for a training run, if the method keeps one."""
        return None

    def settings(self) -> dict:
        """The method's plain settings (defaults included), e.g. to fingerprint a run."""
        return {
            k: v
            for k, v in sorted(vars(self).items())
            if isinstance(v, (bool, int, float, str, dict)) and not k.startswith("last_")
        }


class ClipFineTuning(Method):
    """`clip_ft`: the contrastive loss on paired data only."""

    name = "clip_ft"
    uses_unpaired = False

    def losses(self, model: DualEncoder, step: StepInputs) -> dict[str, torch.Tensor]:
        return {"contrastive": contrastive_loss(step.paired_images, step.captions, model.scale)}


class CaptionPseudoLabel(Method):
    """Contrastive loss (unpaired images as extra text→image negatives) plus the caption-level
    pseudo-label loss, L_con + caption_weight·L_cap, with the target chosen by `assignment`."""

    uses_unpaired = True

    def __init__(
        self,
        name: str,
        assignment: str,
        caption_weight: float = 0.5,
        unpaired_negatives: bool = True,
        sinkhorn_max_iter: int = 20000,
        sinkhorn_tol: float = 1e-5,
        sinkhorn_method: str = "sinkhorn_overrelaxed",
        ot_epsilon: float | None = None,
        softmax_temperature: float | None = None,
        caption_both_directions: bool = False,
        paired_bank: bool = False,
        caption_text_gradient: bool = True,
    ) -> None:
        if assignment not in ("hard", "soft", "ot"):
            raise ValueError(
                f"Unknown pseudo-label assignment {assignment!r}; expected hard, soft or ot"
            )
        # None: ε = 1/s as in the paper, where s starts at CLIP's trained 100 (ε = 0.01). A
        # model whose s starts at 1/0.07 and moves little in a short run gets ε ≈ 0.07 that
        # way, a far flatter plan; a fixed ε keeps the reference's sharpness.
        self.ot_epsilon = _positive_or_none("ot_epsilon", ot_epsilon, name, assignment, "ot")
        # soft_pl's softmax(s·U Xᵀ) is the same plan without its marginals, so it is as flat
        # at s ≈ 15 and gets the same fix: softmax(U Xᵀ / T) at a fixed temperature T.
        self.softmax_temperature = _positive_or_none(
            "softmax_temperature", softmax_temperature, name, assignment, "soft"
        )
        self.name, self.assignment, self.caption_weight = name, assignment, caption_weight
        # The paper uses unpaired images as extra text→image negatives; with few classes
        # many of them share a caption's class, so it is an option.
        self.unpaired_negatives = unpaired_negatives
        # Not in the paper: L_cap trains unpaired image → caption only. The OT plan's columns
        # are as meaningful as its rows (each caption's share of the unpaired images), so
        # optionally L_cap = ½ (image → caption + caption → image), like L_con's two halves.
        self.caption_both_directions = bool(caption_both_directions)
        # Not in the paper: with false, L_cap trains the image side only, in case a borrowed
        # caption's gradient blurred what tells one caption of a class from another. On RSICD's
        # val both zero-shot and R@5 fell without it (docs/rsicd-experiments.md), so true
        # stays the default.
        if not isinstance(caption_text_gradient, bool):
            raise ValueError(
                f"{name}: caption_text_gradient must be true or false; got {caption_text_gradient!r}"
            )
        self.caption_text_gradient = caption_text_gradient
        # Not in the paper: targets over every paired image instead of the batch's
        # (training/paired_bank.py); the loop calls start_bank.
        if not isinstance(paired_bank, bool):
            raise ValueError(f"{name}: paired_bank must be true or false; got {paired_bank!r}")
        self.paired_bank, self.bank = paired_bank, None
        # tol bounds the marginal error: 1e-5 is 0.1 % of 1/128, and the row-normalised target
        # is then within ~1e-3 of the fully converged plan's. The over-relaxed solver reaches
        # it in ~5× fewer iterations than POT's plain one at ε = 0.01 (pseudo_labels/overrelaxed.py).
        self.sinkhorn = {
            "max_iter": sinkhorn_max_iter,
            "tol": sinkhorn_tol,
            "method": sinkhorn_method,
        }

    def start_bank(self, size: int) -> PairedBank | None:
        self.bank = PairedBank(size) if self.paired_bank else None
        return self.bank

    def targets(
        self,
        model: DualEncoder,
        u: torch.Tensor,
        x: torch.Tensor,
        normalized: bool = False,
        scale: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Rows: unpaired images; columns: the batch's paired images (= their captions).
        `scale`: s if the caller already has it (else taken from the model)."""
        with torch.no_grad():
            if not normalized:
                u, x = F.normalize(u, dim=-1), F.normalize(x, dim=-1)
            if self.assignment == "hard":
                return F.one_hot((u @ x.T).argmax(dim=1), x.shape[0]).to(u.dtype)
            scale = model.scale if scale is None else scale
            if self.assignment == "soft":
                sharpness = 1.0 / self.softmax_temperature if self.softmax_temperature else scale
                return (sharpness * u @ x.T).softmax(dim=1)
            epsilon = self.ot_epsilon or 1.0 / scale.item()
            return caption_targets(u, x, epsilon=epsilon, **self.sinkhorn)

    def losses(self, model: DualEncoder, step: StepInputs) -> dict[str, torch.Tensor]:
        return self._caption_losses(model, model.scale, *_normalized(step), step)

    def _caption_losses(self, model, scale, x, y, u, step) -> dict[str, torch.Tensor]:
        """L_con and weighted L_cap from normalised embeddings; keeps the targets (detached)
        and the caption rows of their columns. `scale` is s, computed once per step for all
        the losses."""
        paired, captions, self.last_caption_rows = self._pseudo_label_columns(x, y, step)
        if not self.caption_text_gradient:
            captions = captions.detach()
        cap_logits = scale * u @ captions.T  # s·U Yᵀ: L_cap's logits
        extra = None
        if self.unpaired_negatives:  # L_con's extra negatives: the batch's captions only
            shared = not self.paired_bank and self.caption_text_gradient  # the same logits
            extra = cap_logits if shared else scale * u @ y.T
        out = {"contrastive": contrastive_from_logits(scale * x @ y.T, extra)}
        self.last_targets = self.targets(model, u, paired, normalized=True, scale=scale)
        loss = soft_cross_entropy(cap_logits, self.last_targets)
        if self.caption_both_directions:
            reverse = caption_text_loss(captions, u, scale, self.last_targets, normalized=True)
            loss = 0.5 * (loss + reverse)
        out["caption"] = self.caption_weight * loss
        return out

    def _pseudo_label_columns(self, x, y, step: StepInputs):
        """The paired images the targets choose among, their captions (normalised) and those
        captions' rows: the batch's, or with a paired bank every paired image seen so far."""
        if not self.paired_bank:
            return x, y, step.caption_rows
        if self.bank is None or step.paired_positions is None or step.bank_captions is None:
            raise ValueError(
                f"{self.name}: paired_bank needs the training loop's bank (start_bank) and the "
                "step's paired_positions and bank_captions"
            )
        paired = self.bank.update_images(step.paired_positions, x)
        if len(step.bank_captions) != len(paired):
            raise ValueError(
                f"{self.name}: {len(step.bank_captions)} bank captions for {len(paired)} "
                "filled bank slots; embed the rows record_captions returned"
            )
        return paired, F.normalize(step.bank_captions, dim=-1), step.bank_caption_rows


def _positive_or_none(
    option: str, value, method: str, assignment: str, applies_to: str
) -> float | None:
    """A pseudo-label's fixed temperature: null, or a positive number for the assignment it
    sharpens (elsewhere it would be silently ignored). Errors name the method's option."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{method}: {option} must be a positive number or null; got {value!r}")
    if assignment != applies_to:
        raise ValueError(
            f"{method}: {option} applies to the {applies_to!r} assignment only, "
            f"not {method}'s {assignment!r}"
        )
    return float(value)


def _normalized(step: StepInputs) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """X, Y, U L2-normalised once for all of a step's losses and its pseudo-label: at
    heads-only step sizes repeated normalisations are a measurable share of the step."""
    return tuple(
        F.normalize(e, dim=-1) for e in (step.paired_images, step.captions, step.unpaired_images)
    )


class SClip(CaptionPseudoLabel):
    """`s_clip`: L_con + ½·L_cap (OT) + ½·L_kw (keywords of the nearest paired caption)."""

    def __init__(
        self, keywords: KeywordBank | None = None, keyword_weight: float = 0.5, **kwargs
    ) -> None:
        super().__init__("s_clip", "ot", **kwargs)
        self.keywords, self.keyword_weight = keywords, keyword_weight

    def text_bank(self) -> KeywordBank | None:
        return self.keywords if self.keyword_weight > 0 else None

    def losses(self, model: DualEncoder, step: StepInputs) -> dict[str, torch.Tensor]:
        x, y, u = _normalized(step)
        scale = model.scale
        out = self._caption_losses(model, scale, x, y, u, step)
        if self.keywords is not None and self.keyword_weight > 0:
            bank = self.keywords
            device = step.paired_images.device
            keyword_emb = step.keywords
            if keyword_emb is None:
                keyword_emb = model.encode_text(state_to(bank.state, device), bank.stage)
            nearest = self.last_targets.argmax(dim=1)  # n(j): nearest paired image under P
            rows = self.last_caption_rows.to(device)
            candidates = bank.candidates.to(device)[rows[nearest]]
            out["keyword"] = self.keyword_weight * keyword_loss(
                u,
                F.normalize(keyword_emb, dim=-1),
                scale,
                candidates,
                normalized=True,
            )
        return out


METHODS = {
    "clip_ft": lambda **kw: ClipFineTuning(**kw),
    "hard_pl": lambda **kw: CaptionPseudoLabel("hard_pl", "hard", **kw),
    "soft_pl": lambda **kw: CaptionPseudoLabel("soft_pl", "soft", **kw),
    "s_clip": lambda **kw: SClip(**kw),
}


def make_method(name: str, **kwargs):
    """The method named by a parameter; unknown names are a clear error."""
    if name not in METHODS:
        raise ValueError(f"Unknown training method {name!r}; expected one of {sorted(METHODS)}")
    try:
        return METHODS[name](**kwargs)
    except TypeError as err:
        raise ValueError(f"Bad options for method {name!r}: {err}") from err
