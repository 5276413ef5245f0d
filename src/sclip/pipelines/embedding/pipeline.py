"""embedding: images, captions → cached frozen-prefix features (safetensors)."""

from kedro.pipeline import Node, Pipeline

from sclip.pipelines.embedding.nodes import embed_captions, embed_images


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                embed_images,
                ["images", "params:model", "params:embedding"],
                "image_features",
                name="embed_images",
            ),
            Node(
                embed_captions,
                ["paired_captions", "eval_captions", "params:model", "params:embedding"],
                ["paired_text_features", "eval_text_features"],
                name="embed_captions",
            ),
        ]
    )
