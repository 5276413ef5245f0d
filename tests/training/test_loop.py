"""The training loop on a small synthetic problem: it learns, selects on val, checkpoints
every epoch, resumes to the same result, and stops clearly on a non-finite loss."""

from __future__ import annotations

import pytest
import torch

from sclip.evaluation.evaluate import Evaluator
from sclip.training.config import TrainConfig
from sclip.training.loop import train
from sclip.training.methods import ClipFineTuning
from tests.training.tiny_problem import data_and_eval, tiny_model


def run(epochs, checkpoint_dir=None, lr=1e-2, select_metric="mean_recall_one", precision="fp32"):
    model = tiny_model()
    data, val = data_and_eval()
    config = TrainConfig(
        epochs=epochs,
        paired_batch_size=8,
        lr=lr,
        warmup_steps=2,
        device="cpu",
        select_metric=select_metric,
        precision=precision,
    )
    evaluator = Evaluator(model, val, templates=["{c}"])
    before = evaluator(model)
    result = train(model, data, config, ClipFineTuning(), evaluator, checkpoint_dir, progress=False)
    return model, result, before


def test_training_learns_and_selects_on_val():
    _, result, before = run(epochs=6)
    history = result.history
    assert [h["epoch"] for h in history] == list(range(1, 7))
    assert history[-1]["loss"] < history[0]["loss"]
    best = max(h["val_mean_recall_one"] for h in history)
    assert best > before["mean_recall_one"] + 10
    chosen = history[result.selected_epoch - 1]["val_mean_recall_one"]
    assert chosen == best
    # only the trainable part is returned: the two projections and the temperature
    assert set(result.state) == {
        "logit_scale",
        "image_stages.1.proj.weight",
        "text_stages.1.proj.weight",
    }


def test_bf16_embeds_close_to_fp32_and_learns_as_well():
    from sclip.training.batch import embed_batch
    from sclip.training.sampler import PairedSampler

    model = tiny_model()
    data, _ = data_and_eval()
    sampler = PairedSampler(data.paired_images, data.captions_of, data.unpaired_images, 8, 8, 0)
    batch = next(iter(sampler.epoch(0)))
    cpu = torch.device("cpu")
    full, half = (embed_batch(model, data, batch, cpu, precision=p) for p in ("fp32", "bf16"))
    for a, b in (
        (full.paired_images, half.paired_images),
        (full.unpaired_images, half.unpaired_images),
    ):
        assert b.dtype == torch.float32  # the losses and the OT see fp32
        assert not torch.equal(a, b)  # autocast did run the towers in bf16
        torch.testing.assert_close(b, a, rtol=0.05, atol=0.05)

    model, result, before = run(epochs=6, precision="bf16")
    best = max(h["val_mean_recall_one"] for h in result.history)
    assert best > before["mean_recall_one"] + 10
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_selection_eval_runs_the_towers_in_the_training_precision(monkeypatch):
    """The per-epoch val pass only picks the epoch: its towers run under the training
    precision's autocast, while the similarities behind the metrics stay fp32 (bf16 ranks
    would tie)."""
    import sclip.evaluation.evaluate as evaluate_module

    towers, products = [], []
    embed, recall = evaluate_module.embed, evaluate_module.retrieval_recall

    def spy_embed(model, tower, *args, **kwargs):
        towers.append(torch.is_autocast_enabled("cpu"))
        return embed(model, tower, *args, **kwargs)

    def spy_recall(img, txt, *args):
        products.append((img @ txt.T).dtype)
        return recall(img, txt, *args)

    monkeypatch.setattr(evaluate_module, "embed", spy_embed)
    monkeypatch.setattr(evaluate_module, "retrieval_recall", spy_recall)
    for precision, autocast in (("fp32", False), ("bf16", True)):
        towers.clear()
        products.clear()
        model = tiny_model()
        data, val = data_and_eval()
        config = TrainConfig(epochs=1, paired_batch_size=8, device="cpu", precision=precision)
        evaluator = Evaluator(model, val, templates=["{c}"])
        result = train(model, data, config, ClipFineTuning(), evaluator, progress=False)
        assert towers and set(towers) == {autocast}
        assert set(products) == {torch.float32}
        # bf16 towers: close to the fp32 metrics of the same weights
        fp32 = evaluator(model)
        assert abs(result.history[0]["val_mean_recall_one"] - fp32["mean_recall_one"]) < 10


def test_frozen_stages_do_not_change():
    model, _, _ = run(epochs=2)
    fresh = tiny_model()
    torch.testing.assert_close(model.image_stages[0].lin.weight, fresh.image_stages[0].lin.weight)


