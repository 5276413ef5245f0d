"""Zero-shot classification and image-text retrieval metrics, reports and plots."""
