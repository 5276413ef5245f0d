"""training.precision: bf16 only where the device runs it fast."""

from __future__ import annotations

import pytest
import torch

from sclip.training.config import TrainConfig


@pytest.mark.parametrize(
    ("avx512_bf16", "amx", "fast"),
    [(False, False, False), (True, False, True), (False, True, True)],
)
def test_fast_bf16_on_cpu_needs_bf16_instructions(monkeypatch, avx512_bf16, amx, fast):
    # oneDNN also "supports" bf16 on plain AVX512 by emulating it, slower than fp32
    from sclip.training import device

    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    assert device.fast_bf16(torch.device("cpu")) is fast


def test_auto_precision_takes_bf16_only_where_it_is_fast(monkeypatch, caplog):
    from sclip.training import device

    cpu = torch.device("cpu")
    monkeypatch.setattr(device, "fast_bf16", lambda _: True)
    assert device.resolve_precision("auto", cpu) == "bf16"
    monkeypatch.setattr(device, "fast_bf16", lambda _: False)
    assert device.resolve_precision("auto", cpu) == "fp32"
    assert device.resolve_precision("fp32", cpu) == "fp32"
    with caplog.at_level("WARNING", logger="sclip.training.device"):
        assert device.resolve_precision("bf16", cpu) == "bf16"  # asked for: kept, with a warning
    assert "training.precision=bf16" in caplog.text
    assert TrainConfig(precision="auto").precision == "auto"
    with pytest.raises(ValueError, match="training.precision"):
        TrainConfig(precision="fp16")
