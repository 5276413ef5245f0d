"""child_rss.module_peak_rss: the child's own peak, not the parent's carried over."""

from __future__ import annotations

import resource
import sys

import numpy as np
import pytest

from tests.benchmarks.conftest import load_script

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

GROW = """
import sys
block = bytearray(200 * 2**20)  # 200 MB, zero-filled: resident
sys.exit(int(sys.argv[1]))
"""


def test_the_childs_peak_is_its_own_and_its_exit_status_comes_back(tmp_path):
    child_rss = load_script("child_rss")
    (tmp_path / "grow.py").write_text(GROW)
    big = np.ones(800 * 2**20 // 8)  # the parent's high-water mark above 800 MB
    del big
    parent_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert parent_peak_mb > 800
    status, peak_mb = child_rss.module_peak_rss("grow", ["3"], cwd=tmp_path)
    assert status == 3
    assert 200 < peak_mb < 500  # wait4's ru_maxrss would report >= parent_peak_mb


def test_a_child_killed_before_it_reports_is_an_error(tmp_path):
    child_rss = load_script("child_rss")
    (tmp_path / "killed.py").write_text("import os\nos._exit(5)  # no atexit, as under SIGKILL\n")
    with pytest.raises(RuntimeError, match=r"python -m killed exited \(5\) without reporting"):
        child_rss.module_peak_rss("killed", [], cwd=tmp_path)
