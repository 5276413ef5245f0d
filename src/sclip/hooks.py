"""Project hooks around kedro-mlflow: the report's table and plots go to the MLflow run it
opened, and that run is really closed when the pipeline ends.

kedro-mlflow's own artifact wrapper cannot wrap a versioned dataset in Kedro 1.x (its inner
dataset draws a save version of its own, which the catalog rejects), so the saved objects are
logged from memory instead: the versioned files on disk stay exactly as the catalog wrote them."""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl

from sclip.allocator import freed_memory_kept, release_freed_memory

log = logging.getLogger(__name__)

# Catalog entry → artifact path in the MLflow run.
ARTIFACTS = {
    "comparison_table": "reporting/metrics.md",
    "comparison_plot": "reporting/comparison.png",
    "training_curves": "reporting/training_curves.png",
    "pseudo_label_quality_plot": "reporting/pseudo_label_quality.png",
    "pseudo_label_quality": "reporting/pseudo_label_quality.json",
    "comparison_metrics": "reporting/metrics.json",
}


class TrackArtifacts:
    def __init__(self) -> None:
        self._outer_run: str | None = None

    @hook_impl
    def after_context_created(self, context) -> None:
        run = mlflow.active_run()  # a run the user opened before Kedro: left open
        self._outer_run = run.info.run_id if run else None

    @hook_impl
    def after_pipeline_run(self, run_params, pipeline, catalog) -> None:
        # kedro-mlflow re-enters its run before every node; with MLflow 3 each re-entry stacks,
        # and its single end_run() at the end leaves the run active for the next session in
        # this process (a notebook, tests). Plugins' hooks run first, so this comes after it.
        while (run := mlflow.active_run()) is not None and run.info.run_id != self._outer_run:
            mlflow.end_run()

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node) -> None:
        artifact = ARTIFACTS.get(dataset_name)
        if artifact is None or mlflow.active_run() is None:  # tracking off: nothing to do
            return
        if isinstance(data, str):
            mlflow.log_text(data, artifact)
        elif isinstance(data, dict):
            mlflow.log_dict(data, artifact)
        elif hasattr(data, "savefig"):
            mlflow.log_figure(data, artifact)
        else:
            log.warning("Not logged to MLflow: %s (%s)", dataset_name, type(data).__name__)


class CheckParameters:
    """Every parameter the run's nodes read is checked before the first node runs
    (sclip/parameter_checks.py): a bad one fails in seconds, not after minutes of encoding.
    First of all hooks, so no MLflow run is opened for a run that cannot start."""

    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, pipeline, catalog) -> None:
        from sclip.parameter_checks import check_parameters  # the nodes' modules: torch

        inputs = {name for node in pipeline.nodes for name in node.inputs}
        check_parameters(catalog.load("parameters"), inputs)


def process_peak_rss_mb() -> float | None:
    """This process's peak resident memory so far (VmHWM) in MB; None off Linux."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration, ValueError):
        return None


class NodeTimes:
    """Seconds per node of the last pipeline run, and the process's peak RSS after each, logged
    as each node ends: where a run's time and memory go (benchmarks/seeds.py records both).
    Also the nodes whose output says they continued from an earlier run's checkpoint
    (`resumed`: node → where), whose seconds are then only the rest of the work."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.resumed: dict[str, dict] = {}
        self.peak_rss_mb: dict[str, float] = {}
        self._started: dict[str, float] = {}

    @hook_impl
    def before_pipeline_run(self) -> None:
        self.seconds, self.resumed, self.peak_rss_mb, self._started = {}, {}, {}, {}

    @hook_impl
    def before_node_run(self, node) -> None:
        self._started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node, outputs: dict[str, Any]) -> None:
        seconds = time.perf_counter() - self._started.pop(node.name, time.perf_counter())
        self.seconds[node.name] = round(seconds, 2)
        # The process's high-water mark so far: the node where it last rises holds the peak
        # (resetting it per node would corrupt every outside peak-RSS figure).
        peak = process_peak_rss_mb()
        if peak is not None:
            self.peak_rss_mb[node.name] = round(peak)
        memory = "" if peak is None else f"; peak RSS so far {peak:.0f} MB"
        log.info("Node %s took %.1f s%s", node.name, seconds, memory)
        for data in outputs.values():
            meta = data.get("__metadata__") if isinstance(data, dict) else None
            if isinstance(meta, dict) and meta.get("resumed_from") is not None:
                self.resumed[node.name] = meta["resumed_from"]


class KeepFreedMemory:
    """Each node runs in a `freed_memory_kept` scope (sclip/allocator.py): freed tensor memory
    is reused within the node (its loops stop faulting pages in: caption encoding, the dataset-level
    OT, evaluation) and its free pages go back to the kernel when it ends, so what one node
    kept never adds to the next one's peak. Within a node it does: encoding RSICD from scratch
    peaks at 2.49 GB, 1.99 GB when only the image encoding was scoped (benchmarks/README.md).
    With SCLIP_KEEP_FREED_MEMORY=1 (kept process wide) the pages go back before each node
    instead. Milliseconds where little is held."""

    def __init__(self) -> None:
        self._scopes: dict[str, ExitStack] = {}

    @hook_impl
    def before_node_run(self, node) -> None:
        release_freed_memory()
        scope = ExitStack()
        scope.enter_context(freed_memory_kept())
        self._scopes[node.name] = scope

    @hook_impl
    def after_node_run(self, node) -> None:
        self._close(node)

    @hook_impl
    def on_node_error(self, node) -> None:
        self._close(node)

    @hook_impl
    def after_pipeline_run(self) -> None:
        release_freed_memory()

    def _close(self, node) -> None:
        scope = self._scopes.pop(node.name, None)
        if scope is not None:
            scope.close()
