"""rss_trace: the command's own RSS curve and its child processes', apart."""

from __future__ import annotations

import json
import sys

import pytest

from tests.benchmarks.conftest import load_script

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# The parent holds 150 MB, then starts a child holding 300 MB, then exits with status 4.
PARENT = """
import subprocess, sys, time
block = bytearray(150 * 2**20)
time.sleep(0.6)
subprocess.run([sys.executable, "-c",
                "import time; b = bytearray(300 * 2**20); time.sleep(0.8)"], check=True)
sys.exit(4)
"""


def test_the_curve_separates_the_process_from_its_children(tmp_path):
    rss_trace = load_script("rss_trace")
    (tmp_path / "parent.py").write_text(PARENT)
    out = tmp_path / "trace.json"
    status = rss_trace.main(
        ["--every", "0.05", "--out", str(out), sys.executable, str(tmp_path / "parent.py")]
    )
    result = json.loads(out.read_text())
    assert status == result["returncode"] == 4
    assert 150 <= result["peak_mb"] < 300  # its own: the child's 300 MB are not in it
    assert result["peak_with_descendants_mb"] >= 450
    ((name, child_mb),) = [
        (n, mb) for n, mb in result["largest_descendants_mb"].items() if "bytearray(300" in n
    ]
    assert 300 <= child_mb < 400
    seconds = [s[0] for s in result["samples"]]
    assert seconds == sorted(seconds) and len(seconds) > 10
