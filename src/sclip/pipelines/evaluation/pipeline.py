"""evaluation: untrained and per-method metrics on val/test, then one comparison report."""

import warnings
from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from sclip.pipelines.evaluation.nodes import compare, evaluate_trained, evaluate_untrained
from sclip.pipelines.training.pipeline import METHODS

EVAL_INPUTS = [
    "image_features",
    "eval_text_features",
    "images",
    "image_split",
    "eval_captions",
    "params:model",
    "params:evaluation",
]


def create_pipeline(**kwargs) -> Pipeline:
    per_method = [
        Pipeline(
            [Node(evaluate_trained, ["model", *EVAL_INPUTS], "metrics", name="evaluate")],
            namespace=method,
            inputs=set(EVAL_INPUTS) - {"params:model", "params:evaluation"},
            parameters={"params:model", "params:evaluation"},
        )
        for method in METHODS
    ]
    report = update_wrapper(partial(compare, list(METHODS)), compare)
    with warnings.catch_warnings():
        # The report reads every namespace's outputs by their dotted names, on purpose.
        warnings.filterwarnings("ignore", message="One or more dataset names contain")
        compare_node = Node(
            report,
            [
                "untrained.metrics",
                *[f"{m}.metrics" for m in METHODS],
                *[f"{m}.history" for m in METHODS],
            ],
            [
                "comparison_metrics",
                "comparison_table",
                "comparison_csv",
                "comparison_plot",
                "training_curves",
                "tracked_metrics",
            ],
            name="compare_methods",
        )
    return Pipeline(
        [
            Pipeline(
                [Node(evaluate_untrained, EVAL_INPUTS, "metrics", name="evaluate")],
                namespace="untrained",
                inputs=set(EVAL_INPUTS) - {"params:model", "params:evaluation"},
                parameters={"params:model", "params:evaluation"},
            ),
            *per_method,
            compare_node,
        ]
    )
