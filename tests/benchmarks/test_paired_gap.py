"""benchmarks/paired_gap.py reads seeds.py results and prints the per-seed gaps."""

from __future__ import annotations

import json

import pytest

from tests.benchmarks.conftest import load_script


@pytest.fixture(scope="module")
def script():
    return load_script("paired_gap")


def _write(path, seeds, s_clip, clip_ft):
    result = {
        "seeds": seeds,
        "test": {
            "s_clip@0.1": {"zero_shot_top1": {"values": s_clip}},
            "clip_ft@0.1": {"zero_shot_top1": {"values": clip_ft}},
        },
    }
    path.write_text(json.dumps(result))
    return path


def test_gaps_over_two_files_with_a_target(script, tmp_path, capsys):
    table = _write(tmp_path / "table.json", [0, 1, 2], [78.0, 75.0, 76.0], [70.0, 68.0, 69.0])
    extra = _write(tmp_path / "extra.json", [0, 3], [78.0, 74.0], [70.0, 67.0])
    out = tmp_path / "gap.json"
    args = [str(table), str(extra), "--method", "s_clip@0.1", "--baseline", "clip_ft@0.1"]
    args += ["--metrics", "zero_shot_top1", "--target", "zero_shot_top1=6", "--out", str(out)]
    assert script.main(args) == 0
    printed = capsys.readouterr().out
    assert "0:+8.00 1:+7.00 2:+7.00 3:+7.00" in printed and "mean +7.25 over 4 seeds" in printed
    # Interval [+6.45, +8.05]: +6 is cleared beyond the seeds' noise, +7 is not, +9 is missed.
    assert "mean meets +6 (the target is below the interval)" in printed
    for target, verdict in [
        (7, "meets +7 (the target is in"),
        (9, "misses +9 (the target is above"),
    ]:
        other = ["--target", f"zero_shot_top1={target}", "--out", str(tmp_path / f"{target}.json")]
        assert script.main(args[:-4] + other) == 0
        assert f"mean {verdict} the interval)" in capsys.readouterr().out
    gap = json.loads(out.read_text())["gaps"]["zero_shot_top1"]
    assert gap["n"] == 4 and gap["target"] == 6.0 and gap["ci95"][0] < 7.25 < gap["ci95"][1]


def test_disagreeing_seeds_and_bad_targets_are_clear_errors(script, tmp_path, capsys):
    table = _write(tmp_path / "table.json", [0], [78.0], [70.0])
    other = _write(tmp_path / "other.json", [0], [77.0], [70.0])
    with pytest.raises(SystemExit):
        script.main([str(table), str(other), "--method", "s_clip@0.1", "--baseline", "clip_ft@0.1"])
    assert "not the same run" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        script.main([str(table), "--method", "s_clip@0.1", "--baseline", "x", "--target", "r5"])
    assert "--target wants METRIC=POINTS" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(SystemExit):
        script.main([str(tmp_path / "bad.json"), "--method", "a", "--baseline", "b"])
    assert "bad.json: not a readable seeds.py JSON" in capsys.readouterr().err
