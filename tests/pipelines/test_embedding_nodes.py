"""Captions are encoded once for the whole dataset; each split takes its paired and evaluation
rows from that artifact, in its own order, and never the unpaired images' captions."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from sclip.features import features_artifact, read_features
from sclip.models import ModelConfig
from sclip.pipelines.embedding.nodes import select_caption_features


def artifact(state):
    return features_artifact(state, [10, 11, 12, 13], ModelConfig(), "text", 7, "caption_id")


def noise_images(folder, n: int, size: tuple[int, int]) -> list[str]:
    """n PNG files of random pixels (height × width = size) in folder."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        path = folder / f"{i}.png"
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(path)
        paths.append(str(path))
    return paths


def captions(ids):
    return pd.DataFrame({"caption_id": ids, "text": [f"caption {i}" for i in ids]})


def test_paired_and_eval_rows_in_their_tables_order():
    states = torch.arange(4.0)[:, None] * torch.ones(4, 3)
    paired, evaluation = select_caption_features(
        artifact(states), captions([13, 10]), captions([12])
    )
    assert paired["caption_id"].tolist() == [13, 10]
    assert evaluation["caption_id"].tolist() == [12]
    state, stage = read_features(paired, ModelConfig(), "text", "paired_text_features")
    assert stage == 7 and state[:, 0].tolist() == [3.0, 0.0]  # metadata and rows kept
    assert 11 not in paired["caption_id"].tolist() + evaluation["caption_id"].tolist()


def test_token_level_states_are_selected_per_key():
    tokens = {"hidden": torch.randn(4, 5, 2), "attention_mask": torch.ones(4, 5, dtype=torch.long)}
    paired, _ = select_caption_features(artifact(tokens), captions([11]), captions([10]))
    state, _ = read_features(paired, ModelConfig(), "text", "paired_text_features")
    torch.testing.assert_close(state["hidden"], tokens["hidden"][[1]])


def test_cached_features_go_stale_only_with_their_own_towers_settings():
    image = features_artifact(torch.zeros(2, 3), [0, 1], ModelConfig(), "image", 3, "image_id")
    text_changed = ModelConfig.from_params({"trainable": {"text": 1}})
    read_features(image, text_changed, "image", "image_features")  # still valid
    with pytest.raises(ValueError, match=r"'caption_features'.*trainable\.text.*embedding"):
        read_features(artifact(torch.zeros(4, 3)), text_changed, "text", "caption_features")
    image_changed = ModelConfig.from_params({"trainable": {"image": 2}})
    with pytest.raises(ValueError, match=r"trainable\.image"):
        read_features(image, image_changed, "image", "image_features")
    read_features(artifact(torch.zeros(4, 3)), image_changed, "text", "caption_features")


def test_a_caption_without_features_is_a_clear_error():
    with pytest.raises(ValueError, match="paired caption ids .*99.*embedding pipeline"):
        select_caption_features(artifact(torch.zeros(4, 3)), captions([99]), captions([10]))


def test_image_encoding_is_the_same_with_and_without_prefetch(offline_model, tmp_path, monkeypatch):
    """Decoding in a background thread only where cores are left over; the states are the
    same either way, in the files' order."""
    import sclip.features as features

    paths = noise_images(tmp_path, 5, (70, 90))
    runs = {}
    for prefetch in (False, True):
        monkeypatch.setattr(features, "prefetch_decoding", lambda device, p=prefetch: p)
        runs[prefetch] = features.encode_image_files(offline_model, paths, 2, progress=False)
    assert runs[True].shape[0] == 5
    torch.testing.assert_close(runs[True], runs[False], rtol=0, atol=0)


def test_prefetch_only_where_cores_are_left_over(monkeypatch):
    import sclip.features as features

    threads = torch.get_num_threads()
    monkeypatch.setattr(features.os, "sched_getaffinity", lambda pid: set(range(threads)))
    assert not features.prefetch_decoding("cpu")  # torch's threads fill every core
    assert features.prefetch_decoding("cuda")  # the GPU runs the model
    monkeypatch.setattr(features.os, "sched_getaffinity", lambda pid: set(range(threads + 1)))
    assert features.prefetch_decoding("cpu")


def test_bf16_prefix_gives_fp32_states_close_to_fp32_ones(offline_model, tmp_path):
    """embedding.precision bf16 runs the frozen prefix under autocast; the cached states stay
    fp32 (training and evaluation read them as such) and near the fp32 ones."""
    from sclip.features import encode_image_files, encode_texts

    paths = noise_images(tmp_path, 3, (64, 64))
    fp32 = encode_image_files(offline_model, paths, 2, progress=False)
    bf16 = encode_image_files(offline_model, paths, 2, progress=False, precision="bf16")
    assert bf16.dtype == torch.float32 and not torch.equal(bf16, fp32)
    assert ((bf16 - fp32).norm() / fp32.norm()).item() < 0.1
    texts = ["a river through a forest", "a stadium", "many cars parked beside a building"]
    t32 = encode_texts(offline_model, texts, progress=False)
    t16 = encode_texts(offline_model, texts, progress=False, precision="bf16")
    assert t16.dtype == torch.float32
    assert ((t16 - t32).norm() / t32.norm()).item() < 0.05


def test_embedding_precision_is_checked_and_resolved(monkeypatch):
    import sclip.training.device as device_module
    from sclip.pipelines.embedding.nodes import embedding_precision

    assert embedding_precision({}, "cpu") == "fp32"  # the default
    monkeypatch.setattr(device_module, "fast_bf16", lambda _: True)
    assert embedding_precision({"precision": "auto"}, "cpu") == "bf16"
    monkeypatch.setattr(device_module, "fast_bf16", lambda _: False)
    assert embedding_precision({"precision": "auto"}, "cpu") == "fp32"
    with pytest.raises(ValueError, match=r"'embedding\.precision' must be one of .*'half'"):
        embedding_precision({"precision": "half"}, "cpu")


def test_the_prefix_precision_is_recorded_with_the_features():
    meta = features_artifact(torch.zeros(2, 3), [0, 1], ModelConfig(), "image", 3, "image_id")
    assert meta["__metadata__"]["precision"] == "fp32"
    meta = features_artifact(
        torch.zeros(2, 3), [0, 1], ModelConfig(), "image", 3, "image_id", "bf16"
    )
    assert meta["__metadata__"]["precision"] == "bf16"
