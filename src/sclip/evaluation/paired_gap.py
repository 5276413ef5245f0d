"""One method's gain over another, seed by seed, from benchmarks/seeds.py results.

Each seed fixes the paired/unpaired split and the initialisation, so `method − baseline` of
the same seed removes what the split alone moves (RSICD's zero-shot spread between seeds is
several points, the same for both methods). The mean gap gets a Student-t interval: with three
seeds it is wide, which is what a target on the mean of three seeds cannot show."""

from __future__ import annotations

import math
import statistics

from scipy import stats

# Runs are deterministic (same seed, code and data: same numbers), so a seed found in two
# results must agree up to rounding; a larger difference means different settings or code.
AGREE = 1e-6


def seed_values(result: dict, key: str, metric: str, split: str = "test") -> dict[int, float]:
    """{seed: value} of `metric` for `key` ("s_clip@0.1") in one seeds.py result; metric
    "mean_r5_one" is the mean of i2t_r5_one and t2i_r5_one."""
    where = f"{split}[{key!r}]"
    if key not in result.get(split, {}):
        known = sorted(result.get(split, {}))
        raise ValueError(f"No {where} in this result; it has {known}")
    metrics = result[split][key]
    if metric == "mean_r5_one":
        halves = [_values(metrics, m, where) for m in ("i2t_r5_one", "t2i_r5_one")]
        values = [(a + b) / 2 for a, b in zip(*halves, strict=True)]
    else:
        values = _values(metrics, metric, where)
    seeds = result["seeds"]
    if len(values) != len(seeds):
        raise ValueError(
            f"{where}[{metric!r}] has {len(values)} values for {len(seeds)} seeds {seeds}"
        )
    return dict(zip(seeds, values, strict=True))


def _values(metrics: dict, metric: str, where: str) -> list[float]:
    if metric not in metrics or "values" not in metrics[metric]:
        raise ValueError(f"{where} has no per-seed values of {metric!r}; it has {sorted(metrics)}")
    return metrics[metric]["values"]


def merged_seed_values(
    results: dict[str, dict], key: str, metric: str, split: str = "test"
) -> dict[int, float]:
    """seed_values over several results (name → result) that have `key` (a file of extra seeds
    may hold the baseline only); a seed in more than one must have the same value in each (a
    clear error names both results otherwise)."""
    having = {n: r for n, r in results.items() if key in r.get(split, {})}
    if not having:
        known = {n: sorted(r.get(split, {})) for n, r in results.items()}
        raise ValueError(f"No {split}[{key!r}] in any result; they have {known}")
    merged, source = {}, {}
    for name, result in having.items():
        for seed, value in seed_values(result, key, metric, split).items():
            if seed in merged and abs(merged[seed] - value) > AGREE:
                raise ValueError(
                    f"Seed {seed} of {key} {metric} is {merged[seed]} in {source[seed]} but "
                    f"{value} in {name}: not the same run (settings, code or data differ)"
                )
            merged.setdefault(seed, value)
            source.setdefault(seed, name)
    return dict(sorted(merged.items()))


def paired_gap(method: dict[int, float], baseline: dict[int, float]) -> dict:
    """method − baseline over the seeds both have: per-seed gaps, their mean, sample std,
    standard error and a two-sided 95 % Student-t interval for the mean (None below 2 seeds)."""
    seeds = sorted(set(method) & set(baseline))
    if not seeds:
        raise ValueError(
            f"No seed in common: method has {sorted(method)}, baseline {sorted(baseline)}"
        )
    gaps = [method[s] - baseline[s] for s in seeds]
    mean = statistics.fmean(gaps)
    out = {"seeds": seeds, "gaps": gaps, "n": len(gaps), "mean": mean}
    if len(gaps) < 2:
        return {**out, "std": None, "se": None, "ci95": None}
    std = statistics.stdev(gaps)
    se = std / math.sqrt(len(gaps))
    half = stats.t.ppf(0.975, len(gaps) - 1) * se
    return {**out, "std": std, "se": se, "ci95": [mean - half, mean + half]}
