"""data_processing: raw_corpus → images, captions → image_split and caption subsets."""

from kedro.pipeline import Node, Pipeline

from sclip.pipelines.data_processing.nodes import corpus_tables, split_images


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                corpus_tables,
                ["raw_corpus", "params:images"],
                ["images", "captions", "skipped_images"],
                name="corpus_tables",
            ),
            Node(
                split_images,
                ["images", "captions", "params:split"],
                ["image_split", "paired_captions", "eval_captions", "unpaired_captions"],
                name="split_paired_unpaired",
            ),
        ]
    )
