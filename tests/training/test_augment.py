"""training.feature_crop_scale: the reference's RandomResizedCrop on cached feature maps."""

from __future__ import annotations

import math

import pytest
import torch

from sclip.training.augment import crop_boxes, resized_crop, step_crops, step_generator
from sclip.training.batch import embed_batch
from sclip.training.config import TrainConfig
from sclip.training.loop import train
from sclip.training.methods import make_method
from sclip.training.sampler import Batch
from tests.training.dist_helpers import keyword_bank
from tests.training.tiny_problem import spatial_model, spatial_problem, tiny_config
from tests.training.tiny_problem import stop_after as stop_after_steps


def _sides(boxes):
    return boxes[:, 0, 0], boxes[:, 1, 1]


def test_boxes_are_drawn_as_torchvision_draws_them_and_stay_inside_the_map():
    boxes = crop_boxes(2000, 0.9, torch.Generator().manual_seed(0))
    width, height = _sides(boxes)
    area, ratio = width * height, width / height
    assert area.min() >= 0.9 - 1e-6 and area.max() <= 1 + 1e-6
    assert ratio.min() >= 3 / 4 - 1e-6 and ratio.max() <= 4 / 3 + 1e-6
    assert (boxes[:, 0, 2].abs() + width).max() <= 1 + 1e-6  # |centre| + half-side ≤ 1
    assert (boxes[:, 1, 2].abs() + height).max() <= 1 + 1e-6
    assert boxes[:, 0, 1].eq(0).all() and boxes[:, 1, 0].eq(0).all()  # no rotation
    again = crop_boxes(2000, 0.9, torch.Generator().manual_seed(0))
    assert torch.equal(boxes, again)  # the generator alone decides


def test_a_draw_that_does_not_fit_is_redrawn_or_falls_back_to_the_whole_map():
    # One try each: at area 1 any ratio but 1 overflows a side, so those rows take the map.
    boxes = crop_boxes(500, 0.999, torch.Generator().manual_seed(1), tries=1)
    width, height = _sides(boxes)
    whole = (width == 1) & (height == 1)
    assert whole.sum() > 100  # most draws at area ~1 do not fit
    assert ((width <= 1) & (height <= 1)).all()
    redrawn = crop_boxes(500, 0.999, torch.Generator().manual_seed(1), tries=10)
    assert (_sides(redrawn)[0] * _sides(redrawn)[1]).min() >= 0.999 - 1e-6


def test_the_identity_box_keeps_the_map_and_a_left_half_box_samples_the_left_half():
    maps = torch.randn(3, 5, 14, 14)
    identity = torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]).expand(3, 2, 3)
    torch.testing.assert_close(resized_crop(maps, identity), maps, atol=1e-5, rtol=0)
    columns = torch.arange(14.0).expand(1, 1, 14, 14)  # value = column index
    left = torch.tensor([[[0.5, 0, -0.5], [0, 1.0, 0]]])  # x in [-1, 0]: columns 0..7
    out = resized_crop(columns, left)
    assert out.max() <= 6.5 + 1e-5 and out.min() >= 0  # the left half's centres, stretched
    assert resized_crop(maps.bfloat16(), identity).dtype == torch.bfloat16


def test_pooled_states_and_bad_scales_are_clear_errors():
    with pytest.raises(ValueError, match=r"feature_crop_scale crops spatial .* shape \(4, 6\)"):
        resized_crop(torch.zeros(4, 6), crop_boxes(4, 0.9, torch.Generator()))
    for bad in (0, 1.5, True, "0.9"):
        with pytest.raises(ValueError, match="'training.feature_crop_scale' must be null or"):
            TrainConfig(feature_crop_scale=bad)
    assert "feature_crop_scale" not in TrainConfig().identity()  # old checkpoints keep names
    assert TrainConfig(feature_crop_scale=0.9).identity()["feature_crop_scale"] == 0.9
    for bad in (0, "false", None):
        with pytest.raises(ValueError, match="'training.feature_crop_paired' must be true or"):
            TrainConfig(feature_crop_scale=0.9, feature_crop_paired=bad)
    with pytest.raises(ValueError, match="'training.feature_crop_scale' is null"):
        TrainConfig(feature_crop_paired=False)  # nothing to keep off the paired images
    assert "feature_crop_paired" not in TrainConfig(feature_crop_scale=0.9).identity()
    unpaired_only = TrainConfig(feature_crop_scale=0.9, feature_crop_paired=False).identity()
    assert unpaired_only["feature_crop_paired"] is False  # a run of its own


def test_unpaired_only_crops_leave_the_paired_images_whole_and_the_unpaired_boxes_as_they_were():
    data, model = spatial_problem(), spatial_model()
    batch = Batch(torch.tensor([0, 3, 5, 8]), torch.tensor([1, 12, 22, 33]), torch.tensor([40, 47]))
    both = step_crops(0.3, 0, 1, 2, batch)
    paired_whole = step_crops(0.3, 0, 1, 2, batch, paired=False)
    assert paired_whole[0] is None and torch.equal(paired_whole[1], both[1])
    cpu = torch.device("cpu")
    with torch.no_grad():
        plain, cropped, unpaired_only = (
            embed_batch(model, data, batch, cpu, crops=c) for c in (None, both, paired_whole)
        )
    torch.testing.assert_close(unpaired_only.paired_images, plain.paired_images)
    torch.testing.assert_close(unpaired_only.unpaired_images, cropped.unpaired_images)
    assert not torch.allclose(cropped.paired_images, plain.paired_images)
    assert not torch.allclose(cropped.unpaired_images, plain.unpaired_images)


def test_steps_get_their_own_generators():
    draw = [crop_boxes(4, 0.5, step_generator(0, e, s)) for e, s in ((0, 0), (0, 1), (1, 0))]
    assert not torch.equal(draw[0], draw[1]) and not torch.equal(draw[0], draw[2])
    assert torch.equal(draw[1], crop_boxes(4, 0.5, step_generator(0, 0, 1)))


def test_crops_change_training_and_a_killed_run_resumes_to_the_same_result(tmp_path):
    data = spatial_problem()

    def run(checkpoint_dir=None, stop_after=None, scale=0.5, paired=True):
        method = make_method("s_clip", keywords=keyword_bank())
        if stop_after is not None:
            stop_after_steps(method, stop_after)
        config = tiny_config(feature_crop_scale=scale, feature_crop_paired=paired)
        return train(spatial_model(), data, config, method, None, checkpoint_dir, progress=False)

    cropped, plain, unpaired_only = run(), run(scale=None), run(paired=False)
    assert all(math.isfinite(row["loss"]) for row in cropped.history)
    final = [r.history[-1]["loss"] for r in (cropped, plain, unpaired_only)]
    assert final[0] != pytest.approx(final[1])
    assert final[2] != pytest.approx(final[0]) and final[2] != pytest.approx(final[1])
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, stop_after=4 + 2)  # 4 steps per epoch: killed in epoch 2, step 3
    resumed = run(tmp_path)
    assert resumed.resumed_from is not None
    for a, b in zip(cropped.history, resumed.history, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-6)
    for k, v in cropped.state.items():
        torch.testing.assert_close(resumed.state[k], v)
