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
