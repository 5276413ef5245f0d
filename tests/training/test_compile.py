"""`training.compile`: the compiled image tower trains as the eager one does, and a backend
that cannot compile falls back to eager training with a warning."""

from __future__ import annotations

import logging

import pytest
import torch

from sclip.evaluation.evaluate import Evaluator
from sclip.training.compile import CompiledOrEager
from sclip.training.config import TrainConfig
from sclip.training.loop import train
from sclip.training.methods import ClipFineTuning
from tests.training.tiny_problem import data_and_eval, tiny_model


def run(compile: bool):
    model = tiny_model()
    data, val = data_and_eval()
    config = TrainConfig(
        epochs=3, paired_batch_size=8, lr=1e-2, warmup_steps=2, device="cpu", compile=compile
    )
    evaluator = Evaluator(model, val, templates=["{c}"])
    return train(model, data, config, ClipFineTuning(), evaluator, progress=False)


@pytest.mark.slow
def test_compiled_training_matches_eager():
    eager, compiled = run(compile=False), run(compile=True)
    for a, b in zip(eager.history, compiled.history, strict=True):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-4)
    for k, v in eager.state.items():
        torch.testing.assert_close(compiled.state[k], v, rtol=1e-4, atol=1e-5)


def test_a_backend_that_cannot_compile_falls_back_to_eager(monkeypatch, caplog):
    def broken(*args):
        raise RuntimeError("no C++ compiler found")

    monkeypatch.setattr(torch, "compile", lambda fn, **kw: broken)
    with caplog.at_level(logging.WARNING, logger="sclip.training.compile"):
        fallback = run(compile=True)
    assert "training eagerly" in caplog.text and "no C++ compiler" in caplog.text
    assert caplog.text.count("training eagerly") == 1  # warned once, then eager for good
    eager = run(compile=False)
    assert [h["loss"] for h in fallback.history] == [h["loss"] for h in eager.history]


def test_compile_must_be_a_boolean():
    with pytest.raises(ValueError, match="training.compile"):
        TrainConfig(compile="yes")


def test_compiled_or_eager_calls_through():
    calls = CompiledOrEager(lambda x: x + 1, "a test")
    assert calls(torch.tensor(1.0)).item() == 2.0
