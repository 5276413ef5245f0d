"""embedding: images, captions → cached frozen-prefix features (safetensors), then the
paired and evaluation captions' rows of them for the current split."""

from kedro.pipeline import Node, Pipeline

from sclip.pipelines.embedding.nodes import embed_captions, embed_images, select_caption_features


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
                ["captions", "params:model", "params:embedding"],
                "caption_features",
                name="embed_captions",
            ),
            Node(
                select_caption_features,
                ["caption_features", "paired_captions", "eval_captions"],
                ["paired_text_features", "eval_text_features"],
                name="select_caption_features",
            ),
        ]
    )
