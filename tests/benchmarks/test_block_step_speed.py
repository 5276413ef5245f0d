"""block_step_speed.py's figures: positive, and the FLOP count exact."""

from __future__ import annotations

import pytest
import torch

from tests.benchmarks.conftest import load_script


@pytest.fixture(scope="module")
def step_speed():
    return load_script("step_speed")


@pytest.fixture(scope="module")
def block_step_speed():
    return load_script("block_step_speed")


def test_step_gflop_is_three_forwards_of_the_trained_stages(block_step_speed, step_speed):
    """Heads only: the trained stage is the projection, 2·in·out FLOPs an image forward."""
    from sclip.training.sampler import Batch

    model, data, _ = step_speed._step_setup({"image": "heads", "text": "heads"}, 64, n=8)
    batch = Batch(torch.arange(2), torch.arange(2), torch.arange(4, 8))
    head = model.image_stages[-1].proj
    expected = 3 * 6 * 2 * head.in_features * head.out_features / 1e9
    assert block_step_speed.step_gflop(model, data, batch, torch.device("cpu")) == pytest.approx(
        expected
    )


def test_matmul_rate_is_a_positive_rate(block_step_speed):
    rate = block_step_speed.matmul_rate(torch.device("cpu"), size=64, repeats=2)
    assert set(rate) == {"matmul_fp32_gflops"} and 0 < rate["matmul_fp32_gflops"] < 1e6


def test_conv_share_is_the_convolutions_part_of_a_step(block_step_speed):
    conv = torch.nn.Conv2d(8, 8, 3).requires_grad_(True)
    x = torch.randn(4, 8, 16, 16)
    share = block_step_speed.conv_share(lambda: conv(x).sum().backward())
    assert 0.0 < share < 1.0
    assert block_step_speed.conv_share(lambda: (x * 2).sum()) == 0.0  # no convolution


def test_paired_bank_step_times_both_steps_side_by_side(block_step_speed):
    figures = block_step_speed.paired_bank_step(1, paired=8, image_size=64, batch=(4, 8))
    assert figures["paired_bank_slots"] == 8
    assert figures["paired_bank_step_s"] > 0 and figures["paired_bank_in_batch_step_s"] > 0
    assert figures["paired_bank_step_ratio"] > 0


def test_pool_backward_times_both_poolings_of_the_real_head(block_step_speed):
    figures = block_step_speed.pool_backward(2, batch=4)
    assert figures["pool_backward_batch"] == 4
    assert figures["pool_backward_mean_s"] > 0 and figures["pool_backward_spatial_mean_s"] > 0
    assert figures["pool_backward_speedup"] > 0
