"""Frozen-prefix features: computed once by the embedding pipeline, reused by training and
evaluation. An artifact is a flat dict of tensors (safetensors) plus metadata saying which
model and which stage produced it, so a stale cache is refused instead of silently misused."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import torch
from tqdm.auto import tqdm

from sclip.allocator import freed_memory_kept
from sclip.data.images import load_pixels
from sclip.models import DualEncoder, ModelConfig
from sclip.models.dual_encoder import (
    State,
    index_state,
    length_order,
    state_to,
    trim_padding,
)

# Settings that change a tower's frozen prefix; projection size and init do not, nor do the
# other tower's settings (a text-side change keeps the cached image features valid).
CACHE_KEYS = {
    "image": ("backbone", "checkpoint", "image_tower", "image_size", "trainable.image"),
    "text": ("backbone", "checkpoint", "max_text_length", "trainable.text"),
}


def _setting(model: dict, key: str):
    """model["trainable"]["image"] for "trainable.image"; None where absent."""
    for part in key.split("."):
        model = model.get(part) if isinstance(model, dict) else None
    return model


def pack_state(state: State) -> dict[str, torch.Tensor]:
    """State → flat tensors: 'state' or 'state.<key>'."""
    if isinstance(state, dict):
        return {f"state.{k}": v.contiguous() for k, v in state.items()}
    return {"state": state.contiguous()}


def unpack_state(tensors: dict[str, torch.Tensor]) -> State:
    """Inverse of pack_state."""
    if "state" in tensors:
        return tensors["state"]
    return {k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith("state.")}


def _batches(n: int, batch_size: int) -> list[slice]:
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


@torch.no_grad()
def encode_image_files(
    model: DualEncoder,
    paths: Sequence[str],
    batch_size: int = 64,
    device: str = "cpu",
    stop: int | None = None,
    progress: bool = True,
    precision: str = "fp32",
) -> torch.Tensor:
    """States entering image stage `stop` (default: the first trainable one) for image files,
    in fp32 whatever `precision` ('fp32' or 'bf16') the frozen prefix runs in.
    Where cores are left over, the next batch is decoded in a background thread while the
    current one runs (`prefetch_decoding`)."""
    stop = model.first_trainable["image"] if stop is None else stop
    model.eval()
    size = model.config.image_size
    chunks = _batches(len(paths), batch_size)
    batches = _pixel_batches(paths, chunks, size, prefetch_decoding(device))
    out = []
    # One batch shape throughout: reusing freed activations is bounded here (allocator.py)
    with freed_memory_kept():
        for pixels in tqdm(
            batches, total=len(chunks), desc="embed images", unit="batch", disable=not progress
        ):
            with _autocast(device, precision):
                state = model.run_stages("image", pixels.to(device), 0, stop)
            out.append(state.float().cpu())
    if not out:
        raise ValueError("No images to encode")
    return torch.cat(out)


def _autocast(device: str | torch.device, precision: str):
    """The frozen prefix under bf16 autocast, or not at all."""
    if precision not in ("fp32", "bf16"):
        raise ValueError(f"precision must be 'fp32' or 'bf16', got {precision!r}")
    return torch.autocast(torch.device(device).type, torch.bfloat16, enabled=precision == "bf16")


def _as_fp32(state: State) -> State:
    """Floating tensors of a state in fp32 (masks and ids kept)."""
    if isinstance(state, dict):
        return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    return state.float()


def prefetch_decoding(device: str | torch.device) -> bool:
    """Whether decoding in a background thread overlaps the model: yes where a GPU runs it or
    torch leaves cores free. Where torch's threads fill every core, a decode thread only
    preempts them, which stalls each of their parallel regions: 256 RSICD images on 2 cores
    ran at 0.87× the bare forward's rate with it, 1.06× without (decoding was ~1 ms an image)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return torch.device(device).type != "cpu" or torch.get_num_threads() < (cores or 1)


def _pixel_batches(paths: Sequence[str], chunks: list[slice], size: int, prefetch: bool):
    """The chunks' pixels in order; with prefetch, each decoded while the one before runs."""
    if not prefetch:
        for chunk in chunks:
            yield load_pixels(paths[chunk], size)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(load_pixels, paths[chunks[0]], size) if chunks else None
        for i in range(len(chunks)):
            pixels = future.result()
            if i + 1 < len(chunks):
                future = pool.submit(load_pixels, paths[chunks[i + 1]], size)
            yield pixels


