"""Resident memory of a command over time: its process's and its descendants' VmRSS, sampled.

    python benchmarks/rss_trace.py --out /tmp/rss.json -- python benchmarks/seeds.py --env rsicd …

`/usr/bin/time -v` gives one figure, the peak of the process or of any child it waited for.
This gives the curve: the process's RSS every `--every` seconds, the sum over its living
descendants beside it, and the largest descendant by command line, so a peak can be placed
(which session, whether a child process) and memory held between phases seen. Linux only."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def rss_mb(pid: int) -> float | None:
    """VmRSS of `pid` in MB; None once it is gone (or a zombie)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def descendants(pid: int) -> list[int]:
    """Every living descendant of `pid` (/proc/<pid>/task/<tid>/children)."""
    out = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            out += [child, *descendants(child)]
    return out


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return "?"


def trace(argv: list[str], every: float = 0.2) -> dict:
    """Run `argv`, sampling until it exits; the samples ([seconds, own MB, descendants' MB]),
    the peaks and the exit status."""
    if not Path("/proc/self/status").exists():
        raise RuntimeError("rss_trace reads /proc: Linux only")
    start = time.perf_counter()
    child = subprocess.Popen(argv)
    samples, largest = [], {}
    while child.poll() is None:
        own = rss_mb(child.pid)
        kids = {pid: rss_mb(pid) for pid in descendants(child.pid)}
        kids = {pid: mb for pid, mb in kids.items() if mb is not None}
        for pid, mb in kids.items():
            name = command_line(pid)
            largest[name] = max(largest.get(name, 0.0), mb)
        if own is not None:
            samples.append(
                [round(time.perf_counter() - start, 2), round(own), round(sum(kids.values()))]
            )
        time.sleep(every)
    return {
        "command": argv,
        "returncode": child.returncode,
        "seconds": round(time.perf_counter() - start, 1),
        "every_s": every,
        "peak_mb": max((s[1] for s in samples), default=0),
        "peak_with_descendants_mb": max((s[1] + s[2] for s in samples), default=0),
        "largest_descendants_mb": dict(sorted(largest.items(), key=lambda kv: -kv[1])[:10]),
        "samples": samples,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--every", type=float, default=0.2, help="seconds between samples")
    parser.add_argument("--out", type=Path, required=True, help="the trace as JSON")
    parser.add_argument("command", nargs="+", help="the command, after --")
    args = parser.parse_args(argv)
    result = trace(args.command, args.every)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result))
    print(
        f"peak RSS {result['peak_mb']} MB (with descendants {result['peak_with_descendants_mb']}"
        f" MB) over {result['seconds']} s, {len(result['samples'])} samples; exit "
        f"{result['returncode']}; trace: {args.out}"
    )
    return result["returncode"]


if __name__ == "__main__":
    sys.exit(main())
