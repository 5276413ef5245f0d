import pytest
from scipy import stats

from sclip.evaluation.paired_gap import merged_seed_values, paired_gap, seed_values


def _result(seeds, zero_shot, i2t=None, t2i=None, key="s_clip@0.1"):
    metrics = {"zero_shot_top1": {"values": zero_shot}}
    if i2t is not None:
        metrics |= {"i2t_r5_one": {"values": i2t}, "t2i_r5_one": {"values": t2i}}
    return {"seeds": seeds, "test": {key: metrics}}


def test_values_are_keyed_by_seed_and_mean_r5_averages_the_two_directions():
    result = _result([3, 0], [70.0, 60.0], i2t=[10.0, 20.0], t2i=[14.0, 30.0])
    assert seed_values(result, "s_clip@0.1", "zero_shot_top1") == {3: 70.0, 0: 60.0}
    assert seed_values(result, "s_clip@0.1", "mean_r5_one") == {3: 12.0, 0: 25.0}


def test_gap_is_per_seed_with_a_student_t_interval():
    gap = paired_gap({0: 72.0, 1: 70.0, 2: 75.0, 9: 1.0}, {0: 70.0, 1: 69.0, 2: 72.0})
    assert gap["seeds"] == [0, 1, 2]  # seed 9 has no baseline
    assert gap["gaps"] == [2.0, 1.0, 3.0]
    assert gap["mean"] == pytest.approx(2.0) and gap["std"] == pytest.approx(1.0)
    half = stats.t.ppf(0.975, 2) / 3**0.5  # 4.30 · 1 / √3
    assert gap["ci95"] == pytest.approx([2.0 - half, 2.0 + half])
    assert paired_gap({0: 5.0}, {0: 4.0})["ci95"] is None


def test_a_seed_in_two_results_must_agree():
    table = _result([0, 1, 2], [70.0, 71.0, 72.0])
    extra = _result([0, 3], [70.0, 68.0])
    merged = merged_seed_values({"t": table, "x": extra}, "s_clip@0.1", "zero_shot_top1")
    assert merged == {0: 70.0, 1: 71.0, 2: 72.0, 3: 68.0}
    # a result without the key (extra seeds of the baseline only) adds nothing to it
    assert merged_seed_values(
        {"t": table, "b": {"test": {}, "seeds": [5]}}, "s_clip@0.1", "zero_shot_top1"
    ) == {0: 70.0, 1: 71.0, 2: 72.0}
    with pytest.raises(ValueError, match=r"No test\['s_clip@0.1'\] in any result.*'b': \[\]"):
        merged_seed_values({"b": {"test": {}, "seeds": [5]}}, "s_clip@0.1", "zero_shot_top1")
    other = _result([0], [70.5])
    with pytest.raises(ValueError, match=r"Seed 0 .* 70.0 in t but 70.5 in o"):
        merged_seed_values({"t": table, "o": other}, "s_clip@0.1", "zero_shot_top1")


def test_missing_keys_metrics_and_seeds_are_named():
    result = _result([0, 1], [70.0, 71.0])
    with pytest.raises(ValueError, match=r"No test\['clip_ft@0.1'\].*s_clip@0.1"):
        seed_values(result, "clip_ft@0.1", "zero_shot_top1")
    with pytest.raises(ValueError, match="no per-seed values of 'i2t_r5_one'"):
        seed_values(result, "s_clip@0.1", "mean_r5_one")
    with pytest.raises(ValueError, match="3 values for 2 seeds"):
        seed_values(_result([0, 1], [1.0, 2.0, 3.0]), "s_clip@0.1", "zero_shot_top1")
    with pytest.raises(ValueError, match="No seed in common"):
        paired_gap({0: 1.0}, {1: 1.0})
