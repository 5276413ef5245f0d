"""RSICD in the layout of a real semi-supervised dataset: a caption CSV of a share of the train
images (and all of val/test) plus a folder of the other train images, symlinked, with no
caption anywhere. Training on it with `split.label_ratio: 1.0` is the case the simulated
`label_ratio` split stands in for (`sclip.datasets.CaptionTableDataset`; results in
benchmarks/README.md).

    python benchmarks/rsicd_as_table.py --out /tmp/rsicd_table --captioned 0.1 --seed 0
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def write_layout(rsicd: Path, out: Path, captioned: float, seed: int) -> dict:
    """The CSV and the symlinked folder under `out`; the counts written."""
    from sclip.data.readers import read_karpathy_captions

    corpus = read_karpathy_captions(
        rsicd / "dataset_rsicd.json", rsicd / "RSICD_images", rsicd / "txtclasses_rsicd"
    )
    images, captions = corpus.images.set_index("image_id"), corpus.captions
    train = images.index[images["split"] == "train"].to_numpy()
    order = np.random.default_rng(seed).permutation(len(train))
    uncaptioned = set(train[order[round(captioned * len(train)) :]].tolist())
    folder = out / "uncaptioned"
    folder.mkdir(parents=True, exist_ok=False)  # never mixes with an earlier layout
    for i in sorted(uncaptioned):
        os.symlink(images.loc[i, "path"], folder / images.loc[i, "filename"])
    kept = captions[~captions["image_id"].isin(uncaptioned)]
    rows = images.loc[kept["image_id"]]
    pd.DataFrame(
        {
            "image": rows["filename"].to_numpy(),
            "caption": kept["text"].to_numpy(),
            "split": rows["split"].to_numpy(),
            "label": rows["label"].to_numpy(),
        }
    ).to_csv(out / "captions.csv", index=False)
    return {"captioned_train": len(train) - len(uncaptioned), "uncaptioned": len(uncaptioned)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rsicd", type=Path, default=REPO.parent / "shared/datasets/rsicd")
    parser.add_argument("--out", type=Path, required=True, help="a new folder, outside the repo")
    parser.add_argument("--captioned", type=float, default=0.1, help="share of train captioned")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not 0 < args.captioned < 1:
        parser.error(f"--captioned must be in (0, 1); got {args.captioned}")
    counts = write_layout(args.rsicd, args.out, args.captioned, args.seed)
    print(f"{counts}; catalog entry:")
    print(
        "raw_corpus:\n  type: sclip.datasets.CaptionTableDataset\n"
        f"  captions_file: {args.out / 'captions.csv'}\n"
        f"  images_dir: {args.rsicd / 'RSICD_images'}\n"
        f"  unpaired_dir: {args.out / 'uncaptioned'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
