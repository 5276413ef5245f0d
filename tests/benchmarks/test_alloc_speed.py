"""alloc_speed's after-scope children: each reports its setting's time and page faults, and a
child that runs in the wrong allocator mode is an error rather than a wrong figure."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.benchmarks.conftest import load_script

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")


def test_after_scope_children_report_their_setting():
    alloc_speed = load_script("alloc_speed")
    for setting, keep in (("ceiling", None), ("glibc", "0")):
        child = alloc_speed._run_child(["--child-after", setting], keep)
        assert child["setting"] == setting and child["seconds"] > 0 and child["faults"] >= 0


def test_a_child_in_the_wrong_mode_fails():
    alloc_speed = load_script("alloc_speed")
    with pytest.raises(subprocess.CalledProcessError) as failed:
        alloc_speed._run_child(["--child-after", "ceiling"], "0")  # glibc's mode, not sclip's
    assert "runs in allocator mode 'off'" in failed.value.stderr
