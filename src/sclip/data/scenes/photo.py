"""Turning a drawn scene into something that looks like an aerial photograph."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter


def _smooth_noise(rng: np.random.Generator, cells: int, size: int) -> np.ndarray:
    """Smooth random field, about N(0, 1) per cell, bicubically upsampled to size x size."""
    field = Image.fromarray(rng.normal(0.0, 1.0, (cells, cells)).astype(np.float32))
    return np.asarray(field.resize((size, size), Image.Resampling.BICUBIC))


def photographic(
    image: Image.Image, size: int, rng: np.random.Generator
) -> tuple[Image.Image, bool]:
    """Random flip/quarter turn, lens blur and downsampling, then light of a random time of day and
    weather (exposure, colour temperature, haze, sometimes clouds and their shadows), uneven light
    and sensor noise at the final resolution (cheaper, and where a camera adds them).
    Returns the photograph and whether clouds were drawn over it."""
    k = int(rng.integers(8))
    if k >= 4:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    for _ in range(k % 4):
        image = image.transpose(Image.Transpose.ROTATE_90)
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.4, 3.0))))
    if rng.random() < 0.45:  # a coarser sensor: fewer pixels, scaled up again
        coarse = int(size * rng.uniform(0.35, 0.75))
        image = image.resize((coarse, coarse), Image.Resampling.BOX)
    arr = np.asarray(image.resize((size, size), Image.Resampling.BILINEAR), dtype=np.float32)
    warmth = rng.uniform(-1.0, 1.0)  # evening sun to cold overcast light
    gain = rng.uniform(0.72, 1.25) * rng.uniform(0.93, 1.07, size=3)  # exposure, white balance
    gain *= np.array([1 + 0.09 * warmth, 1.0, 1 - 0.09 * warmth])
    grey = arr.mean(axis=2, keepdims=True)
    arr = grey + (arr - grey) * rng.uniform(0.35, 1.3)  # saturation
    mean = arr.mean(axis=(0, 1))
    arr = (arr - mean) * rng.uniform(0.7, 1.15) + mean  # contrast
    clouds = bool(rng.random() < 0.3)
    if clouds:  # soft clouds over part of the scene, their shadows offset on the ground
        cover = np.clip((_smooth_noise(rng, 5, size) - rng.uniform(0.8, 1.3)) * 1.6, 0, 1)
        cover *= rng.uniform(0.4, 0.7)
        dx, dy = (int(v) for v in rng.integers(-size // 10, size // 10 + 1, size=2))
        shadow = np.roll(cover, (dy, dx), axis=(0, 1))
        arr *= 1 - 0.45 * shadow[..., None]
        arr = arr * (1 - cover[..., None]) + cover[..., None] * np.float32(236)
    if rng.random() < 0.4:  # atmospheric haze
        haze = rng.uniform(0.05, 0.3)
        arr = (1 - haze) * arr + haze * np.array([200, 205, 212], dtype=np.float32)
    arr = arr * gain * (1 + 0.07 * _smooth_noise(rng, 5, size)[..., None])
    arr += rng.normal(0.0, rng.uniform(2.0, 6.0), arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), clouds
