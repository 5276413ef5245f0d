"""Metrics against values worked out by hand on tiny embeddings."""

from __future__ import annotations

import pytest
import torch

from sclip.evaluation.metrics import (
    class_embeddings,
    one_caption_per_image,
    retrieval_recall,
    zero_shot_top1,
)


def unit(*rows):
    return torch.nn.functional.normalize(torch.tensor(rows, dtype=torch.float32), dim=-1)


def test_zero_shot_top1_by_hand():
    classes = unit([1, 0], [0, 1])
    images = unit([0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7])
    labels = torch.tensor([0, 1, 1, 1])  # third image is closer to class 0: wrong
    assert zero_shot_top1(images, classes, labels) == pytest.approx(75.0)


def test_class_embeddings_average_normalised_templates():
    # class 0: templates (1,0) and (0,2) → normalised mean of (1,0),(0,1) = (1,1)/√2
    text = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0], [5.0, 0.0]])
    emb = class_embeddings(text, n_classes=2, n_templates=2)
    torch.testing.assert_close(emb, torch.tensor([[2**-0.5, 2**-0.5], [1.0, 0.0]]))


def test_retrieval_recall_by_hand():
    # 3 images on the axes; captions 0,1 → image 0, caption 2 → image 1, caption 3 → image 2.
    images = unit([1, 0, 0], [0, 1, 0], [0, 0, 1])
    captions = unit([0.1, 1, 0], [1, 0.2, 0], [0, 1, 0.05], [0, 0.3, 1])
    caption_image = torch.tensor([0, 0, 1, 2])
    r = retrieval_recall(images, captions, caption_image, ks=(1, 2))
    # i2t: image 0's best caption is 1 (0.98, its own); image 1's is 2 (0.999 > caption 0's
    # 0.995); image 2's is 3 → all hit at 1.
    assert r["i2t_r1"] == pytest.approx(100.0)
    # t2i: caption 0 (0.1, 1, 0) ranks image 1 first → miss at 1, hit at 2; captions 1, 2, 3
    # rank their own image first.
    assert r["t2i_r1"] == pytest.approx(75.0)
    assert r["t2i_r2"] == pytest.approx(100.0)


def test_retrieval_any_caption_counts_for_image_to_text():
    images = unit([1, 0], [0, 1])
    # image 0's captions: one far (index 0, nearer image 1), one near (index 1); image 1's: index 2.
    captions = unit([0.5, 1], [1, 0.1], [0, 1])
    r = retrieval_recall(images, captions, torch.tensor([0, 0, 1]), ks=(1,))
    assert r["i2t_r1"] == pytest.approx(100.0)  # image 0 hits with caption 1
    # t2i: caption 0 is closest to image 1 but belongs to image 0 → miss
    assert r["t2i_r1"] == pytest.approx(200.0 / 3)


def test_retrieval_requires_a_caption_per_image():
    with pytest.raises(ValueError, match="at least one caption"):
        retrieval_recall(unit([1, 0], [0, 1]), unit([1, 0]), torch.tensor([0]))


def test_one_caption_per_image_is_seeded_and_valid():
    caption_image = torch.tensor([0, 0, 0, 1, 1, 2])
    a = one_caption_per_image(caption_image, 3, seed=1)
    b = one_caption_per_image(caption_image, 3, seed=1)
    assert torch.equal(a, b)
    assert caption_image[a].tolist() == [0, 1, 2]
    draws = {tuple(one_caption_per_image(caption_image, 3, seed=s).tolist()) for s in range(20)}
    assert len(draws) > 1  # different seeds draw different captions


@pytest.mark.parametrize(
    "templates",
    [[], "a photo of {c}", ["a photo of a cat"], ["{c} seen from {view}"], ["{"], [3]],
)
def test_bad_templates_name_the_parameter(templates):
    from sclip.evaluation.evaluate import check_templates

    with pytest.raises(ValueError, match=r"evaluation\.templates"):
        check_templates(templates)
