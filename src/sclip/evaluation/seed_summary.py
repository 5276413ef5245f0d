"""Summaries over seeds: mean ± std per "<method>@<label_ratio>", as markdown and a bar plot.

A summary maps a key ("s_clip@0.1", "untrained") to metrics, each {"mean", "std", "values"}."""

from __future__ import annotations

import statistics

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SUMMARY_COLUMNS = [
    "zero_shot_top1",
    "i2t_r1_one",
    "i2t_r5_one",
    "i2t_r10_one",
    "t2i_r1_one",
    "t2i_r5_one",
    "t2i_r10_one",
    "i2t_r5_all",
    "t2i_r5_all",
]


def summarise(values: dict[str, dict[str, list[float]]]) -> dict[str, dict]:
    """Per key and metric: mean, sample std (0 for one value) and the values themselves."""
    return {
        key: {
            m: {
                "mean": statistics.fmean(v),
                "std": statistics.stdev(v) if len(v) > 1 else 0.0,
                "values": list(v),
            }
            for m, v in metrics.items()
        }
        for key, metrics in values.items()
    }


def add_mean_recall5(summary: dict[str, dict]) -> None:
    """Adds `mean_r5_one`: per seed, the mean of i2t and t2i R@5 (one-caption protocol)."""
    for metrics in summary.values():
        if "i2t_r5_one" in metrics and "t2i_r5_one" in metrics:
            per_seed = [
                (a + b) / 2
                for a, b in zip(
                    metrics["i2t_r5_one"]["values"], metrics["t2i_r5_one"]["values"], strict=True
                )
            ]
            metrics["mean_r5_one"] = summarise({"k": {"m": per_seed}})["k"]["m"]


def summary_markdown(summary: dict[str, dict], columns=SUMMARY_COLUMNS) -> str:
    """A markdown table, one row per key, cells "mean ± std"."""
    lines = [
        "| model | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for key, metrics in summary.items():
        cells = [
            f"{metrics[c]['mean']:.1f} ± {metrics[c]['std']:.1f}" if c in metrics else ""
            for c in columns
        ]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def summary_plot(summary: dict[str, dict], title: str):
    """Bars with ± std error bars and the seeds as dots: zero-shot top-1 and mean R@5."""
    keys = list(summary)
    fig, ax = plt.subplots(figsize=(1.3 * len(keys) + 3, 4), constrained_layout=True)
    for offset, metric, label in (
        (-0.2, "zero_shot_top1", "zero-shot top-1"),
        (0.2, "mean_r5_one", "mean R@5 (i2t, t2i; one caption)"),
    ):
        pos = [i + offset for i, k in enumerate(keys) if metric in summary[k]]
        stats = [summary[k][metric] for k in keys if metric in summary[k]]
        bars = ax.bar(
            pos,
            [s["mean"] for s in stats],
            0.4,
            yerr=[s["std"] for s in stats],
            capsize=3,
            label=label,
        )
        ax.bar_label(bars, fmt="%.1f", fontsize=8, padding=2, label_type="center")
        for p, s in zip(pos, stats, strict=True):
            ax.scatter([p] * len(s["values"]), s["values"], s=8, color="black", zorder=3)
    ax.set_xticks(range(len(keys)), keys, rotation=20, ha="right")
    ax.set_ylabel("% (test; bars: mean ± std over seeds, dots: seeds)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(axis="y", alpha=0.3)
    return fig
