"""sclip keeps freed tensor memory for reuse (no page faults in a steady loop) and hands it
back on request."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

CHILD = """
import json, resource, sclip, torch
from sclip.allocator import release_freed_memory

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def resident_mb():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20

torch.manual_seed(0)
conv, x = torch.nn.Conv2d(3, 32, 3, padding=1), torch.rand(8, 3, 256, 256)
rounds = []
with torch.no_grad():
    for _ in range(6):  # a forward pass over and over, as an encoding or training loop does
        before = faults()
        conv(x).relu().sum()
        rounds.append(faults() - before)
big = torch.ones(64 * 2**20)  # 256 MiB
del big
held = resident_mb()
released = release_freed_memory()
print(json.dumps({"kept": sclip.KEEPS_FREED_MEMORY, "faults": rounds, "held_mb": held,
                  "released": released, "after_release_mb": resident_mb()}))
"""


def run_child(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    clean.pop("GLIBC_TUNABLES", None)
    out = subprocess.run(
        [sys.executable, "-c", CHILD], env={**clean, **env}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_repeated_forward_pass_reuses_its_memory_instead_of_faulting_it_in():
    default, kept = run_child(SCLIP_KEEP_FREED_MEMORY="0"), run_child()
    assert not default["kept"] and kept["kept"]
    output_pages = 8 * 32 * 256 * 256 * 4 // os.sysconf("SC_PAGE_SIZE")
    # glibc's default maps the 64 MiB activations afresh each pass and unmaps them on free
    if min(default["faults"][2:]) < output_pages // 2:
        pytest.skip(f"this kernel faults in huge pages ({default['faults']}): nothing to compare")
    assert max(kept["faults"][2:]) < output_pages // 20, kept


def test_kept_memory_is_handed_back_on_release():
    kept = run_child()
    assert kept["released"]
    assert kept["held_mb"] - kept["after_release_mb"] > 200, kept  # the 256 MiB freed tensor


def test_users_own_malloc_tuning_and_the_opt_out_are_left_alone():
    assert not run_child(MALLOC_ARENA_MAX="2")["kept"]
    assert not run_child(GLIBC_TUNABLES="glibc.malloc.trim_threshold=1")["kept"]
    assert not run_child(SCLIP_KEEP_FREED_MEMORY="0")["kept"]


def test_kedro_runs_release_freed_memory_between_nodes():
    from sclip.hooks import ReleaseFreedMemory
    from sclip.settings import HOOKS

    assert any(isinstance(hook, ReleaseFreedMemory) for hook in HOOKS)
