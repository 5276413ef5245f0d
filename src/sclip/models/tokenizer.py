"""A thin wrapper that turns strings into the token state text stage 0 expects."""

from __future__ import annotations

from collections.abc import Sequence

import torch


class Tokenizer:
    """Hugging Face tokenizer → {'input_ids', 'attention_mask'} int64 tensors, padded to the
    longest text and truncated to `max_length` tokens."""

    def __init__(self, hf_tokenizer, max_length: int) -> None:
        self.hf_tokenizer = hf_tokenizer
        self.max_length = max_length

    def __call__(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        if not texts:
            raise ValueError("Cannot tokenize an empty list of texts")
        out = self.hf_tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return {
            "input_ids": out["input_ids"].long(),
            "attention_mask": out["attention_mask"].long(),
        }
