"""Optimiser groups, the learning-rate schedule and the batch sampler."""

from __future__ import annotations

import pytest
import torch

from sclip.training.config import TrainConfig
from sclip.training.optim import cosine_with_warmup, make_optimizer
from sclip.training.sampler import PairedSampler


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(4, 4)
        self.norm = torch.nn.LayerNorm(4)
        self.logit_scale = torch.nn.Parameter(torch.tensor(2.0))


def test_no_weight_decay_on_gains_biases_norms_and_scale():
    model = Tiny()
    opt = make_optimizer(model, TrainConfig(weight_decay=0.2))
    decay = {id(p) for g in opt.param_groups if g["weight_decay"] > 0 for p in g["params"]}
    assert decay == {id(model.proj.weight)}


def test_tower_blocks_can_train_at_their_own_lr():
    from sclip.models import DualEncoder, ModelConfig
    from sclip.models.layers import Projection
    from tests.training.tiny_problem import Frozen

    g = torch.Generator().manual_seed(0)
    model = DualEncoder(
        ModelConfig(embed_dim=8, trainable_image="all", trainable_text="all"),
        [Frozen(6, 16, 1), Projection(16, 8, g)],
        [Frozen(6, 16, 2), Projection(16, 8, g)],
        tokenizer=None,
    )

    def lrs(config):
        groups = make_optimizer(model, config).param_groups
        return {id(p): group["lr"] for group in groups for p in group["params"]}

    assert set(lrs(TrainConfig(lr=1e-3)).values()) == {1e-3}
    by_param = lrs(TrainConfig(lr=1e-3, text_tower_lr=1e-4))
    for name, param in model.named_parameters():
        expected = 1e-4 if name.startswith("text_stages.0.") else 1e-3  # heads: stage 1
        assert by_param[id(param)] == expected, name
    with pytest.raises(ValueError, match="training.text_tower_lr.*positive number or null"):
        TrainConfig(text_tower_lr=0)


def test_cosine_schedule_with_warmup():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = cosine_with_warmup(opt, warmup_steps=2, total_steps=6)
    lrs = []
    for _ in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    # warm-up 0.5, 1.0; then cosine over 4 steps: 1, 0.854, 0.5, 0.146
    assert lrs == pytest.approx([0.5, 1.0, 1.0, 0.8535534, 0.5, 0.1464466], rel=1e-5)


def make_sampler(bp=2, bu=0, seed=0):
    captions_of = [
        torch.tensor([10, 11]),
        torch.tensor([12]),
        torch.tensor([13, 14, 15]),
        torch.tensor([16]),
        torch.tensor([17]),
    ]
    return PairedSampler(torch.arange(5), captions_of, torch.arange(100, 107), bp, bu, seed)


def test_sampler_epoch_covers_paired_images_with_their_captions():
    sampler = make_sampler()
    batches = list(sampler.epoch(0))
    assert len(batches) == len(sampler) == 2  # 5 images // 2, the incomplete batch dropped
    owner = {10: 0, 11: 0, 12: 1, 13: 2, 14: 2, 15: 2, 16: 3, 17: 4}
    seen = []
    for b in batches:
        assert [owner[c] for c in b.captions.tolist()] == b.paired_images.tolist()
        seen += b.paired_images.tolist()
    assert len(set(seen)) == 4


def test_sampler_is_seeded_per_epoch_and_draws_unpaired():
    a, b = make_sampler(bu=3), make_sampler(bu=3)
    ea, eb = list(a.epoch(3)), list(b.epoch(3))
    assert all(
        torch.equal(x.paired_images, y.paired_images)
        and torch.equal(x.captions, y.captions)
        and torch.equal(x.unpaired_images, y.unpaired_images)
        for x, y in zip(ea, eb, strict=True)
    )
    assert all(len(x.unpaired_images) == 3 and x.unpaired_images.min() >= 100 for x in ea)
    other = list(a.epoch(4))
    assert any(
        not torch.equal(x.paired_images, y.paired_images) for x, y in zip(ea, other, strict=True)
    )


def test_sampler_errors_name_the_parameter():
    with pytest.raises(ValueError, match="training.paired_batch_size"):
        make_sampler(bp=6)
    with pytest.raises(ValueError, match="training.unpaired_batch_size"):
        PairedSampler(
            torch.arange(2),
            [torch.tensor([0]), torch.tensor([1])],
            torch.empty(0, dtype=torch.long),
            2,
            4,
        )


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"epochs": 0}, "training.epochs"),
        ({"lr": -1}, "training.lr"),
        ({"select_metric": "acc"}, "training.select_metric"),
        ({"device": "tpu"}, "training.device"),
        ({"paired_batch_size": 1}, "training.paired_batch_size"),
        ({"precision": "fp16"}, "training.precision"),
    ],
)
def test_train_config_errors_name_the_parameter(params, name):
    with pytest.raises(ValueError, match=name):
        TrainConfig.from_params(params)


def test_unknown_training_parameter():
    with pytest.raises(ValueError, match="Unknown 'training' parameters"):
        TrainConfig.from_params({"epoch": 3})
