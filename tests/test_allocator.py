"""sclip keeps freed tensor memory for reuse where it is bounded (no page faults in a steady
loop), process wide on request, and hands it back."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

CHILD = """
import json, resource, sys, sclip, torch
from contextlib import nullcontext
from sclip.allocator import freed_memory_kept, mode, release_freed_memory

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def resident_mb():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20

torch.manual_seed(0)
conv, x = torch.nn.Conv2d(3, 32, 3, padding=1), torch.rand(8, 3, 256, 256)
rounds = []
with torch.no_grad(), (freed_memory_kept() if sys.argv[1] == "scoped" else nullcontext()):
    for _ in range(6):  # a forward pass over and over, as an encoding or training loop does
        before = faults()
        conv(x).relu().sum()
        rounds.append(faults() - before)
big = torch.ones(64 * 2**20)  # 256 MiB
del big
held = resident_mb()
released = release_freed_memory()
print(json.dumps({"mode": mode(), "kept": sclip.KEEPS_FREED_MEMORY, "faults": rounds,
                  "held_mb": held, "released": released, "after_release_mb": resident_mb()}))
"""
OUTPUT_PAGES = 8 * 32 * 256 * 256 * 4 // os.sysconf("SC_PAGE_SIZE")  # the conv's 64 MiB output


def run_child(scope: str = "none", **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    for name in ("GLIBC_TUNABLES", "SCLIP_KEEP_FREED_MEMORY"):
        clean.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, scope], env={**clean, **env}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def glibc_faults_every_pass(default: dict) -> None:
    # glibc's default maps the 64 MiB activations afresh each pass and unmaps them on free
    if min(default["faults"][2:]) < OUTPUT_PAGES // 2:
        pytest.skip(f"this kernel faults in huge pages ({default['faults']}): nothing to compare")


def test_within_the_scope_a_repeated_forward_pass_reuses_its_memory():
    default, scoped = run_child("none"), run_child("scoped")
    assert default["mode"] == scoped["mode"] == "scoped" and not scoped["kept"]
    glibc_faults_every_pass(default)
    assert max(scoped["faults"][2:]) < OUTPUT_PAGES // 20, scoped


def test_process_wide_on_request_and_kept_memory_is_handed_back():
    default, kept = run_child(SCLIP_KEEP_FREED_MEMORY="0"), run_child(SCLIP_KEEP_FREED_MEMORY="1")
    assert kept["mode"] == "process" and kept["kept"] and not default["kept"]
    glibc_faults_every_pass(default)
    assert max(kept["faults"][2:]) < OUTPUT_PAGES // 20, kept
    assert kept["released"]
    assert kept["held_mb"] - kept["after_release_mb"] > 200, kept  # the 256 MiB freed tensor


def test_users_own_malloc_tuning_and_the_opt_out_are_left_alone():
    for env in ({"MALLOC_ARENA_MAX": "2"}, {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1"}):
        child = run_child("scoped", SCLIP_KEEP_FREED_MEMORY="1", **env)
        assert child["mode"] == "off" and not child["kept"]
    assert run_child(SCLIP_KEEP_FREED_MEMORY="0")["mode"] == "off"


def test_a_bad_setting_names_the_variable(monkeypatch):
    from sclip.allocator import mode

    monkeypatch.setenv("SCLIP_KEEP_FREED_MEMORY", "yes")
    with pytest.raises(ValueError, match="SCLIP_KEEP_FREED_MEMORY must be 0, 1 or unset"):
        mode()


def test_kedro_runs_release_freed_memory_between_nodes():
    from sclip.hooks import ReleaseFreedMemory
    from sclip.settings import HOOKS

    assert any(isinstance(hook, ReleaseFreedMemory) for hook in HOOKS)


def test_nested_scopes_restore_the_thresholds_once_the_outermost_closes(monkeypatch):
    import sclip.allocator as allocator

    calls = []
    monkeypatch.setattr(allocator, "mode", lambda: "scoped")
    monkeypatch.setattr(allocator, "_set_thresholds", lambda m, t: calls.append(("set", m)))
    monkeypatch.setattr(allocator, "release_freed_memory", lambda: calls.append(("release",)))
    with allocator.freed_memory_kept():  # a training run
        with allocator.freed_memory_kept():  # an encoding inside it
            pass
        assert calls == [("set", allocator.MMAP_THRESHOLD)]  # the inner one left them raised
        with pytest.raises(RuntimeError), allocator.freed_memory_kept():
            raise RuntimeError
        assert calls == [("set", allocator.MMAP_THRESHOLD)]
    assert calls == [
        ("set", allocator.MMAP_THRESHOLD),
        ("set", allocator.GLIBC_START),
        ("release",),
    ]
