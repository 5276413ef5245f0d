"""One training step's embeddings: the cached states of a batch through the trained stages
(both towers, every process's slice gathered), with the keyword and paired banks' text rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from sclip.models import DualEncoder
from sclip.models.dual_encoder import State, index_state, state_to, trim_padding
from sclip.training.augment import resized_crop
from sclip.training.distributed import gather, shard
from sclip.training.methods import KeywordBank, StepInputs
from sclip.training.paired_bank import PairedBank


@dataclass
class TrainData:
    """Cached states and which rows are paired / unpaired. Captions here are PAIRED ones only."""

    image_state: State
    image_stage: int
    text_state: State
    text_stage: int
    paired_images: torch.Tensor  # image rows
    captions_of: Sequence[torch.Tensor]  # caption rows of each paired image
    unpaired_images: torch.Tensor  # image rows


def embed_batch(
    model: DualEncoder,
    data: TrainData,
    batch,
    device,
    rank: int = 0,
    world: int = 1,
    precision: str = "fp32",
    encode_image: Callable | None = None,
    text_bank: KeywordBank | None = None,
    paired_bank: PairedBank | None = None,
    crops: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> StepInputs:
    """Embeddings of the global batch. With several processes each embeds its slice and the
    slices are all-gathered with gradient (rank order = the global batch's order). With
    precision 'bf16' the towers run under autocast and the embeddings come back as fp32.
    encode_image replaces model.encode_image (e.g. compiled). text_bank: the method's keyword
    bank (`method.text_bank()`), embedded with the captions where they share one forward
    (every rank embeds all of it; it is not gathered). paired_bank: the method's
    (`method.start_bank`): this batch's captions are recorded in it and all its captions
    embedded, also on every rank. crops: the global batch's crop boxes of its paired and its
    unpaired images (augment.step_crops; `training.feature_crop_scale`; None for a part left
    whole), each rank cropping its slice's states with its slice of them."""
    encode_image = encode_image or model.encode_image

    def encode(state, stage, tower):
        with torch.autocast(device.type, torch.bfloat16, enabled=precision == "bf16"):
            return tower(state_to(trim_padding(state), device), stage)

    def local(rows, what):
        return shard(rows, rank, world, what) if world > 1 else rows

    def image_states(rows, what):
        state = index_state(data.image_state, rows)
        if crops is None:
            return state
        boxes = crops[0] if what == "paired" else crops[1]
        if boxes is None:  # this part stays whole (training.feature_crop_paired: false)
            return state_to(state, device)
        return resized_crop(state_to(state, device), local(boxes, what))

    image_stage = data.image_stage
    paired = local(batch.paired_images, "paired")
    unpaired = local(batch.unpaired_images, "unpaired") if len(batch.unpaired_images) else None
    if unpaired is not None and model.rows_independent["image"]:
        # One forward for both: the suffix sees each row alone, so the embeddings are the
        # same, and a heads-only step saves a second pass and a gradient accumulation.
        if crops is None:
            both = index_state(data.image_state, torch.cat([paired, unpaired]))
        else:
            both = torch.cat([image_states(paired, "paired"), image_states(unpaired, "unpaired")])
        x, u = encode(both, image_stage, encode_image).split([len(paired), len(unpaired)])
    else:
        # Batch-norm in train mode: paired and unpaired images keep their own statistics.
        # (Unpaired first, as always: the order random drop-connect masks are drawn in.)
        u = None
        if unpaired is not None:
            u = encode(image_states(unpaired, "unpaired"), image_stage, encode_image)
        x = encode(image_states(paired, "paired"), image_stage, encode_image)
    captions = index_state(data.text_state, local(batch.captions, "paired"))
    bank_rows = None
    if paired_bank is not None:
        if batch.paired_positions is None:
            raise ValueError("A paired bank needs the batch's paired_positions (PairedSampler)")
        bank_rows = paired_bank.record_captions(batch.paired_positions, batch.captions)
    # The text rows of one forward: the batch's captions, then the paired bank's, then the
    # keywords, joined where the trained text stages see each row alone (else apart).
    parts = [(captions, data.text_stage)]
    if bank_rows is not None:
        parts.append((index_state(data.text_state, bank_rows), data.text_stage))
    if text_bank is not None:
        parts.append((text_bank.state, text_bank.stage))
    joined = _join_text(model, parts)
    if joined is not None:
        sizes = [len(state) for state, _ in parts]
        outputs = encode(joined, data.text_stage, model.encode_text).split(sizes)
    else:  # token-level states or batch norm: a forward each, same precision
        outputs = [encode(state, stage, model.encode_text) for state, stage in parts]
    y, rest = outputs[0], [o.float() for o in outputs[1:]]  # extras in y's precision
    bank_captions = rest.pop(0) if bank_rows is not None else None
    keywords = rest.pop(0) if text_bank is not None else None
    return StepInputs(
        gather(x.float()),
        gather(y.float()),
        None if u is None else gather(u.float()),
        batch.captions.to(device),
        keywords,
        None if paired_bank is None else batch.paired_positions,
        None if bank_rows is None else bank_rows.to(device),
        bank_captions,
    )


def _join_text(model: DualEncoder, parts: list) -> State | None:
    """The text states of several parts as one batch, if they can share one forward: pooled
    (tensor) states entering the same stage, and trained text stages that see each row alone.
    None when there is one part only (nothing to join) or they cannot."""
    if len(parts) == 1:
        return None
    if not (
        model.rows_independent["text"]
        and len({stage for _, stage in parts}) == 1
        and all(isinstance(state, torch.Tensor) for state, _ in parts)
    ):
        return None
    device = parts[0][0].device
    return torch.cat([state.to(device) for state, _ in parts])
