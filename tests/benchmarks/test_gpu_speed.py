"""The GPU benchmark runs end to end (on the CPU here, at a tiny batch), stores the device and
date with its figures, keeps the other figures of the file, and finds the device's peak."""

from __future__ import annotations

import json

import pytest

from tests.benchmarks.conftest import load_script


@pytest.fixture(scope="module")
def gpu_speed():
    return load_script("gpu_speed")


@pytest.mark.parametrize(
    ("name", "peak"),
    [("NVIDIA H200", 989.0), ("NVIDIA H100 PCIe", 756.0), ("NVIDIA A100-SXM4-80GB", 312.0)],
)
def test_peak_by_device_name(gpu_speed, name, peak):
    assert gpu_speed.peak_tflops(name) == peak


def test_unknown_device_has_no_peak(gpu_speed):
    assert gpu_speed.peak_tflops("Some Future GPU") is None


def test_smoke_run_on_cpu_merges_into_the_results(gpu_speed, tmp_path):
    out = tmp_path / "speed.json"
    out.write_text(json.dumps({"embedding_ratio": 1.0, "gpu_train_step_note": "an old run's"}))
    args = ["--device", "cpu", "--batch-size", "2", "--steps", "1", "--warmup", "0"]
    args += ["--attentions", "eager"]  # sdpa's steps: the same code with another kernel
    assert gpu_speed.main([*args, "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["embedding_ratio"] == 1.0  # figures of other scripts are kept
    assert "gpu_train_step_note" not in result  # an earlier GPU run's are not
    assert result["gpu_device"] == "cpu" and result["gpu_date"]
    assert result["gpu_images_per_s_bf16"] > 0 and result["gpu_images_per_s_fp32"] > 0
    # ViT-B/32's forward is ~9 GFLOPs an image (4.4 G multiply-adds), the text tower's ~6 at
    # 77 tokens; backward twice the forward: ~45 GFLOPs a pair.
    assert 20e-3 < result["gpu_step_tflop"] / 2 < 80e-3
    assert result["gpu_peak_fraction"] is None  # no peak known for a CPU
    # the project's own s_clip and clip_ft steps on the same model, side by side
    assert result["gpu_train_step_batch_size"] == 2
    assert result["gpu_s_clip_step_s"] > 0 and result["gpu_clip_ft_step_s"] > 0
    assert result["gpu_train_step_ratio"] > 0
    phases = result["gpu_train_step_phases"]
    assert set(phases["clip_ft"]) == {"embed_ms", "losses_ms", "backward_ms", "optimizer_ms"}
    assert set(phases["s_clip"]) == set(phases["clip_ft"]) | {"ot_ms"}  # the OT was timed
    assert all(v > 0 for p in phases.values() for v in p.values())


def test_cuda_requested_without_a_gpu_is_a_clear_error(gpu_speed, monkeypatch):
    monkeypatch.setattr(gpu_speed.torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit):
        gpu_speed.main(["--device", "cuda"])
