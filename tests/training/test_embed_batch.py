"""embed_batch: one forward per tower where rows are independent, batch norm kept apart,
keywords in the step's precision."""

from __future__ import annotations

import torch

from sclip.models import ModelConfig
from sclip.models.dual_encoder import DualEncoder
from sclip.models.layers import Projection
from sclip.training.batch import TrainData
from tests.training.tiny_problem import Frozen, data_and_eval, tiny_model


def _counted(model, name):
    """Wrap model.<name> to count its calls."""
    calls, original = [], getattr(model, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    setattr(model, name, counted)
    return calls


def test_a_step_embeds_its_images_and_its_texts_in_one_forward_each():
    from sclip.training.batch import embed_batch
    from sclip.training.methods import KeywordBank
    from sclip.training.sampler import Batch

    model, (data, _) = tiny_model(), data_and_eval()
    g = torch.Generator().manual_seed(4)
    bank = KeywordBank(torch.randn(5, 6, generator=g), 0, torch.ones(64 * 4, 5, dtype=torch.bool))
    batch = Batch(torch.tensor([0, 3, 5, 8]), torch.tensor([1, 12, 22, 33]), torch.tensor([40, 47]))
    images, texts = _counted(model, "encode_image"), _counted(model, "encode_text")
    step = embed_batch(model, data, batch, torch.device("cpu"), text_bank=bank)
    assert len(images) == len(texts) == 1
    with torch.no_grad():  # the same embeddings as separate forwards
        torch.testing.assert_close(
            step.paired_images, model.encode_image(data.image_state[batch.paired_images])
        )
        torch.testing.assert_close(
            step.unpaired_images, model.encode_image(data.image_state[batch.unpaired_images])
        )
        torch.testing.assert_close(
            step.captions, model.encode_text(data.text_state[batch.captions])
        )
        torch.testing.assert_close(step.keywords, model.encode_text(bank.state))


def test_trained_batch_norm_keeps_paired_and_unpaired_images_apart():
    # Batch statistics would mix the two sets in one forward, so each gets its own, as
    # before the joint forward existed.
    from sclip.training.batch import embed_batch
    from sclip.training.sampler import Batch

    g = torch.Generator().manual_seed(0)
    head = torch.nn.Sequential(Projection(16, 8, g), torch.nn.BatchNorm1d(8))
    model = DualEncoder(
        ModelConfig(embed_dim=8),
        [Frozen(6, 16, 1), head],
        [Frozen(6, 16, 2), Projection(16, 8, g)],
        tokenizer=None,
    ).train()
    assert not model.rows_independent["image"] and model.rows_independent["text"]
    assert tiny_model().rows_independent["image"]
    data, _ = data_and_eval()
    batch = Batch(torch.tensor([0, 3, 5, 8]), torch.tensor([1, 12, 22, 33]), torch.tensor([40, 47]))
    images = _counted(model, "encode_image")
    step = embed_batch(model, data, batch, torch.device("cpu"))
    assert len(images) == 2
    with torch.no_grad():
        alone = model.encode_image(data.image_state[batch.paired_images])
    torch.testing.assert_close(step.paired_images, alone)


def test_token_level_keyword_bank_is_embedded_in_the_steps_precision(tiny_clip_dir):
    """With a trained text tower the keywords cannot share the captions' forward; they still
    get one of their own in the step's precision, not a fp32 forward inside the loss."""
    from sclip.features import encode_texts
    from sclip.models import build_model
    from sclip.training.batch import embed_batch
    from sclip.training.methods import KeywordBank, make_method
    from sclip.training.sampler import Batch

    model = build_model(
        {"backbone": "hf_clip", "checkpoint": str(tiny_clip_dir), "image_size": 32,
         "trainable": "all"}
    )  # fmt: skip
    captions = [f"a {w} near a river" for w in ("farm", "port", "road", "park")]
    texts = encode_texts(model, captions, progress=False)
    assert isinstance(texts, dict)  # token-level states
    g = torch.Generator().manual_seed(0)
    data = TrainData(
        torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8, generator=g),
        0, texts, 0, torch.arange(4), [torch.tensor([i]) for i in range(4)], torch.arange(4, 6),
    )  # fmt: skip
    bank = KeywordBank(
        encode_texts(model, ["farm", "port", "river"], progress=False), 0, torch.ones(4, 3) > 0
    )
    method = make_method("s_clip", keywords=bank)
    batch = Batch(torch.tensor([0, 1]), torch.tensor([0, 1]), torch.tensor([4, 5]))
    cpu = torch.device("cpu")
    full = embed_batch(model, data, batch, cpu, text_bank=method.text_bank())
    half = embed_batch(model, data, batch, cpu, precision="bf16", text_bank=method.text_bank())
    with torch.no_grad():
        exact = model.encode_text(bank.state)
    torch.testing.assert_close(full.keywords, exact)
    assert half.keywords.dtype == torch.float32 and not torch.equal(half.keywords, exact)
    torch.testing.assert_close(half.keywords, exact, rtol=0.05, atol=0.05)
    calls = _counted(model, "encode_text")
    assert set(method.losses(model, half)) == {"contrastive", "caption", "keyword"}
    assert not calls  # the loss used the step's keyword embeddings
