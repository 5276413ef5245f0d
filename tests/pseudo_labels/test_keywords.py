"""Keyword matching: case-insensitive, whole-word, plural-aware; vocabularies."""

from __future__ import annotations

import numpy as np
import pytest

from sclip.pseudo_labels.keywords import (
    keyword_candidates,
    keyword_pattern,
    merge_vocabularies,
    yake_keywords,
)


@pytest.mark.parametrize(
    ("keyword", "text", "found"),
    [
        ("tree", "Many Trees surround it", True),
        ("tree", "a street with a treehouse", False),  # whole words only
        ("city", "two cities", True),
        ("church", "Three churches.", True),
        ("parking lot", "Cars in the parking lots", True),
        ("parking lot", "parking near a lot", False),
        ("beach", "BEACH, sea", True),
        ("river", "a river-side road", False),  # hyphenated compounds are another word
        ("bare land", "a piece of bare  land", True),
    ],
)
def test_keyword_pattern(keyword, text, found):
    assert (keyword_pattern(keyword).search(text) is not None) is found


def test_candidate_matrix():
    vocab = ["forest", "river", "house"]
    m = keyword_candidates(["A river through the Forest", "Houses and a road", "nothing"], vocab)
    assert m.tolist() == [[True, True, False], [False, False, True], [False, False, False]]


def test_empty_vocabulary_is_a_clear_error():
    with pytest.raises(ValueError, match="vocabulary is empty"):
        keyword_candidates(["x"], [])


def test_merge_keeps_first_source_order_and_size():
    merged = merge_vocabularies(
        [("Forest", 1.0), ("river", 1.0)], [("forest", 0.1), ("lake", 0.2)], size=3
    )
    assert merged == [("forest", 1.0), ("river", 1.0), ("lake", 0.2)]


def test_yake_mines_domain_words_from_captions():
    captions = [
        "Many green trees are in a dense forest.",
        "A river flows through the dense forest.",
        "Several buildings stand beside a river.",
        "A dense forest with a river and a road.",
    ] * 5
    words = [k for k, _ in yake_keywords(captions, size=10)]
    assert len(words) <= 10 and "forest" in " ".join(words) and "river" in " ".join(words)


def test_scanning_the_joined_captions_finds_what_each_caption_alone_does():
    """Adversarial neighbours: a phrase split over two captions, hyphens and plurals at their
    edges, empty and whitespace-only captions, newlines inside one."""
    import random

    from sclip.pseudo_labels.keywords import _candidates_one_by_one

    vocab = ["parking lot", "lot", "city", "bus", "bare land", "river", "x", "land", "field"]
    pieces = ["parking", "lot", "lots", "cities", "City", "buses", "-", "bare", "land", "river-",
              "-river", "x", "  ", "\n", "parking\nlot", "Lots.", "", "riverside", "LAND"]  # fmt: skip
    rng = random.Random(0)
    captions = [
        " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(400)
    ] + ["parking", "lot", "", "bare", "land-", "-x"]
    fast = keyword_candidates(captions, vocab)
    assert fast.any() and not fast.all()
    np.testing.assert_array_equal(fast, _candidates_one_by_one(captions, vocab))
    # Non-ASCII text (lower() may change its length) and NUL inside a caption.
    odd = ["parking\x00lot", "a river", "Straße", "İstanbul city", "CİTY", "ﬁeld"]
    np.testing.assert_array_equal(
        keyword_candidates(odd, vocab), _candidates_one_by_one(odd, vocab)
    )
    assert keyword_candidates([], vocab).shape == (0, len(vocab))
