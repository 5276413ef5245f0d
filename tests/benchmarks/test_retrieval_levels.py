"""retrieval_levels.py: the table's R@5 beside its class and instance parts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from tests.benchmarks.conftest import load_script


@pytest.fixture(scope="module")
def script():
    return load_script("retrieval_levels")


def _split(n_images=12, captions_each=2):
    """Images in 3 classes; caption j describes image j // captions_each."""
    return SimpleNamespace(
        image_state="img",
        image_stage=0,
        text_state="txt",
        text_stage=0,
        caption_image=torch.arange(n_images).repeat_interleave(captions_each),
        labels=torch.arange(n_images) % 3,
    )


def test_captions_that_match_their_images_exactly_rank_first_everywhere(script, monkeypatch):
    data = _split()
    g = torch.Generator().manual_seed(0)
    img = F.normalize(torch.randn(12, 8, generator=g), dim=-1)
    states = {"img": img, "txt": img[data.caption_image]}
    monkeypatch.setattr(script, "embed", lambda model, tower, state, *a: states[state])
    out = script.levels(None, data)
    assert out["i2t_r5"] == out["t2i_r5"] == 100.0
    assert out["i2t_within_class_rank"] == out["t2i_within_class_rank"] == 0.0
    assert 20.0 <= out["i2t_class_p5"] <= 100.0


def test_class_only_embeddings_rank_images_of_a_class_as_ties(script, monkeypatch):
    data = _split()
    centres = torch.eye(3, 8)
    img = centres[data.labels]  # every image of a class the same: only the class is known
    states = {"img": img, "txt": img[data.caption_image]}
    monkeypatch.setattr(script, "embed", lambda model, tower, state, *a: states[state])
    out = script.levels(None, data)
    assert out["i2t_class_p5"] == out["t2i_class_p5"] == pytest.approx(80.0)  # 4 of a class
    assert out["i2t_within_class_rank"] == pytest.approx(0.5)  # all ties: half
