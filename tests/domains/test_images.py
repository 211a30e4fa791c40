"""The image domain: canonical items (readable image files), pixel-content keys, feasibility."""

import numpy as np
import pytest
from PIL import Image

from designer_app.domains import get_domain
from designer_app.domains.images import IMAGES, array_to_image, image_to_array, pixel_key


@pytest.fixture
def digit(tmp_path):
    pixels = np.zeros((16, 16), dtype=np.uint8)
    pixels[4:12, 7:9] = 255  # a "1"
    path = tmp_path / "one.png"
    Image.fromarray(pixels, mode="L").save(path)
    return path


def test_registry_and_formats():
    domain = get_domain("images")
    assert domain is IMAGES and domain.name == "images" and domain.default_prior == "images-digits"
    assert set(domain.export_formats) == {"csv", "png"} and domain.item_files and domain.depiction == "image"


def test_canonical_item_is_the_absolute_path_of_a_readable_image(digit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    item, error = IMAGES.canonical_item("one.png")
    assert item == str(digit.resolve()) and error == ""
    item, error = IMAGES.canonical_item(str(tmp_path / "missing.png"))
    assert item is None and "does not exist" in error
    (tmp_path / "notes.png").write_text("hello")
    item, error = IMAGES.canonical_item("notes.png")
    assert item is None and "not a readable image" in error and "PNG" in error
    assert IMAGES.canonical_item("  ")[0] is None


def test_truncated_png_is_infeasible(digit, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(digit.read_bytes()[:50])  # cut inside the pixel data
    assert IMAGES.feasibility(str(digit)) == (True, "")
    ok, why = IMAGES.feasibility(str(broken))
    assert not ok and "broken.png" in why
    assert IMAGES.feasibility(None)[0] is False


def test_key_is_the_picture_not_the_file(digit, tmp_path):
    rgb_copy = tmp_path / "same-in-rgb.png"
    Image.open(digit).convert("RGB").save(rgb_copy)
    other = tmp_path / "other.png"
    pixels = np.asarray(Image.open(digit)).copy()
    pixels[0, 0] = 1  # one pixel differs
    Image.fromarray(pixels, mode="L").save(other)
    assert IMAGES.key(str(digit)) == IMAGES.key(str(rgb_copy)) == pixel_key(Image.open(digit))
    assert IMAGES.key(str(other)) != IMAGES.key(str(digit))
    assert IMAGES.key(str(tmp_path / "gone.png")).startswith("unreadable:")


def test_pixel_conversion_round_trip():
    pixels = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    img = array_to_image(pixels)
    arr = image_to_array(img, 3)  # (3, 4, 4) in [-1, 1]
    assert arr.shape == (3, 4, 4)
    assert np.allclose((arr.transpose(1, 2, 0) + 1) * 127.5, pixels, atol=1e-4)
    grey = image_to_array(img, 1, (8, 8))
    assert grey.shape == (1, 8, 8) and grey.min() >= -1 and grey.max() <= 1
    rgba = Image.new("RGBA", (2, 2), (255, 255, 255, 0))  # fully transparent reads as black
    assert np.allclose(image_to_array(rgba, 1), -1.0)
    with pytest.raises(ValueError, match="uint8"):
        array_to_image(pixels.astype(np.float32))
