"""Turning a drawn scene into something that looks like an aerial photograph."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter


def photographic(image: Image.Image, size: int, rng: np.random.Generator) -> Image.Image:
    """Random flip/quarter turn, lens blur and downsampling, then colour jitter, uneven light and
    sensor noise at the final resolution (cheaper, and where a camera adds them)."""
    k = int(rng.integers(8))
    if k >= 4:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    for _ in range(k % 4):
        image = image.transpose(Image.Transpose.ROTATE_90)
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.4, 3.0))))
    arr = np.asarray(image.resize((size, size), Image.Resampling.BOX), dtype=np.float32)
    gain = rng.uniform(0.8, 1.2) * rng.uniform(0.9, 1.1, size=3)  # exposure, white balance
    grey = arr.mean(axis=2, keepdims=True)
    arr = grey + (arr - grey) * rng.uniform(0.55, 1.3)  # saturation
    mean = arr.mean(axis=(0, 1))
    arr = (arr - mean) * rng.uniform(0.75, 1.15) + mean  # contrast
    if rng.random() < 0.4:  # atmospheric haze
        haze = rng.uniform(0.05, 0.4)
        arr = (1 - haze) * arr + haze * np.array([200, 205, 212], dtype=np.float32)
    light = Image.fromarray(rng.normal(0.0, 1.0, (5, 5)).astype(np.float32))
    light = np.asarray(light.resize((size, size), Image.Resampling.BICUBIC))
    arr = arr * gain * (1 + 0.07 * light[..., None])
    arr += rng.normal(0.0, rng.uniform(2.0, 6.0), arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
