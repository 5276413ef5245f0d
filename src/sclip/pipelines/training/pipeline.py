"""training: one namespace per method (clip_ft, …) over the same template."""

from kedro.pipeline import Node, Pipeline

from sclip.pipelines.training.nodes import train_method

METHODS = ("clip_ft", "hard_pl", "soft_pl", "s_clip")
SHARED_INPUTS = [
    "image_features",
    "paired_text_features",
    "eval_text_features",
    "images",
    "image_split",
    "paired_captions",
    "eval_captions",
    "keyword_vocabulary",
    "keyword_candidates",
    "keyword_features",
]
SHARED_PARAMS = [
    "params:methods",
    "params:model",
    "params:training",
    "params:evaluation",
    "params:checkpoints",
    "params:distributed",
    "params:split",
]


def template() -> Pipeline:
    return Pipeline(
        [
            Node(
                train_method,
                [*SHARED_INPUTS, "params:method", *SHARED_PARAMS],
                ["model", "history"],
                name="train",
            )
        ]
    )


def create_pipeline(**kwargs) -> Pipeline:
    return sum(
        (
            Pipeline(
                template(),
                namespace=method,
                inputs=set(SHARED_INPUTS),
                parameters={p: p for p in SHARED_PARAMS},
            )
            for method in METHODS
        ),
        Pipeline([]),
    )
