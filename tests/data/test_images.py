"""Image decoding: odd modes and sizes are converted; unreadable files are named."""

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from sclip.data.corpus import CaptionCorpus
from sclip.data.images import load_image, load_pixels, unreadable_images
from sclip.pipelines.data_processing.nodes import corpus_tables


@pytest.mark.parametrize(
    ("mode", "size"),
    [("L", (50, 30)), ("RGBA", (40, 90)), ("P", (33, 33)), ("CMYK", (64, 48)), ("I;16", (20, 70))],
)
def test_non_rgb_and_odd_sizes_are_converted(tmp_path, mode, size):
    path = tmp_path / f"img.{'tiff' if mode in ('CMYK', 'I;16') else 'png'}"
    Image.new(mode, size).save(path)
    pixels = load_image(str(path), 32)
    assert pixels.shape == (32, 32, 3) and pixels.dtype == np.uint8


def test_centre_crop_of_shorter_side_resize(tmp_path):
    img = np.zeros((20, 60, 3), np.uint8)
    img[:, 20:40] = 255  # a white centre band, a third of the width
    Image.fromarray(img).save(tmp_path / "a.png")
    out = load_pixels([str(tmp_path / "a.png")], 10)
    assert out.shape == (1, 3, 10, 10)
    assert out[0, :, :, 3:7].float().mean() > 200  # the centre survives the crop


def _bad_images(tmp_path):
    good = tmp_path / "good.jpg"
    Image.new("RGB", (64, 64), "red").save(good)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"this is not a jpeg")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[:200])  # header intact, pixel data cut
    return good, corrupt, truncated


@pytest.mark.parametrize("name", ["corrupt.jpg", "truncated.jpg"])
def test_unreadable_image_error_names_the_file_and_the_switch(tmp_path, name):
    _bad_images(tmp_path)
    with pytest.raises(ValueError, match=rf"Cannot read image .*{name}.*images\.skip_unreadable"):
        load_image(str(tmp_path / name), 32)


def test_missing_image_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"gone\.jpg"):
        load_image(str(tmp_path / "gone.jpg"), 32)


def test_unreadable_images_finds_corrupt_truncated_and_missing(tmp_path):
    good, corrupt, truncated = _bad_images(tmp_path)
    bad = unreadable_images([str(p) for p in (good, corrupt, truncated, tmp_path / "gone.png")])
    assert set(bad) == {str(corrupt), str(truncated), str(tmp_path / "gone.png")}
    assert bad[str(tmp_path / "gone.png")] == "file not found"


def _corpus(paths):
    images = pd.DataFrame(
        {
            "image_id": list(range(len(paths))),
            "filename": [p.name for p in paths],
            "path": [str(p) for p in paths],
            "split": ["train"] * len(paths),
            "label": ["a"] * len(paths),
        }
    )
    captions = pd.DataFrame(
        {
            "caption_id": list(range(len(paths))),
            "image_id": list(range(len(paths))),
            "text": [f"caption {i}" for i in range(len(paths))],
        }
    )
    return CaptionCorpus(images, captions)


def test_skip_unreadable_drops_and_reports_only_when_asked(tmp_path):
    paths = list(_bad_images(tmp_path))
    images, captions, skipped = corpus_tables(_corpus(paths), {"skip_unreadable": True})
    assert images["filename"].tolist() == ["good.jpg"]
    assert captions["image_id"].tolist() == [0]
    assert sorted(skipped["path"].map(lambda p: p.rsplit("/", 1)[-1])) == [
        "corrupt.jpg",
        "truncated.jpg",
    ]
    images, _, skipped = corpus_tables(_corpus(paths), {"skip_unreadable": False})
    assert len(images) == 3 and skipped.empty  # off by default: the embedding step will fail


def test_skip_unreadable_with_nothing_readable_is_an_error(tmp_path):
    _, corrupt, truncated = _bad_images(tmp_path)
    with pytest.raises(ValueError, match="None of the 2 images can be read"):
        corpus_tables(_corpus([corrupt, truncated]), {"skip_unreadable": True})


def _smooth_image(h, w, seed):
    """A photo-like image: smooth gradients and blobs (noise would exaggerate rounding)."""
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    rng = np.random.default_rng(seed)
    channels = [np.sin(rng.uniform(2, 9) * x + rng.uniform(2, 9) * y + c) for c in range(3)]
    return ((np.stack(channels, -1) + 1) * 127.5).astype(np.uint8)


@pytest.mark.parametrize("shape", [(150, 150), (30, 50), (480, 640), (1000, 300)])
def test_resize_matches_pil_bicubic_centre_crop(tmp_path, shape):
    img = _smooth_image(*shape, seed=shape[0])
    Image.fromarray(img).save(tmp_path / "a.png")
    size = 64
    h, w = shape
    scale = size / min(h, w)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    pil = Image.fromarray(img).resize((nw, nh), Image.Resampling.BICUBIC)
    left, top = (nw - size) // 2, (nh - size) // 2
    expected = np.asarray(pil.crop((left, top, left + size, top + size))).astype(int)
    assert np.abs(load_image(str(tmp_path / "a.png"), size).astype(int) - expected).max() <= 2


def test_mixed_sizes_keep_their_order(tmp_path):
    paths = []
    for i, shape in enumerate([(30, 50), (90, 40), (30, 50), (32, 32)]):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(_smooth_image(*shape, seed=i)).save(paths[-1])
    batch = load_pixels(paths, 16)
    assert batch.shape == (4, 3, 16, 16)
    for i, path in enumerate(paths):
        assert torch.equal(batch[i], load_pixels([path], 16)[0])