@torch.no_grad()
def encode_texts(
    model: DualEncoder,
    texts: Sequence[str],
    batch_size: int = 256,
    device: str = "cpu",
    stop: int | None = None,
    progress: bool = True,
    precision: str = "fp32",
) -> State:
    """States entering text stage `stop` for captions (fp32, whatever `precision` the prefix
    runs in, as for encode_image_files).

    Texts are batched by length and each batch is trimmed to its longest text (right padding
    changes nothing under the attention mask), which saves most of the work on long-tailed
    caption sets; token-level states are padded back to one width so they stack."""
    stop = model.first_trainable["text"] if stop is None else stop
    model.eval()
    tokens = model.tokenize(texts)
    width = tokens["attention_mask"].shape[1]
    order, restore = length_order(tokens["attention_mask"])
    out = []
    for sl in tqdm(
        _batches(len(texts), batch_size), desc="embed texts", unit="batch", disable=not progress
    ):
        batch = trim_padding(index_state(tokens, order[sl]))
        length = batch["attention_mask"].shape[1]
        with _autocast(device, precision):
            state = model.run_stages("text", state_to(batch, device), 0, stop)
        state = _as_fp32(state_to(state, "cpu"))
        out.append(_pad_tokens(state, length, width))
    if isinstance(out[0], dict):
        return {k: torch.cat([o[k] for o in out])[restore] for k in out[0]}
    return torch.cat(out)[restore]


def _pad_tokens(state: State, length: int, width: int) -> State:
    """Right-pad token-level tensors (dim 1 == length) of a text state to `width` with zeros."""
    if not isinstance(state, dict) or length == width:
        return state
    padded = {}
    for k, v in state.items():
        if v.dim() >= 2 and v.shape[1] == length:
            pad = torch.zeros((v.shape[0], width - length, *v.shape[2:]), dtype=v.dtype)
            v = torch.cat([v, pad], dim=1)
        padded[k] = v
    return padded


def features_artifact(
    state: State,
    ids: Sequence[int],
    config: ModelConfig,
    tower: str,
    stage: int,
    id_name: str,
    precision: str = "fp32",
) -> dict:
    """The dict the catalog saves: state tensors, row ids, and provenance metadata (the
    precision the prefix ran in is recorded, not checked: either serves any training)."""
    return {
        **pack_state(state),
        id_name: torch.as_tensor(list(ids), dtype=torch.long),
        "__metadata__": {
            "tower": tower,
            "stage": stage,
            "model": config.to_dict(),
            "precision": precision,
        },
    }


def read_features(artifact: dict, config: ModelConfig, tower: str, name: str) -> tuple[State, int]:
    """State and stage from a features artifact, checked against the current model settings."""
    meta = artifact.get("__metadata__") or {}
    cached = meta.get("model", {})
    current = config.to_dict()
    keys = CACHE_KEYS.get(tower, ())
    stale = [k for k in keys if _setting(cached, k) != _setting(current, k)]
    if meta.get("tower") != tower or stale:
        raise ValueError(
            f"'{name}' was computed for other model settings ({', '.join(stale) or 'tower'}: "
            f"{ {k: _setting(cached, k) for k in stale} } vs current "
            f"{ {k: _setting(current, k) for k in stale} }). "
            "Run the embedding pipeline again: kedro run --pipelines=embedding"
        )
    return unpack_state({k: v for k, v in artifact.items() if k != "__metadata__"}), int(
        meta["stage"]
    )


def rows_of(ids, all_ids: torch.Tensor, what: str) -> torch.Tensor:
    """Positions of `ids` in the artifact's id vector `all_ids`; unknown ids are an error."""
    position = {int(v): i for i, v in enumerate(all_ids.tolist())}
    missing = [int(i) for i in ids if int(i) not in position]
    if missing:
        raise ValueError(
            f"{len(missing)} {what} ids (first: {missing[:5]}) have no cached features; "
            "the features are stale: run the embedding pipeline again"
        )
    return torch.tensor([position[int(i)] for i in ids], dtype=torch.long)


def subset_features(artifact: dict, ids, what: str, id_name: str = "caption_id") -> dict:
    """The artifact's rows for `ids` (in that order), metadata kept; unknown ids are an error."""
    rows = rows_of(ids, artifact[id_name], what)
    out = {k: v[rows] for k, v in artifact.items() if k != "__metadata__"}
    return {**out, "__metadata__": dict(artifact.get("__metadata__") or {})}


@torch.no_grad()
def frozen_embeddings(
    model: DualEncoder, tower: str, state: State, start: int, batch_size: int = 512, device="cpu"
) -> torch.Tensor:
    """The pretrained tower's pooled output (every stage but the projection head) from a cached
    state: the frozen feature space that dataset-level pseudo-labels are computed in."""
    head = len(model.stages(tower)) - 1
    if start > head:
        raise ValueError(f"Cannot recover frozen {tower} features from stage {start}")
    model.eval()
    n = (next(iter(state.values())) if isinstance(state, dict) else state).shape[0]
    out = []
    for i in range(0, n, batch_size):
        batch = state_to(index_state(state, slice(i, i + batch_size)), device)
        out.append(model.run_stages(tower, batch, start, head).float().cpu())
    return torch.cat(out)
