"""speed.py's training-step rounds draw batches as training does."""

from __future__ import annotations

import pytest
import torch

from sclip.training.batch import TrainData
from tests.benchmarks.conftest import load_script


@pytest.fixture(scope="module")
def step_speed():
    return load_script("step_speed")


def test_each_round_draws_new_batches_with_the_same_images_per_step(step_speed):
    captions_of = [torch.tensor([10 * i, 10 * i + 1]) for i in range(8)]
    data = TrainData(None, 0, None, 0, torch.arange(8), captions_of, torch.arange(8, 16))
    clip_ft, s_clip = step_speed.step_batches(data, count=5, size=4)
    assert len(clip_ft) == len(s_clip) == 5
    for full, mixed in zip(clip_ft, s_clip, strict=True):
        assert len(full.paired_images) == 4 and len(full.unpaired_images) == 0
        assert len(mixed.paired_images) + len(mixed.unpaired_images) == 4  # same images/step
        assert torch.equal(mixed.paired_images, full.paired_images[:2])
        assert set(mixed.unpaired_images.tolist()) <= set(range(8, 16))
        for image, caption in zip(full.paired_images, full.captions, strict=True):
            assert int(caption) in captions_of[int(image)].tolist()  # a caption of its image
    assert len({tuple(b.unpaired_images.tolist()) for b in s_clip}) > 1  # not one batch


def test_step_gflop_is_three_forwards_of_the_trained_stages(step_speed):
    """Heads only: the trained stage is the projection, 2·in·out FLOPs an image forward."""
    from sclip.training.sampler import Batch

    model, data, _ = step_speed._step_setup({"image": "heads", "text": "heads"}, 64, n=8)
    batch = Batch(torch.arange(2), torch.arange(2), torch.arange(4, 8))
    head = model.image_stages[-1].proj
    expected = 3 * 6 * 2 * head.in_features * head.out_features / 1e9
    assert step_speed.step_gflop(model, data, batch, torch.device("cpu")) == pytest.approx(expected)


def test_matmul_rate_is_a_positive_rate(step_speed):
    rate = step_speed.matmul_rate(torch.device("cpu"), size=64, repeats=2)
    assert set(rate) == {"matmul_fp32_gflops"} and 0 < rate["matmul_fp32_gflops"] < 1e6


def test_conv_share_is_the_convolutions_part_of_a_step(step_speed):
    conv = torch.nn.Conv2d(8, 8, 3).requires_grad_(True)
    x = torch.randn(4, 8, 16, 16)
    share = step_speed.conv_share(lambda: conv(x).sum().backward())
    assert 0.0 < share < 1.0
    assert step_speed.conv_share(lambda: (x * 2).sum()) == 0.0  # no convolution


def test_paired_bank_step_times_both_steps_side_by_side(step_speed):
    figures = step_speed.paired_bank_step(1, paired=8, image_size=64, batch=(4, 8))
    assert figures["paired_bank_slots"] == 8
    assert figures["paired_bank_step_s"] > 0 and figures["paired_bank_in_batch_step_s"] > 0
    assert figures["paired_bank_step_ratio"] > 0


def test_step_phases_split_each_methods_step_and_time_s_clips_target(step_speed):
    phases = step_speed.step_phases(rounds=2, n=64)
    assert set(phases) == {"clip_ft", "s_clip"}
    for ms in phases.values():
        assert {"embed_ms", "losses_ms", "backward_ms", "optimizer_ms"} <= set(ms)
        assert all(v > 0 for v in ms.values())
    assert "ot_ms" in phases["s_clip"]
    assert "ot_ms" not in phases["clip_ft"]


def test_pool_backward_times_both_poolings_of_the_real_head(step_speed):
    figures = step_speed.pool_backward(2, batch=4)
    assert figures["pool_backward_batch"] == 4
    assert figures["pool_backward_mean_s"] > 0 and figures["pool_backward_spatial_mean_s"] > 0
    assert figures["pool_backward_speedup"] > 0
