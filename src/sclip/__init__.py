"""S-CLIP: semi-supervised fine-tuning of CLIP-style dual encoders from few specialist captions."""

from sclip.allocator import keep_freed_memory

__version__ = "0.1.0"

# Before any tensor is allocated: every process that imports sclip (Kedro runs, the
# distributed workers, notebooks, benchmarks) reuses freed activations (see allocator.py).
KEEPS_FREED_MEMORY = keep_freed_memory()
