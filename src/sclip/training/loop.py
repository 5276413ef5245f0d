"""The training loop: seeded, resumable from per-epoch checkpoints, selects on validation."""

from __future__ import annotations

import itertools
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from sclip.models import DualEncoder
from sclip.models.dual_encoder import State, index_state, state_to, trim_padding
from sclip.training.checkpoint import load_checkpoint, rng_state, save_checkpoint, set_rng_state
from sclip.training.compile import CompiledOrEager
from sclip.training.config import TrainConfig
from sclip.training.distributed import (
    average_gradients,
    broadcast_flag,
    gather,
    rank_and_world,
    shard,
)
from sclip.training.methods import KeywordBank, StepInputs
from sclip.training.optim import cosine_with_warmup, make_optimizer
from sclip.training.paired_bank import PairedBank
from sclip.training.sampler import PairedSampler

log = logging.getLogger(__name__)


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


@dataclass
class TrainResult:
    state: dict[str, torch.Tensor]  # trainable state of the selected epoch
    history: list[dict] = field(default_factory=list)
    selected_epoch: int = 0
    # Where this call picked up an earlier call's checkpoint ({"epoch": completed epochs,
    # "step": steps into the next}); None when it trained from the start. A resumed run's
    # time is not a whole run's (benchmarks/seeds.py reports it).
    resumed_from: dict | None = None


def resolve_device(name: str) -> torch.device:
    """'auto' → CUDA when present, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def fast_bf16(device: torch.device) -> bool:
    """Whether bf16 autocast is fast here: a CUDA device with bf16, or a CPU with bf16 in its
    instruction set (AVX512-BF16 or AMX). oneDNN also runs bf16 on plain AVX512 by converting
    to fp32, which is slower than fp32 itself: conf/rsicd's frozen prefix ran at 0.67x of
    fp32 so on an AVX512 Xeon without BF16, and with no AVX512 at all torch falls back to
    reference convolutions (an RSICD step took 41 s in bf16 against 5.1 s in fp32 on AVX2)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    try:  # torch's CPU feature probes (private, present since 2.1)
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # an older torch: oneDNN's own (looser) test
        return bool(getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)())


def resolve_precision(
    precision: str, device: torch.device, param: str = "training.precision"
) -> str:
    """'auto' → 'bf16' where it is fast (fast_bf16), else 'fp32'; a slow explicit 'bf16' warns."""
    if precision == "auto":
        return "bf16" if fast_bf16(device) else "fp32"
    if precision == "bf16" and not fast_bf16(device):
        log.warning(
            "%s=bf16 on a %s without fast bf16 kernels: expect it to be several "
            "times slower than fp32 (use 'auto' or 'fp32')",
            param,
            device.type,
        )
    return precision


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 -- global state for third-party code
    torch.manual_seed(seed)


