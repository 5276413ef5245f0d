"""Training checkpoints: written atomically (temporary file, then rename), loaded without
unpickling arbitrary objects (weights_only=True)."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch


def rng_state() -> dict:
    """Every global RNG, in types that torch.load(weights_only=True) accepts."""
    np_state = np.random.get_state(legacy=False)  # noqa: NPY002 -- the global state is the point
    return {
        "python": random.getstate(),
        "numpy": {
            **np_state,
            "state": {
                "key": torch.from_numpy(np_state["state"]["key"].copy()),
                "pos": int(np_state["state"]["pos"]),
            },
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np_state = state["numpy"]
    key, pos = np_state["state"]["key"].numpy(), np_state["state"]["pos"]
    np.random.set_state({**np_state, "state": {"key": key, "pos": pos}})  # noqa: NPY002
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(payload: dict, path: Path) -> None:
    """torch.save to a temporary file in the same folder, then os.replace: a crash mid-write
    leaves the previous checkpoint intact and no half-written file under `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path: Path) -> dict:
    """Load a checkpoint written by save_checkpoint; a damaged file is a clear error."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for damaged files
        raise ValueError(
            f"Checkpoint {path} is damaged or not a training checkpoint ({type(err).__name__}: {err}). "
            "Delete it to start that run afresh."
        ) from err
