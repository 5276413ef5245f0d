"""The keywords pipeline's nodes: what the text encoder reads for each keyword."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from sclip.features import unpack_state
from sclip.pipelines.keywords.nodes import embed_keywords, keyword_texts

MODEL = {"backbone": "offline", "image_size": 64, "embed_dim": 32}


def test_bare_keywords_by_default():
    assert keyword_texts(["forest", "bare land"], None) == ["forest", "bare land"]


def test_template_wraps_each_keyword():
    texts = keyword_texts(["forest", "bare land"], "an aerial photograph of {c}.")
    assert texts == ["an aerial photograph of forest.", "an aerial photograph of bare land."]


@pytest.mark.parametrize("template", ["no placeholder", "{c} and {d}", "{0}", 3, ""])
def test_bad_template_names_the_parameter(template):
    with pytest.raises(ValueError, match="keywords.template"):
        keyword_texts(["forest"], template)


def test_template_changes_the_states_and_is_recorded():
    vocab = pd.DataFrame({"keyword": ["forest", "harbor"]})
    embedding = {"device": "cpu", "progress": False}
    bare = embed_keywords(vocab, {"template": None}, MODEL, embedding)
    framed = embed_keywords(vocab, {"template": "a photo of {c}."}, MODEL, embedding)
    assert bare["__metadata__"]["texts"] == ["forest", "harbor"]
    assert framed["__metadata__"]["texts"] == ["a photo of forest.", "a photo of harbor."]
    a = unpack_state({k: v for k, v in bare.items() if k != "__metadata__"})
    b = unpack_state({k: v for k, v in framed.items() if k != "__metadata__"})
    a = a if isinstance(a, torch.Tensor) else next(iter(a.values()))
    b = b if isinstance(b, torch.Tensor) else next(iter(b.values()))
    assert a.shape[0] == b.shape[0] == 2
    assert not torch.allclose(a.float(), b.float())
