"""Two CPU processes (gloo, started by torch's elastic launcher) compute the same loss and
gradients as one process on the whole batch, and train to the same weights."""

from __future__ import annotations

import socket

import pytest
import torch

from sclip.training.distributed import DistributedConfig, launch, shard
from sclip.training.loop import train
from sclip.training.methods import make_method
from sclip.training.worker import train_worker
from tests.training.dist_helpers import distributed_s_clip_step, keyword_bank, s_clip_step
from tests.training.tiny_problem import (
    data_and_eval,
    spatial_model,
    spatial_problem,
    tiny_config,
    tiny_model,
)


def two_processes() -> DistributedConfig:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    return DistributedConfig(nproc_per_node=2, rdzv_endpoint=f"localhost:{port}", backend="gloo")


@pytest.mark.slow
def test_gathered_s_clip_loss_and_gradients_equal_one_process():
    single = s_clip_step()
    both = launch(two_processes(), distributed_s_clip_step)
    assert set(both["losses"]) == {"contrastive", "caption", "keyword"}
    for k, v in single["losses"].items():
        assert both["losses"][k] == pytest.approx(v, rel=1e-5)
    assert set(both["grads"]) == set(single["grads"])
    for k, g in single["grads"].items():
        torch.testing.assert_close(both["grads"][k], g, rtol=1e-4, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [{}, {"paired_bank": True}, {"crops": True}],
    ids=["in_batch", "paired_bank", "crops"],
)
def test_two_process_training_ends_at_the_same_weights(tmp_path, options):
    data, val = data_and_eval()
    make_model, config = tiny_model, tiny_config(2, num_threads=1)
    if options.pop("crops", False):
        # Crops are drawn for the global batch and cut per rank: the same crops as one process.
        data, val, make_model = spatial_problem(), None, spatial_model
        config = tiny_config(2, num_threads=1, feature_crop_scale=0.5)
    method = make_method("s_clip", keywords=keyword_bank(), **options)
    single = train(make_model(), data, config, method, None, None, progress=False)
    result = launch(
        two_processes(),
        train_worker,
        make_model,
        data,
        config,
        method,
        val,
        ["{c}"],
        0,
        tmp_path,
        0,
        "gloo",
    )
    assert [h["epoch"] for h in result.history] == [1, 2]
    if val is not None:
        assert "val_mean_recall_one" in result.history[0]  # rank 0 evaluated
    assert (tmp_path / "last.pt").exists()  # rank 0 checkpointed
    for a, b in zip(single.history, result.history, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-4)
    for k, v in single.state.items():
        torch.testing.assert_close(result.state[k], v, rtol=1e-4, atol=1e-5)


def test_uneven_batches_and_bad_settings_are_named():
    with pytest.raises(ValueError, match="training.paired_batch_size"):
        shard(torch.arange(7), 0, 2, "paired")
    with pytest.raises(ValueError, match="distributed.nproc_per_node"):
        DistributedConfig(nproc_per_node=0)
    with pytest.raises(ValueError, match="distributed.rdzv_endpoint"):
        DistributedConfig(rdzv_endpoint="nohost")
    with pytest.raises(ValueError, match="Unknown 'distributed' parameters"):
        DistributedConfig.from_params({"nodes": 2})


@pytest.mark.slow
def test_two_processes_stop_early_together(tmp_path):
    """Only rank 0 evaluates; its decision to stop reaches the other rank (no hang), and the
    run stops where one process on the whole batch stops."""
    from sclip.evaluation.evaluate import Evaluator

    data, val = data_and_eval()
    config = tiny_config(
        12, lr=1e-1, warmup_steps=0, select_metric="mean_recall_one", patience=1, num_threads=1
    )
    method = make_method("s_clip", keywords=keyword_bank())
    model = tiny_model()
    single = train(model, data, config, method, Evaluator(model, val, ["{c}"]), None, False)
    assert len(single.history) < config.epochs  # it did stop early
    result = launch(
        two_processes(), train_worker, tiny_model, data, config, method, val, ["{c}"], 0,
        tmp_path, 0, "gloo",
    )  # fmt: skip
    assert len(result.history) == len(single.history)
    assert result.selected_epoch == single.selected_epoch