def train(
    model: DualEncoder,
    data: TrainData,
    config: TrainConfig,
    method,
    evaluate: Callable[[DualEncoder], dict] | None = None,
    checkpoint_dir: Path | None = None,
    progress: bool = True,
    checkpoint_every_steps: int = 0,
) -> TrainResult:
    """Fine-tune `model` in place with `method`; return the selected trainable state and history.

    With checkpoint_dir, a checkpoint is written after every epoch (and every
    `checkpoint_every_steps` optimiser steps, if > 0); a run started again with the same settings
    resumes from it, mid-epoch included, to the same result (a finished run returns at once)."""
    if not isinstance(checkpoint_every_steps, int) or checkpoint_every_steps < 0:
        raise ValueError(
            "Parameter 'checkpoints.every_steps' must be an integer >= 0 (0: epoch ends only); "
            f"got {checkpoint_every_steps!r}"
        )
    seed_everything(config.seed)
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    device = resolve_device(config.device)
    precision = resolve_precision(config.precision, device)
    if config.precision == "auto":
        log.info("%s: training.precision=auto → %s on %s", method.name, precision, device)
    rank, world = rank_and_world()
    if config.patience is not None and evaluate is None and rank == 0:
        raise ValueError(
            "Parameter 'training.patience' stops on the val score, but this run has no val "
            "split to evaluate: set patience to null"
        )
    if world > 1:
        shard(torch.empty(config.paired_batch_size), 0, world, "paired")  # checks divisibility
        shard(torch.empty(config.unpaired_batch_size), 0, world, "unpaired")
    sampler = PairedSampler(
        data.paired_images,
        data.captions_of,
        data.unpaired_images,
        config.paired_batch_size,
        config.unpaired_batch_size if method.uses_unpaired else 0,
        config.seed,
    )
    paired_bank = method.start_bank(len(data.paired_images))
    model.to(device).train()
    optimizer = make_optimizer(model, config)
    total = config.epochs * len(sampler)
    scheduler = cosine_with_warmup(optimizer, config.warmup_steps, total)
    result = TrainResult(state=model.trainable_state())
    best = -math.inf
    start_epoch, start_step, start_sums = 0, 0, {}
    path = checkpoint_dir / "last.pt" if checkpoint_dir else None
    if path is not None and path.exists():
        ckpt = load_checkpoint(path)
        saved = ckpt.get("model_config")
        if saved is not None and saved != model.config.to_dict():
            changed = sorted(
                k
                for k in saved.keys() | model.config.to_dict().keys()
                if saved.get(k) != model.config.to_dict().get(k)
            )
            raise ValueError(
                f"Checkpoint {path} was written for another model (differs in {changed}: "
                f"{ {k: saved.get(k) for k in changed} } vs this run's "
                f"{ {k: model.config.to_dict().get(k) for k in changed} }). "
                "Delete it or point 'checkpoints.dir' elsewhere."
            )
        model.load_trainable_state(ckpt["model"], source=str(path))
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        set_rng_state(ckpt["rng"])
        if paired_bank is not None:
            if ckpt.get("paired_bank") is None:
                raise ValueError(
                    f"Checkpoint {path} has no paired bank, which {method.name}'s paired_bank "
                    "option needs to resume; delete it or point 'checkpoints.dir' elsewhere."
                )
            paired_bank.load_state_dict(ckpt["paired_bank"], source=f"Checkpoint {path}")
        start_epoch, best = ckpt["epoch"], ckpt["best"]
        start_step, start_sums = ckpt.get("step_in_epoch", 0), ckpt.get("loss_sums", {})
        result = TrainResult(
            ckpt["selected_state"],
            ckpt["history"],
            ckpt["selected_epoch"],
            {"epoch": start_epoch, "step": start_step},
        )
        log.info(
            "Resuming %s from %s at epoch %d/%d, step %d",
            method.name,
            path,
            start_epoch + (start_step > 0),
            config.epochs,
            start_step,
        )

    def checkpoint(epoch_done: int, step_in_epoch: int, sums: dict) -> None:
        save_checkpoint(
            {
                "model": model.trainable_state(),
                "model_config": model.config.to_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": rng_state(),
                "paired_bank": None if paired_bank is None else paired_bank.state_dict(),
                "epoch": epoch_done,  # completed epochs
                "step_in_epoch": step_in_epoch,  # steps done in the next one
                "loss_sums": sums,
                "best": best,
                "selected_state": result.state,
                "history": result.history,
                "selected_epoch": result.selected_epoch,
            },
            path,
        )

    max_log_scale = math.log(config.max_logit_scale)
    encode_image = model.encode_image
    if config.compile:
        encode_image = CompiledOrEager(model.encode_image, "the image tower")
    bank = method.text_bank()
    for epoch in range(start_epoch, config.epochs):
        # Early stopping, decided on rank 0 (the rank that evaluates); checked before the
        # epoch so that a resumed run that had already run out of patience stops too.
        if broadcast_flag(
            config.patience is not None and epoch - result.selected_epoch >= config.patience,
            device,
        ):
            log.info(
                "%s: no better val %s in %d epochs: stopping after epoch %d of %d",
                method.name,
                config.select_metric,
                config.patience,
                epoch,
                config.epochs,
            )
            break
        # Each epoch's batches are a function of (seed, epoch): a resumed epoch skips the
        # steps its checkpoint had done and continues with the same batches.
        skip = start_step if epoch == start_epoch else 0
        t0, sums, n_steps = time.time(), dict(start_sums) if skip else {}, skip
        batches = tqdm(
            itertools.islice(sampler.epoch(epoch), skip, None),
            total=len(sampler) - skip,
            disable=not progress,
            desc=f"{method.name} epoch {epoch + 1}/{config.epochs}",
            leave=False,
        )
        for batch in batches:
            step = _embed_batch(
                model, data, batch, device, rank, world, precision, encode_image, bank, paired_bank
            )
            parts = method.losses(model, step)
            loss = sum(parts.values())
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"{method.name}: loss became {loss.item()} at epoch {epoch + 1}, step {n_steps + 1} "
                    f"({ {k: v.item() for k, v in parts.items()} }). The last good checkpoint is kept"
                    f"{f' at {path}' if path else ''}; lower 'training.lr' and run again."
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            average_gradients(model)
            optimizer.step()
            scheduler.step()
            with torch.no_grad():
                model.logit_scale.clamp_(max=max_log_scale)
            for k, v in {"loss": loss, **parts}.items():
                sums[k] = sums.get(k, 0.0) + v.item()
            n_steps += 1
            done = epoch * len(sampler) + n_steps
            if (
                path is not None
                and rank == 0
                and checkpoint_every_steps > 0
                and done % checkpoint_every_steps == 0
                and n_steps < len(sampler)  # the end of the epoch is saved below anyway
            ):
                checkpoint(epoch, n_steps, sums)
        row = {"epoch": epoch + 1, "step": (epoch + 1) * len(sampler)}
        row.update({k: v / max(n_steps, 1) for k, v in sums.items()})
        row.update({"lr": scheduler.get_last_lr()[0], "logit_scale": model.scale.item()})
        if evaluate is not None and rank == 0:
            # The per-epoch val pass only selects the epoch, so it runs in the training
            # precision: with bf16 (and NHWC) 0.81 s instead of 2.34 s for RSICD's 1,027 val
            # images (speed.py). The reported metrics come from the evaluation pipeline, fp32.
            with torch.autocast(device.type, torch.bfloat16, enabled=precision == "bf16"):
                row.update({f"val_{k}": v for k, v in evaluate(model).items()})
        row["seconds"] = time.time() - t0
        result.history.append(row)
        score = row.get(f"val_{config.select_metric}", -math.inf)
        if config.select_metric == "last" or score > best:
            best = score if config.select_metric != "last" else best
            result.state, result.selected_epoch = model.trainable_state(), epoch + 1
        log.info(
            "%s epoch %d: %s",
            method.name,
            epoch + 1,
            ", ".join(f"{k}={v:.4g}" for k, v in row.items() if k not in ("epoch", "step")),
        )
        if path is not None and rank == 0:
            checkpoint(epoch + 1, 0, {})
    return result


