"""Every parameter a run's nodes read, checked before the first node runs.

Each node checks its own parameters too, but only when it runs: a typo in `training.lr` used to
fail after the images were encoded and the dataset-level OT was solved (minutes on RSICD).
The checks here are the nodes' own (one function each, shared), so a run fails the same way,
with the same message naming the parameter, only at once. Runs of part of the project
(`--pipelines`, `--to-nodes`) check only what their nodes read."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sclip.data.split import check_label_ratio
from sclip.evaluation.evaluate import check_templates
from sclip.models import ModelConfig
from sclip.pipelines.embedding.nodes import check_embedding
from sclip.pipelines.keywords.nodes import check_keywords
from sclip.pipelines.pseudo_labeling.nodes import check_pseudo_labeling
from sclip.pipelines.training.nodes import check_method, check_methods
from sclip.training.config import TrainConfig
from sclip.training.distributed import DistributedConfig
from sclip.training.loop import check_every_steps
from sclip.training.methods import METHODS


def _mapping(name: str, value) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"Parameter '{name}' must be a mapping; got {value!r}")
    return value


# parameter name → its check, given all parameters (some checks read two groups)
CHECKS: dict[str, Callable[[dict], None]] = {
    "split": lambda p: check_label_ratio(_mapping("split", p["split"]).get("label_ratio")),
    "model": lambda p: ModelConfig.from_params(_mapping("model", p["model"])),
    "embedding": lambda p: check_embedding(_mapping("embedding", p["embedding"])),
    "keywords": lambda p: check_keywords(_mapping("keywords", p["keywords"])),
    "pseudo_labeling": lambda p: check_pseudo_labeling(
        _mapping("pseudo_labeling", p["pseudo_labeling"])
    ),
    "training": lambda p: TrainConfig.from_params(_mapping("training", p["training"])),
    "evaluation": lambda p: check_templates(
        _mapping("evaluation", p["evaluation"]).get("templates")
    ),
    "distributed": lambda p: DistributedConfig.from_params(p["distributed"]),
    "checkpoints": lambda p: check_every_steps(
        _mapping("checkpoints", p["checkpoints"]).get("every_steps", 0)
    ),
    "methods": lambda p: check_methods(p["methods"]),
}


def _check_method(p: dict, namespace: str) -> None:
    """`<namespace>.method` (the training pipeline's namespaced parameter)."""
    method = _mapping(f"{namespace}.method", p[namespace]["method"])
    name, chosen = method.get("name"), p.get("methods")
    if name in METHODS and isinstance(chosen, list) and name not in chosen:
        return  # its node skips it without reading the rest (a misspelt name still fails)
    split = p.get("split")
    ratio = split.get("label_ratio") if isinstance(split, dict) else None
    check_method(method, p.get("training") or {}, p.get("distributed") or {}, ratio)


def check_parameters(parameters: dict, inputs: Iterable[str]) -> None:
    """Raise the first error of the parameters among `inputs` (node inputs; those named
    "params:<name>" are checked, where a check for <name> exists)."""
    names = sorted({i.removeprefix("params:") for i in inputs if i.startswith("params:")})
    for name in names:
        top, _, rest = name.partition(".")
        if top not in parameters:
            continue  # Kedro itself reports a missing parameter
        if rest == "method" and isinstance(parameters[top], dict):
            _check_method(parameters, top)
        elif name in CHECKS:
            CHECKS[name](parameters)
