"""Trains the toy problem of tiny_problem with checkpoints every 3 steps, for the SIGKILL test.

    python -m tests.training.resume_worker CHECKPOINT_DIR OUT.json [STEP_DELAY_SECONDS]

Prints "step N" (global, 1-based) before each step so the parent knows when to kill it."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch

from sclip.evaluation.evaluate import Evaluator
from sclip.training.config import TrainConfig
from sclip.training.loop import train
from sclip.training.methods import ClipFineTuning
from tests.training.tiny_problem import data_and_eval, tiny_model

EPOCHS, EVERY = 4, 3


class Announced(ClipFineTuning):
    def __init__(self, delay: float) -> None:
        self.delay, self.calls = delay, 0

    def losses(self, model, step):
        self.calls += 1
        print(f"step {self.calls}", flush=True)
        time.sleep(self.delay)
        return super().losses(model, step)


def run(checkpoint_dir: Path | None, delay: float = 0.0):
    model = tiny_model()
    data, val = data_and_eval()
    config = TrainConfig(
        epochs=EPOCHS,
        paired_batch_size=8,
        lr=1e-2,
        warmup_steps=2,
        device="cpu",
        select_metric="mean_recall_one",
    )
    evaluator = Evaluator(model, val, templates=["{c}"])
    return train(
        model,
        data,
        config,
        Announced(delay),
        evaluator,
        checkpoint_dir,
        progress=False,
        checkpoint_every_steps=EVERY,
    )


if __name__ == "__main__":
    torch.set_num_threads(1)
    result = run(Path(sys.argv[1]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
    history = [{k: v for k, v in h.items() if k != "seconds"} for h in result.history]
    state = {k: v.tolist() for k, v in result.state.items()}
    Path(sys.argv[2]).write_text(json.dumps({"history": history, "state": state}))