def _embed_batch(
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
) -> StepInputs:
    """Embeddings of the global batch. With several processes each embeds its slice and the
    slices are all-gathered with gradient (rank order = the global batch's order). With
    precision 'bf16' the towers run under autocast and the embeddings come back as fp32.
    encode_image replaces model.encode_image (e.g. compiled). text_bank: the method's keyword
    bank (`method.text_bank()`), embedded with the captions where they share one forward
    (every rank embeds all of it; it is not gathered). paired_bank: the method's
    (`method.start_bank`): this batch's captions are recorded in it and all its captions
    embedded, also on every rank."""
    encode_image = encode_image or model.encode_image

    def encode(state, stage, tower):
        with torch.autocast(device.type, torch.bfloat16, enabled=precision == "bf16"):
            return tower(state_to(trim_padding(state), device), stage)

    def local(rows, what):
        return shard(rows, rank, world, what) if world > 1 else rows

    images, image_stage = data.image_state, data.image_stage
    paired = local(batch.paired_images, "paired")
    unpaired = local(batch.unpaired_images, "unpaired") if len(batch.unpaired_images) else None
    if unpaired is not None and model.rows_independent["image"]:
        # One forward for both: the suffix sees each row alone, so the embeddings are the
        # same, and a heads-only step saves a second pass and a gradient accumulation.
        both = index_state(images, torch.cat([paired, unpaired]))
        x, u = encode(both, image_stage, encode_image).split([len(paired), len(unpaired)])
    else:
        # Batch-norm in train mode: paired and unpaired images keep their own statistics.
        # (Unpaired first, as always: the order random drop-connect masks are drawn in.)
        u = None
        if unpaired is not None:
            u = encode(index_state(images, unpaired), image_stage, encode_image)
        x = encode(index_state(images, paired), image_stage, encode_image)
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
