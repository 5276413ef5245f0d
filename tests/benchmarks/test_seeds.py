"""seeds.py says when its wall time is not a whole benchmark's: trainings that continued from
an earlier invocation's checkpoints are counted and named in the note."""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import load_script


@pytest.fixture(scope="module")
def seeds():
    return load_script("seeds")


def test_no_note_when_everything_trained_here(seeds):
    assert seeds.resumed_note({}) == ""


def test_resumed_trainings_are_counted_and_the_fix_named(seeds):
    resumed = {
        "seed0@0.1": {"clip_ft.train": {"epoch": 25, "step": 0}, "s_clip.train": {"epoch": 3}},
        "seed0@1": {"clip_ft.train": {"epoch": 25, "step": 0}},
    }
    note = seeds.resumed_note(resumed)
    assert "3 training(s) continued" in note
    assert "not the time of the whole benchmark" in note and "checkpoints.dir" in note


def _run(seed_values: dict, wall: float, run_seconds: dict, node_seconds: dict) -> dict:
    """A minimal seeds.py JSON: one model, one metric plus the two R@5 halves."""
    seeds = sorted(seed_values)

    def split():
        metrics = {
            m: {"values": [seed_values[s] + k for s in seeds]}
            for k, m in enumerate(("zero_shot_top1", "i2t_r5_one", "t2i_r5_one"))
        }
        return {"s_clip@0.1": metrics}

    return {
        "test": split(),
        "val": split(),
        "seeds": seeds,
        "runs": ["0.1:s_clip"],
        "wall_seconds": wall,
        "run_seconds": run_seconds,
        "node_seconds": node_seconds,
        "pseudo_label_quality": {f"seed{s}@0.1": {"q": seed_values[s]} for s in seeds},
    }


def test_combine_puts_the_rerun_seed_in_place_and_accounts_the_time(seeds):
    base = _run(
        {0: 10.0, 1: 20.0, 2: 30.0},
        wall=300.0,
        run_seconds={"seed0@0.1": 60.0, "seed1@0.1": 120.0, "seed2@0.1": 120.0},
        node_seconds={
            "seed0@0.1": {"embed_images": 40.0, "embed_captions": 15.0, "s_clip.train": 1.0},
            "seed1@0.1": {"s_clip.train": 110.0},
            "seed2@0.1": {"s_clip.train": 110.0},
        },
    )
    base["resumed"] = {"seed0@0.1": {"s_clip.train": {"epoch": 25, "step": 0}}}
    rerun = _run(
        {0: 13.0},
        wall=125.0,
        run_seconds={"seed0@0.1": 125.0},
        node_seconds={"seed0@0.1": {"s_clip.train": 115.0}},  # features reused
    )
    out = seeds.combine(base, rerun)
    zero_shot = out["test"]["s_clip@0.1"]["zero_shot_top1"]
    assert zero_shot["values"] == [13.0, 20.0, 30.0] and zero_shot["mean"] == pytest.approx(21.0)
    assert out["test"]["s_clip@0.1"]["mean_r5_one"]["values"] == [14.5, 21.5, 31.5]
    assert out["resumed"] == {}  # the resumed seed is the one replaced
    assert out["run_seconds"]["seed0@0.1"] == 125.0
    assert out["pseudo_label_quality"]["seed0@0.1"] == {"q": 13.0}
    # 300 − 60 (replaced run) + 55 (its encoding, reused by the rerun) + 125
    assert out["wall_seconds"] == pytest.approx(420.0)
    assert out["combined_from"]["encoding_seconds_kept"] == pytest.approx(55.0)


def test_combine_refuses_other_runs_or_seeds(seeds):
    base = _run({0: 1.0}, 1.0, {"seed0@0.1": 1.0}, {"seed0@0.1": {}})
    other = _run({5: 1.0}, 1.0, {"seed5@0.1": 1.0}, {"seed5@0.1": {}})
    with pytest.raises(ValueError, match="some of its seeds"):
        seeds.combine(base, other)
