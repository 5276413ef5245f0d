"""keywords: paired captions → keyword_vocabulary → keyword_candidates, keyword_features."""

from kedro.pipeline import Node, Pipeline

from sclip.pipelines.keywords.nodes import build_vocabulary, embed_keywords, match_keywords


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                build_vocabulary,
                ["images", "paired_captions", "params:keywords"],
                "keyword_vocabulary",
                name="build_vocabulary",
            ),
            Node(
                match_keywords,
                ["paired_captions", "keyword_vocabulary"],
                "keyword_candidates",
                name="match_keywords",
            ),
            Node(
                embed_keywords,
                ["keyword_vocabulary", "params:keywords", "params:model", "params:embedding"],
                "keyword_features",
                name="embed_keywords",
            ),
        ]
    )
