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


def test_step_phases_split_each_methods_step_and_time_s_clips_target(step_speed):
    phases = step_speed.step_phases(rounds=2, n=64)
    assert set(phases) == {"clip_ft", "s_clip"}
    for ms in phases.values():
        assert {"embed_ms", "losses_ms", "backward_ms", "optimizer_ms"} <= set(ms)
        assert all(v > 0 for v in ms.values())
    assert "ot_ms" in phases["s_clip"]
    assert "ot_ms" not in phases["clip_ft"]
