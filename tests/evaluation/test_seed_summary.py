import math

import pytest

from sclip.evaluation.seed_summary import (
    add_mean_recall5,
    summarise,
    summary_markdown,
    summary_plot,
)


def test_summarise_gives_mean_sample_std_and_values():
    out = summarise({"s_clip@0.1": {"zero_shot_top1": [70.0, 72.0, 74.0]}})
    stats = out["s_clip@0.1"]["zero_shot_top1"]
    assert stats["mean"] == pytest.approx(72.0)
    assert stats["std"] == pytest.approx(2.0)  # sample std, n − 1
    assert stats["values"] == [70.0, 72.0, 74.0]
    assert summarise({"k": {"m": [5.0]}})["k"]["m"]["std"] == 0.0


def test_mean_recall5_is_averaged_per_seed_before_the_std():
    out = summarise({"k": {"i2t_r5_one": [10.0, 20.0], "t2i_r5_one": [20.0, 10.0]}})
    add_mean_recall5(out)
    # per seed both means are 15 → std 0, which averaging the two stds would not give
    assert out["k"]["mean_r5_one"] == {"mean": 15.0, "std": 0.0, "values": [15.0, 15.0]}


def test_markdown_and_plot():
    out = summarise(
        {
            "clip_ft@0.1": {
                "zero_shot_top1": [70.0, 71.0],
                "i2t_r5_one": [1, 2],
                "t2i_r5_one": [3, 4],
            },
            "untrained": {"zero_shot_top1": [3.0, 4.0]},
        }
    )
    add_mean_recall5(out)
    md = summary_markdown(out, ["zero_shot_top1", "mean_r5_one"])
    assert "| clip_ft@0.1 | 70.5 ± 0.7 | 2.5 ± 0.7 |" in md
    assert "| untrained | 3.5 ± 0.7 |  |" in md
    fig = summary_plot(out, "t")
    assert not math.isnan(fig.axes[0].get_ylim()[1])
