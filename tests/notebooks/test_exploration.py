"""The exploration notebook runs headless (nbclient) against a finished `kedro run` on the
built-in data, and is committed without outputs."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from tests.pipelines.test_project_run import REPO, TINY, TINY_DATA, make_project, run_kedro

NOTEBOOK = REPO / "notebooks" / "exploration.ipynb"


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code"
    assert all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
def test_notebook_executes_on_the_latest_run(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    project = make_project(tmp_path, {**TINY, "methods": ["clip_ft", "s_clip"]}, TINY_DATA)
    run_kedro(project, monkeypatch)
    (project / "notebooks").mkdir()
    shutil.copy(NOTEBOOK, project / "notebooks")
    nb = nbformat.read(project / "notebooks" / NOTEBOOK.name, as_version=4)
    # The kernel starts in notebooks/; the Kedro extension finds the project above it.
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(project / "notebooks")}},
    ).execute()  # raises CellExecutionError, with the cell and traceback, if any cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 4  # images, pseudo-labels, comparison plot, training curves
    text = "".join(str(o.get("text", "")) + str(o.get("data", {})) for o in outputs)
    assert "s_clip" in text and "zero_shot_top1" in text
    assert not (project / "notebooks" / "mlflow.db").exists()  # tracking stays at the root
