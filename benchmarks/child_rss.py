"""Peak resident memory of a Python module run in a child process, as speed.py's peak-RSS
figure measures `kedro run`.

wait4's ru_maxrss will not do: subprocess starts a child by vfork + exec, and Linux carries the
parent's high-water mark over the exec, so the child's figure is at least the parent's peak.
After speed.py's other sections it reported speed.py's own 18.9 GB for a kedro run of ~3 GB.
The child reads its own VmHWM instead (the high-water mark of the memory map exec gave it) as
it exits."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

OUT_ENV = "SCLIP_PEAK_RSS_FILE"

# Runs `python -m <argv[1]> <argv[2:]>` and, at exit (also through sys.exit), writes VmHWM.
_WRAPPER = f"""
import atexit, os, runpy, sys

def _write_peak():
    with open("/proc/self/status") as status:
        kib = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["{OUT_ENV}"], "w") as out:
        out.write(kib)

atexit.register(_write_peak)
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def module_peak_rss(
    module: str, args: list[str], cwd: Path, env: dict | None = None, stdout=None
) -> tuple[int, float]:
    """Exit status and peak RSS in MB of `python -m module *args`: its own process, not any
    process it starts (e.g. torch.compile's workers). Linux only (/proc/self/status)."""
    if not Path("/proc/self/status").exists():
        raise RuntimeError("peak RSS reads /proc/<pid>/status: Linux only")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "vmhwm_kib"
        child = subprocess.run(
            [sys.executable, "-c", _WRAPPER, module, *args],
            cwd=cwd,
            stdout=stdout,
            env={**(os.environ if env is None else env), OUT_ENV: str(out)},
        )
        if not out.exists():
            raise RuntimeError(
                f"python -m {module} exited ({child.returncode}) without reporting its peak RSS"
            )
        return child.returncode, int(out.read_text()) / 1024
