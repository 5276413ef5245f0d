"""pseudo_labeling: frozen image features → OT plan and pseudo-labels → quality report."""

from kedro.pipeline import Node, Pipeline

from sclip.pipelines.pseudo_labeling.nodes import dataset_pseudo_labels, pseudo_label_quality


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                dataset_pseudo_labels,
                [
                    "image_features",
                    "image_split",
                    "keyword_candidates",
                    "params:model",
                    "params:pseudo_labeling",
                ],
                ["caption_pseudo_labels", "ot_plan"],
                name="ot_pseudo_labels",
            ),
            Node(
                pseudo_label_quality,
                [
                    "ot_plan",
                    "image_features",
                    "images",
                    "image_split",
                    "caption_features",
                    "paired_captions",
                    "unpaired_captions",
                    "params:model",
                    "params:pseudo_labeling",
                ],
                ["pseudo_label_quality", "pseudo_label_quality_plot"],
                name="pseudo_label_quality",
            ),
        ]
    )