def test_resume_continues_to_the_same_result(tmp_path):
    from sclip.training.checkpoint import load_checkpoint

    _, full, _ = run(epochs=4, checkpoint_dir=tmp_path / "a")
    # A 4-epoch run interrupted during epoch 3 leaves the epoch-2 checkpoint behind.
    part_dir = tmp_path / "c"
    model = tiny_model()
    data, val = data_and_eval()
    config = TrainConfig(
        epochs=4,
        paired_batch_size=8,
        lr=1e-2,
        warmup_steps=2,
        device="cpu",
        select_metric="mean_recall_one",
    )
    evaluator = Evaluator(model, val, templates=["{c}"])

    class StopAfterTwo(ClipFineTuning):
        calls = 0

        def losses(self, model, step):
            StopAfterTwo.calls += 1
            if StopAfterTwo.calls > 2 * 4:  # 4 steps per epoch
                raise KeyboardInterrupt
            return super().losses(model, step)

    with pytest.raises(KeyboardInterrupt):
        train(model, data, config, StopAfterTwo(), evaluator, part_dir, progress=False)
    ckpt = load_checkpoint(part_dir / "last.pt")
    assert ckpt["epoch"] == 2
    _, resumed, _ = run(epochs=4, checkpoint_dir=part_dir)
    _, again, _ = run(epochs=4, checkpoint_dir=part_dir)  # finished: returns the stored result
    assert again.history == resumed.history
    assert full.resumed_from is None
    assert resumed.resumed_from == {"epoch": 2, "step": 0}
    assert again.resumed_from == {"epoch": 4, "step": 0}
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4]
    for a, b in zip(full.history, resumed.history, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
        assert a["val_mean_recall_one"] == pytest.approx(b["val_mean_recall_one"])
    for k in full.state:
        torch.testing.assert_close(full.state[k], resumed.state[k])


def test_non_finite_loss_stops_with_a_clear_message(tmp_path):
    model = tiny_model()
    data, val = data_and_eval()
    config = TrainConfig(epochs=3, paired_batch_size=8, lr=1e-2, warmup_steps=0, device="cpu")

    class Explodes(ClipFineTuning):
        calls = 0

        def losses(self, model, step):
            Explodes.calls += 1
            out = super().losses(model, step)
            if Explodes.calls > 4:
                out["contrastive"] = out["contrastive"] * float("nan")
            return out

    with pytest.raises(FloatingPointError, match="training.lr"):
        train(model, data, config, Explodes(), None, tmp_path, progress=False)
    assert (tmp_path / "last.pt").exists()  # epoch 1's checkpoint survives


def test_steps_run_with_freed_memory_kept_and_the_scope_ends_on_error(monkeypatch):
    import contextlib

    import sclip.training.loop as loop

    scope = {"open": False, "entered": 0, "steps_inside": 0, "steps": 0}

    @contextlib.contextmanager
    def recording():
        scope["open"], scope["entered"] = True, scope["entered"] + 1
        try:
            yield
        finally:
            scope["open"] = False

    class Counts(ClipFineTuning):
        def losses(self, model, step):
            scope["steps"] += 1
            scope["steps_inside"] += scope["open"]
            if scope["steps"] == 3:
                raise RuntimeError("stop here")
            return super().losses(model, step)

    monkeypatch.setattr(loop, "freed_memory_kept", recording)
    data, _ = data_and_eval()
    config = TrainConfig(epochs=2, paired_batch_size=8, lr=1e-2, warmup_steps=0, device="cpu")
    with pytest.raises(RuntimeError, match="stop here"):
        train(tiny_model(), data, config, Counts(), None, progress=False)
    assert scope == {"open": False, "entered": 1, "steps_inside": 3, "steps": 3}


def test_select_last_keeps_the_final_epoch():
    model, result, _ = run(epochs=3, select_metric="last")
    assert result.selected_epoch == 3
    for k, v in model.trainable_state().items():
        torch.testing.assert_close(result.state[k], v)


def test_sigkill_mid_epoch_then_same_command_resumes_to_the_same_result(tmp_path):
    """A real process killed with SIGKILL mid-epoch; the same command run again resumes from
    the last every-3-steps checkpoint and ends where an uninterrupted run ends."""
    import json
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from sclip.training.checkpoint import load_checkpoint

    repo = Path(__file__).resolve().parents[2]
    ckpt_dir, out = tmp_path / "ckpt", tmp_path / "out.json"
    cmd = [sys.executable, "-m", "tests.training.resume_worker", str(ckpt_dir), str(out)]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    proc = subprocess.Popen([*cmd, "0.3"], cwd=repo, env=env, stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.strip() == "step 7":  # steps 1–6 done; checkpoint at step 6 = epoch 2, step 2
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    ckpt = load_checkpoint(ckpt_dir / "last.pt")
    assert (ckpt["epoch"], ckpt["step_in_epoch"]) == (1, 2)
    assert not [p for p in ckpt_dir.iterdir() if p.name != "last.pt"]  # no temp files left

    subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True, timeout=120)
    resumed = json.loads(out.read_text())

    from tests.training.resume_worker import run as uninterrupted

    full = uninterrupted(None)
    assert [h["epoch"] for h in resumed["history"]] == [1, 2, 3, 4]
    for a, b in zip(full.history, resumed["history"], strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
        assert a["val_mean_recall_one"] == pytest.approx(b["val_mean_recall_one"])
    for k, v in full.state.items():
        torch.testing.assert_close(v, torch.tensor(resumed["state"][k]), rtol=1e-5, atol=1e-6)


def test_checkpoint_of_another_model_is_refused(tmp_path):
    from dataclasses import replace

    from sclip.training.checkpoint import load_checkpoint, save_checkpoint

    run(epochs=1, checkpoint_dir=tmp_path)
    ckpt = load_checkpoint(tmp_path / "last.pt")
    other = replace(tiny_model().config, backbone="hf_clip", checkpoint="some/dir").to_dict()
    save_checkpoint({**ckpt, "model_config": other}, tmp_path / "last.pt")
    with pytest.raises(ValueError, match=r"another model.*backbone.*hf_clip"):
        run(epochs=2, checkpoint_dir=tmp_path)


def test_corrupt_checkpoint_names_the_file(tmp_path):
    (tmp_path / "last.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"last\.pt is damaged"):
        run(epochs=1, checkpoint_dir=tmp_path)


class ScriptedVal:
    """A val 'evaluation' that returns the given scores, epoch after epoch, and counts calls."""

    def __init__(self, scores):
        self.scores, self.calls = list(scores), 0

    def __call__(self, model):
        self.calls += 1
        return {"zero_shot_top1": self.scores[self.calls - 1]}


def patient_run(scores, patience, epochs, checkpoint_dir=None):
    data, _ = data_and_eval()
    config = TrainConfig(
        epochs=epochs, paired_batch_size=8, lr=1e-2, device="cpu", patience=patience
    )
    val = ScriptedVal(scores)
    result = train(tiny_model(), data, config, ClipFineTuning(), val, checkpoint_dir, False)
    return result, val


def test_patience_stops_after_that_many_epochs_without_a_better_val_score(tmp_path):
    scores = [1, 3, 2, 3, 2, 9, 9, 9]  # best at epoch 2; 3, 4 and 5 are not better (a tie isn't)
    result, val = patient_run(scores, patience=3, epochs=8, checkpoint_dir=tmp_path)
    assert [h["epoch"] for h in result.history] == [1, 2, 3, 4, 5]
    assert val.calls == 5 and result.selected_epoch == 2
    # The stopped run is a prefix of the full one: same batches, same lr schedule.
    full, _ = patient_run(scores, patience=None, epochs=8)
    assert full.selected_epoch == 6
    for a, b in zip(result.history, full.history[:5], strict=True):
        assert (a["loss"], a["lr"]) == pytest.approx((b["loss"], b["lr"]))
    # Run again: the checkpoint had already run out of patience, so nothing more trains.
    again, val = patient_run(scores, patience=3, epochs=8, checkpoint_dir=tmp_path)
    assert val.calls == 0 and again.resumed_from == {"epoch": 5, "step": 0}
    assert again.selected_epoch == 2 and len(again.history) == 5
    for k in result.state:
        torch.testing.assert_close(again.state[k], result.state[k])


def test_patience_never_stops_a_run_that_keeps_improving():
    result, val = patient_run([1, 2, 3, 4], patience=1, epochs=4)
    assert len(result.history) == 4 and result.selected_epoch == 4


@pytest.mark.parametrize("value", [0, -1, 2.5, "3", True])
def test_bad_patience_is_named(value):
    with pytest.raises(ValueError, match=r"training\.patience.*integer >= 1 or null"):
        TrainConfig(patience=value)


def test_patience_needs_a_val_score():
    with pytest.raises(ValueError, match=r"training\.patience.*'last'"):
        TrainConfig(patience=2, select_metric="last")
    data, _ = data_and_eval()
    config = TrainConfig(epochs=2, paired_batch_size=8, device="cpu", patience=2)
    with pytest.raises(ValueError, match=r"training\.patience.*no val"):
        train(tiny_model(), data, config, ClipFineTuning(), None, None, False)


def test_patience_off_keeps_older_runs_checkpoint_folders():
    config = TrainConfig(epochs=3)
    assert "patience" not in config.identity()
    later = ("patience", "feature_crop_scale", "feature_crop_paired")  # added later, at defaults
    assert config.identity() == {k: v for k, v in config.to_dict().items() if k not in later}
    assert TrainConfig(epochs=3, patience=2).identity()["patience"] == 2
