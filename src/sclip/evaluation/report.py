"""Comparison table (markdown and CSV) and training-curve plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

TABLE_METRICS = [
    "zero_shot_top1",
    "i2t_r1_one",
    "i2t_r5_one",
    "i2t_r10_one",
    "t2i_r1_one",
    "t2i_r5_one",
    "t2i_r10_one",
    "i2t_r1_all",
    "i2t_r5_all",
    "i2t_r10_all",
    "t2i_r1_all",
    "t2i_r5_all",
    "t2i_r10_all",
]


def comparison_table(metrics: dict[str, dict]) -> pd.DataFrame:
    """One row per (model, split): metrics in percent, in a fixed column order."""
    rows = []
    for model, by_split in metrics.items():
        for split in ("val", "test"):
            if split in by_split:
                row = {"model": model, "split": split}
                row.update({m: by_split[split].get(m) for m in TABLE_METRICS})
                rows.append(row)
    return pd.DataFrame(rows, columns=["model", "split", *TABLE_METRICS])


def tracking_metrics(
    metrics: dict[str, dict], histories: dict[str, list[dict]]
) -> dict[str, list[dict]]:
    """Series for experiment tracking (kedro-mlflow's metrics-history format): the final
    `<model>.<split>.<metric>` (step 0) and every numeric `<method>.<history key>` per epoch
    (step = epoch)."""
    out: dict[str, list[dict]] = {}
    for model, by_split in metrics.items():
        for split in ("val", "test"):
            for name, value in (by_split.get(split) or {}).items():
                if isinstance(value, (int, float)):
                    out[f"{model}.{split}.{name}"] = [{"value": float(value), "step": 0}]
    for method, rows in histories.items():
        for row in rows:
            for name, value in row.items():
                if name not in ("epoch", "step") and isinstance(value, (int, float)):
                    out.setdefault(f"{method}.{name}", []).append(
                        {"value": float(value), "step": int(row["epoch"])}
                    )
    return out


def to_markdown(table: pd.DataFrame, title: str) -> str:
    """A GitHub markdown table with one decimal, preceded by a title and a legend."""
    cols = list(table.columns)
    lines = [f"# {title}", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in table.iterrows():
        cells = [f"{v:.1f}" if isinstance(v, float) else ("" if v is None else str(v)) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Percent. zero_shot_top1: zero-shot classification top-1. i2t/t2i_rK: image→text / "
        "text→image Recall@K; `_one`: each image paired with one random caption (reference "
        "protocol); `_all`: all captions of each image.",
    ]
    return "\n".join(lines) + "\n"


def training_curves(histories: dict[str, list[dict]]):
    """Training loss and validation metrics per epoch, one line per method."""
    panels = [
        ("loss", "training loss"),
        ("val_zero_shot_top1", "val zero-shot top-1 (%)"),
        ("val_mean_recall_one", "val mean recall, one caption (%)"),
    ]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(5 * len(panels), 3.6), constrained_layout=True
    )
    for ax, (key, label) in zip(axes, panels, strict=True):
        for name, history in histories.items():
            points = [(h["epoch"], h[key]) for h in history if h.get(key) is not None]
            if points:
                ax.plot(*zip(*points, strict=True), marker="o", markersize=3, label=name)
        ax.set_xlabel("epoch")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    axes[0].legend()
    return fig


def comparison_plot(table: pd.DataFrame, split: str = "test"):
    """Bars per model: zero-shot top-1 and mean Recall@5 (both directions, one caption)."""
    rows = table[table["split"] == split]
    recall5 = (rows["i2t_r5_one"] + rows["t2i_r5_one"]) / 2
    fig, ax = plt.subplots(figsize=(1.6 * len(rows) + 3, 3.8), constrained_layout=True)
    pos = range(len(rows))
    for offset, values, label in (
        (-0.2, rows["zero_shot_top1"], "zero-shot top-1"),
        (0.2, recall5, "mean R@5 (i2t, t2i; one caption)"),
    ):
        bars = ax.bar([p + offset for p in pos], values, 0.4, label=label)
        ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_xticks(list(pos), rows["model"])
    ax.set_ylabel("%")
    ax.set_title(f"Methods compared on {split}")
    ax.legend(fontsize=8)
    return fig
