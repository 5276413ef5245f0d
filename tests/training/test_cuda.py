"""The training loop on a CUDA device, each method against the same run on the CPU. Skipped
where there is no GPU (CI); on a GPU machine: `pytest tests/training/test_cuda.py`."""

from __future__ import annotations

import socket

import pytest
import torch

from sclip.evaluation.evaluate import Evaluator
from sclip.models import build_model
from sclip.training.config import TrainConfig
from sclip.training.distributed import DistributedConfig, launch
from sclip.training.loop import train
from sclip.training.methods import METHODS, make_method
from sclip.training.worker import train_worker
from tests.training.dist_helpers import keyword_bank
from tests.training.tiny_problem import data_and_eval, tiny_model

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture(autouse=True)
def exact_fp32():
    # TF32 products would differ from the CPU's fp32 by ~1e-3 relative and drift over steps.
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32 = before


def method(name):
    return make_method(name, keywords=keyword_bank()) if name == "s_clip" else make_method(name)


def config(device, precision="fp32", epochs=3, select_metric="mean_recall_one"):
    return TrainConfig(
        epochs=epochs,
        paired_batch_size=8,
        unpaired_batch_size=8,
        lr=1e-2,
        warmup_steps=2,
        device=device,
        select_metric=select_metric,
        precision=precision,
    )


def run(device, name, precision="fp32", epochs=3, checkpoint_dir=None, stop_after=None):
    """Train the tiny problem; with stop_after, interrupt at that many steps (4 per epoch)."""
    model, algorithm = tiny_model(), method(name)
    if stop_after is not None:
        losses, calls = algorithm.losses, []

        def interrupted(*args):
            calls.append(1)
            if len(calls) > stop_after:
                raise KeyboardInterrupt
            return losses(*args)

        algorithm.losses = interrupted
    data, val = data_and_eval()
    evaluator = Evaluator(model.to(device), val, ["{c}"], device=device)
    result = train(
        model, data, config(device, precision, epochs), algorithm, evaluator,
        checkpoint_dir, progress=False,
    )  # fmt: skip
    return model, result


@pytest.mark.parametrize("name", sorted(METHODS))
def test_each_method_trains_on_cuda_as_on_the_cpu(name):
    _, cpu = run("cpu", name)
    model, gpu = run("cuda", name)
    assert all(p.device.type == "cuda" for p in model.parameters())
    assert gpu.selected_epoch == cpu.selected_epoch
    for a, b in zip(cpu.history, gpu.history, strict=True):
        for key in ("loss", "contrastive", "caption", "keyword", "val_mean_recall_one"):
            if key in a:
                assert b[key] == pytest.approx(a[key], rel=1e-3, abs=1e-3), (key, a, b)
    for key, value in cpu.state.items():  # the returned state is on the CPU either way
        assert gpu.state[key].device.type == "cpu"
        torch.testing.assert_close(gpu.state[key], value, rtol=1e-3, atol=1e-4)


def test_bf16_on_cuda_learns_and_keeps_fp32_weights():
    model, result = run("cuda", "s_clip", precision="bf16", epochs=6)
    first, best = result.history[0], max(h["val_mean_recall_one"] for h in result.history)
    assert result.history[-1]["loss"] < first["loss"]
    assert best > first["val_mean_recall_one"]
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_cuda_run_resumes_to_the_same_result(tmp_path):
    _, straight = run("cuda", "s_clip", epochs=3)
    with pytest.raises(KeyboardInterrupt):  # killed during epoch 3: epoch 2's checkpoint
        run("cuda", "s_clip", epochs=3, checkpoint_dir=tmp_path, stop_after=2 * 4 + 1)
    _, resumed = run("cuda", "s_clip", epochs=3, checkpoint_dir=tmp_path)
    assert resumed.resumed_from == {"epoch": 2, "step": 0}
    assert resumed.history[-1]["loss"] == pytest.approx(straight.history[-1]["loss"], rel=1e-5)
    for key, value in straight.state.items():
        torch.testing.assert_close(resumed.state[key], value)


def test_hf_clip_all_trainable_on_cuda(tiny_clip_dir):
    from sclip.features import encode_texts

    params = {
        "backbone": "hf_clip",
        "checkpoint": str(tiny_clip_dir),
        "image_size": 32,
        "trainable": "all",
    }
    cpu_model, gpu_model = build_model(params).eval(), build_model(params).eval().to("cuda")
    captions = ["a plane on a runway", "a river near farmland", "storage tanks"]
    pixels = torch.randint(0, 256, (3, 3, 32, 32), dtype=torch.uint8)
    with torch.no_grad():
        torch.testing.assert_close(
            gpu_model.encode_image(pixels.cuda()).cpu(), cpu_model.encode_image(pixels),
            rtol=1e-4, atol=1e-5,
        )  # fmt: skip
        text = encode_texts(cpu_model, captions, progress=False)  # stage 0: the tokens
        torch.testing.assert_close(
            gpu_model.encode_text({k: v.cuda() for k, v in text.items()}).cpu(),
            cpu_model.encode_text(text),
            rtol=1e-4, atol=1e-5,
        )  # fmt: skip


def test_nccl_worker_trains_like_the_single_process_loop():
    """One rank through torch's elastic launcher and NCCL (the path of `distributed.*`
    parameters on a GPU machine) ends at the single-process loop's weights."""
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    processes = DistributedConfig(
        nproc_per_node=1, rdzv_endpoint=f"localhost:{port}", backend="nccl"
    )
    data, _ = data_and_eval()
    train_config = config("cuda", select_metric="last")  # no evaluator: the last epoch
    single = train(tiny_model(), data, train_config, method("s_clip"), None, progress=False)
    result = launch(
        processes, train_worker, tiny_model, data, train_config, method("s_clip"), None,
        ["{c}"], 0, None, 0, "nccl",
    )  # fmt: skip
    for key, value in single.state.items():
        torch.testing.assert_close(result.state[key], value, rtol=1e-5, atol=1e-6)
