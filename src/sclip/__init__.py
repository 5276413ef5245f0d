"""S-CLIP: semi-supervised fine-tuning of CLIP-style dual encoders from few specialist captions."""

from sclip.allocator import keep_freed_memory

__version__ = "0.1.0"

# Before any tensor is allocated: with SCLIP_KEEP_FREED_MEMORY=1 every process that imports
# sclip (Kedro runs, the distributed workers, notebooks) reuses freed memory (allocator.py).
KEEPS_FREED_MEMORY = keep_freed_memory()
