"""The methods' per-step losses, assembled from the library pieces as the paper states."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from sclip.pseudo_labels.ot import caption_targets
from sclip.training.losses import (
    caption_loss,
    caption_text_loss,
    contrastive_loss,
    keyword_loss,
)
from sclip.training.methods import KeywordBank, StepInputs, make_method
from tests.training.tiny_problem import tiny_model


def step_inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    x, y, u = (torch.randn(n, 8, generator=g, requires_grad=True) for n in (4, 4, 6))
    return StepInputs(x, y, u, caption_rows=torch.tensor([2, 0, 3, 1]))


def test_clip_ft_is_the_plain_contrastive_loss():
    model, step = tiny_model(), step_inputs()
    out = make_method("clip_ft").losses(model, step)
    assert set(out) == {"contrastive"}
    torch.testing.assert_close(
        out["contrastive"], contrastive_loss(step.paired_images, step.captions, model.scale)
    )


@pytest.mark.parametrize("name", ["hard_pl", "soft_pl", "s_clip"])
def test_pseudo_label_methods_use_unpaired_images_as_negatives(name):
    model, step = tiny_model(), step_inputs()
    out = make_method(name).losses(model, step)
    expected = contrastive_loss(
        step.paired_images, step.captions, model.scale, step.unpaired_images
    )
    torch.testing.assert_close(out["contrastive"], expected)


def test_s_clip_losses_match_the_paper():
    model, step = tiny_model(), step_inputs()
    keywords = torch.randn(5, 6)  # states entering text stage 0 of the tiny model
    candidates = torch.zeros(4, 5, dtype=torch.bool)  # per paired caption ROW
    candidates[0, [1, 2]] = True
    candidates[2, 4] = True
    method = make_method("s_clip", keywords=KeywordBank(keywords, 0, candidates))
    out = method.losses(model, step)
    s = model.scale
    x, y, u = (
        F.normalize(t, dim=-1) for t in (step.paired_images, step.captions, step.unpaired_images)
    )
    plan = caption_targets(u, x, epsilon=1 / s.item())
    torch.testing.assert_close(
        out["caption"], 0.5 * caption_loss(step.unpaired_images, step.captions, s, plan)
    )
    # keyword candidates come from the caption of each unpaired image's nearest paired image
    nearest = plan.argmax(dim=1)
    cand = candidates[step.caption_rows[nearest]]
    k = model.encode_text(keywords, 0)
    torch.testing.assert_close(out["keyword"], 0.5 * keyword_loss(step.unpaired_images, k, s, cand))
    total = sum(out.values())
    total.backward()
    # gradients reach the projection heads through every loss
    assert model.text_stages[1].proj.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("name", ["hard_pl", "soft_pl", "s_clip"])
def test_caption_loss_in_both_directions_is_an_option(name):
    model, step = tiny_model(), step_inputs()
    method = make_method(name, caption_both_directions=True)
    out = method.losses(model, step)
    plan, s = method.last_targets, model.scale
    u, y = step.unpaired_images, step.captions
    both = 0.5 * (caption_loss(u, y, s, plan) + caption_text_loss(y, u, s, plan))
    torch.testing.assert_close(out["caption"], 0.5 * both)
    assert make_method(name).settings()["caption_both_directions"] is False  # the paper's


@pytest.mark.parametrize("name", ["hard_pl", "soft_pl", "s_clip"])
def test_caption_loss_can_train_the_image_side_only(name):
    """caption_text_gradient false: the same losses, but L_cap's gradient stops at the
    captions, while L_con (unpaired images as its extra negatives) still reaches them."""
    values, grads = {}, {}
    for flag in (True, False):
        model, step = tiny_model(), step_inputs()
        out = make_method(name, caption_text_gradient=flag).losses(model, step)
        values[flag] = {k: v.detach() for k, v in out.items()}
        grads[flag] = {
            loss: torch.autograd.grad(
                value, (step.captions, step.unpaired_images), retain_graph=True, allow_unused=True
            )
            for loss, value in out.items()
        }
    torch.testing.assert_close(values[False], values[True])
    on, off = grads[True]["caption"], grads[False]["caption"]
    assert on[0].abs().sum() > 0 and off[0] is None  # no L_cap gradient into the captions
    torch.testing.assert_close(off[1], on[1])  # the unpaired images' gradient unchanged
    for i in (0, 1):  # L_con, with its unpaired negatives, is untouched
        torch.testing.assert_close(grads[False]["contrastive"][i], grads[True]["contrastive"][i])
    assert make_method(name).settings()["caption_text_gradient"] is True  # the paper's
    with pytest.raises(ValueError, match="caption_text_gradient must be true or false"):
        make_method(name, caption_text_gradient="no")


def test_hard_and_soft_targets():
    model, step = tiny_model(), step_inputs()
    hard = make_method("hard_pl")
    u, x = step.unpaired_images, step.paired_images
    t = hard.targets(model, u, x)
    assert torch.equal(t.argmax(1), (F.normalize(u, dim=-1) @ F.normalize(x, dim=-1).T).argmax(1))
    assert torch.equal(t.sum(1), torch.ones(6))
    soft = make_method("soft_pl").targets(model, u, x)
    torch.testing.assert_close(
        soft, (model.scale * F.normalize(u, dim=-1) @ F.normalize(x, dim=-1).T).softmax(1).detach()
    )


def test_unknown_method_and_bad_options():
    with pytest.raises(ValueError, match="Unknown training method 'sclip'"):
        make_method("sclip")
    with pytest.raises(ValueError, match="Bad options for method 'hard_pl'"):
        make_method("hard_pl", keyword_weight=1.0)


def test_unpaired_negatives_can_be_switched_off():
    model, step = tiny_model(), step_inputs()
    out = make_method("s_clip", unpaired_negatives=False).losses(model, step)
    torch.testing.assert_close(
        out["contrastive"], contrastive_loss(step.paired_images, step.captions, model.scale)
    )


def test_settings_name_what_a_checkpoint_fingerprint_must_cover():
    # Code defaults (not only parameters) are in the run's fingerprint, so a run resumed after
    # a default changed starts afresh instead of returning the old result.
    default = make_method("s_clip").settings()
    assert default["sinkhorn"]["method"] == "sinkhorn_overrelaxed"
    assert default["keyword_weight"] == 0.5
    changed = make_method("s_clip", sinkhorn_tol=1e-7).settings()
    assert changed != default


def test_ot_epsilon_fixes_the_plan_sharpness_whatever_the_logit_scale():
    model, step = tiny_model(), step_inputs()
    u = F.normalize(step.unpaired_images, dim=-1)
    x = F.normalize(step.paired_images, dim=-1)
    default = make_method("s_clip")
    paper = default.targets(model, step.unpaired_images, step.paired_images)
    expected = caption_targets(u, x, 1.0 / model.scale.item(), **default.sinkhorn)
    torch.testing.assert_close(paper, expected)
    fixed = make_method("s_clip", ot_epsilon=0.01)
    targets = fixed.targets(model, step.unpaired_images, step.paired_images)
    torch.testing.assert_close(targets, caption_targets(u, x, 0.01, **fixed.sinkhorn))

    # A smaller ε sharpens the rows: lower entropy than the paper's ε = 1/s (s = 1/0.07 here).
    def entropy(p):
        return -(p * p.clamp_min(1e-30).log()).sum(1).mean()

    assert entropy(targets) < entropy(paper)
    assert fixed.settings()["ot_epsilon"] == 0.01
    assert "ot_epsilon" not in make_method("s_clip").settings()  # old fingerprints still hold
    for bad in (0, -0.1, "0.01", True):
        with pytest.raises(ValueError, match="ot_epsilon must be a positive number"):
            make_method("s_clip", ot_epsilon=bad)


def test_softmax_temperature_sharpens_soft_pl_like_ot_epsilon_does_s_clip():
    model, step = tiny_model(), step_inputs()
    u = F.normalize(step.unpaired_images, dim=-1)
    x = F.normalize(step.paired_images, dim=-1)
    paper = make_method("soft_pl").targets(model, step.unpaired_images, step.paired_images)
    torch.testing.assert_close(paper, (model.scale * u @ x.T).softmax(dim=1))
    fixed = make_method("soft_pl", softmax_temperature=0.01)
    targets = fixed.targets(model, step.unpaired_images, step.paired_images)
    torch.testing.assert_close(targets, (u @ x.T / 0.01).softmax(dim=1))
    assert targets.max(dim=1).values.mean() > paper.max(dim=1).values.mean()
    assert fixed.settings()["softmax_temperature"] == 0.01
    assert "softmax_temperature" not in make_method("soft_pl").settings()  # old fingerprints


@pytest.mark.parametrize(
    ("method", "option", "match"),
    [
        ("soft_pl", {"softmax_temperature": 0}, "softmax_temperature must be a positive number"),
        ("soft_pl", {"softmax_temperature": "0.01"}, "must be a positive number"),
        ("s_clip", {"softmax_temperature": 0.01}, "applies to the 'soft' assignment only"),
        ("hard_pl", {"ot_epsilon": 0.03}, "ot_epsilon applies to the 'ot' assignment only"),
        ("soft_pl", {"ot_epsilon": 0.03}, "ot_epsilon applies to the 'ot' assignment only"),
    ],
)
def test_a_temperature_for_another_assignment_is_a_clear_error(method, option, match):
    with pytest.raises(ValueError, match=match):
        make_method(method, **option)
