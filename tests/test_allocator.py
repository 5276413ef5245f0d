"""sclip keeps freed tensor memory for reuse where it is bounded (no page faults in a steady
loop), process wide on request, and hands it back."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

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
conv, x = torch.nn.Conv2d(3, 32, 3, padding=1), torch.rand(int(sys.argv[2]), 3, 256, 256)
if sys.argv[1] in ("after_scope", "glibc_start"):  # a scope first, as an image encoding
    with freed_memory_kept():
        pass
    if sys.argv[1] == "glibc_start":  # the thresholds sclip left before 2026-12-07
        from sclip import allocator
        allocator._set_thresholds(allocator.GLIBC_START, allocator.GLIBC_START)
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


def run_child(scope: str = "none", batch: int = 8, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    for name in ("GLIBC_TUNABLES", "SCLIP_KEEP_FREED_MEMORY"):
        clean.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, scope, str(batch)],
        env={**clean, **env},
        capture_output=True,
        text=True,
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


def test_after_a_scope_blocks_below_glibcs_ceiling_are_reused():
    # 16 MiB activations. A scope's mallopt ends glibc's adaptive threshold for good, so the
    # thresholds it leaves decide: at glibc's starting 128 KiB (sclip's before 2026-12-07) every
    # pass maps its output afresh; at glibc's ceiling the heap serves it, faulting no more than
    # glibc's own thresholds do.
    pages = 2 * 32 * 256 * 256 * 4 // os.sysconf("SC_PAGE_SIZE")
    glibc = run_child("none", 2, SCLIP_KEEP_FREED_MEMORY="0")
    after, start = run_child("after_scope", 2), run_child("glibc_start", 2)
    assert glibc["mode"] == "off" and after["mode"] == start["mode"] == "scoped"
    if min(start["faults"][2:]) < pages // 2:
        pytest.skip(f"this kernel faults in huge pages ({start['faults']}): nothing to compare")
    assert max(after["faults"][2:]) < pages // 20, after
    assert sum(after["faults"][2:]) <= sum(glibc["faults"][2:]), (after, glibc)


def test_each_kedro_node_keeps_freed_memory_and_hands_it_back_when_it_ends(monkeypatch):
    import sclip.allocator as allocator
    import sclip.hooks as hooks
    from sclip.settings import HOOKS

    assert any(isinstance(hook, hooks.KeepFreedMemory) for hook in HOOKS)
    calls = []
    monkeypatch.setattr(allocator, "mode", lambda: "scoped")
    monkeypatch.setattr(allocator, "_set_thresholds", lambda m, t: calls.append(("set", m)))
    monkeypatch.setattr(allocator, "release_freed_memory", lambda: calls.append(("release",)))
    monkeypatch.setattr(hooks, "release_freed_memory", lambda: calls.append(("release",)))
    hook, node = hooks.KeepFreedMemory(), SimpleNamespace(name="embed_captions")
    hook.before_node_run(node)
    assert calls == [("release",), ("set", allocator.MMAP_THRESHOLD)]
    assert allocator._scopes["open"] == 1
    hook.after_node_run(node)
    assert allocator._scopes["open"] == 0
    assert calls[2:] == [("set", allocator.GLIBC_MMAP_MAX), ("release",)]
    hook.before_node_run(node)  # a node that fails closes its scope too
    hook.on_node_error(node)
    assert allocator._scopes["open"] == 0 and calls[-2:] == calls[2:4]


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
        ("set", allocator.GLIBC_MMAP_MAX),
        ("release",),
    ]
