"""Kedro-Viz on a finished run of the built-in project: its JSON API lists every pipeline with
readable names, layers and previews, and the page itself, loaded in headless Chromium, draws
the pipeline graph. The screenshot is kept in tests/artifacts/kedro_viz.png."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

from sclip.settings import PIPELINE_NAMES
from tests.pipelines.test_project_run import REPO, TINY, TINY_DATA, make_project, run_kedro

TASKS = {
    "split_paired_unpaired",
    "embed_images",
    "build_vocabulary",
    "ot_pseudo_labels",
    "compare_methods",
}
ARTIFACTS = REPO / "tests" / "artifacts"


def free_port() -> int:
    """A free port where Kedro-Viz accepts one (it refuses the ephemeral range)."""
    for port in range(4300, 4400):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 4300-4399")


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


def headless(browser: str, url: str, *args: str) -> subprocess.CompletedProcess:
    """Chromium offline: no sandbox (root in CI), no GPU, no network calls of its own."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--window-size=1600,1000",
                "--virtual-time-budget=20000",  # let the app fetch /api/main and lay out
                *args,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def viz(tmp_path_factory):
    """A tiny project after `kedro run`, served by `kedro viz run`; yields the base URL."""
    tmp = tmp_path_factory.mktemp("viz")
    mp = pytest.MonkeyPatch()
    project = make_project(tmp, {**TINY, "methods": ["clip_ft", "s_clip"]}, TINY_DATA)
    run_kedro(project, mp)
    mp.undo()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kedro",
            "viz",
            "run",
            "--no-browser",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"},
        start_new_session=True,  # its own process group: the server runs in a child process
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while True:
            try:
                get_json(f"{url}/api/main")
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    log = server.stdout.read().decode(errors="replace")[-3000:]
                    pytest.fail(f"kedro viz did not come up on {url}:\n{log}")
                time.sleep(1)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)  # kedro viz and the server it spawned
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@pytest.mark.slow
def test_api_lists_every_pipeline_with_layers_and_previews(viz):
    main = get_json(f"{viz}/api/main")
    # Every registered pipeline, and exactly those the tracking switch knows (settings.py).
    assert {p["id"] for p in main["pipelines"]} == set(PIPELINE_NAMES)
    by_name = {n["name"]: n for n in main["nodes"]}
    assert {n["name"] for n in main["nodes"] if n["type"] == "task"} >= TASKS
    assert {"intermediate", "primary", "feature", "model_input", "reporting"} <= set(main["layers"])
    assert by_name["comparison_csv"]["layer"] == "reporting"
    # Namespaced methods are modular pipelines, shown collapsed with their names.
    assert {"clip_ft", "s_clip"} <= set(main["modular_pipelines"])

    def preview(name):
        return get_json(f"{viz}/api/nodes/{by_name[name]['id']}")["preview"]

    table = preview("comparison_csv")
    assert "zero_shot_top1" in table["columns"] and table["data"]
    assert "s_clip" in json.loads(preview("comparison_metrics"))
    assert preview("comparison_plot").startswith("iVBORw0KGgo")  # a base64 PNG


@pytest.mark.slow
def test_page_draws_the_graph_in_headless_chromium(viz):
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's 'chromium' package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    dom = headless(browser, viz + "/", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    for name in TASKS:
        assert name in dom.stdout, f"node {name!r} not drawn"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "kedro_viz.png"
    shot.unlink(missing_ok=True)
    result = headless(browser, viz + "/", f"--screenshot={shot}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one
