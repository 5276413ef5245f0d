"""S-CLIP: semi-supervised fine-tuning of CLIP-style dual encoders from few specialist captions."""

__version__ = "0.1.0"
