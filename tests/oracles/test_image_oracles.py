"""Built-in image oracles: JPEG (in)compressibility as DDPO, brightness; failures never raise."""

import io

import numpy as np
import pytest
from PIL import Image

from designer_app.oracles import OracleSpecError, list_oracles, parse_oracle
from designer_app.oracles.image_oracles import ImageOracle, jpeg_size_kb


def save(tmp_path, name, pixels, mode="L"):
    path = tmp_path / name
    Image.fromarray(pixels, mode=mode).save(path)
    return str(path)


@pytest.fixture
def images(tmp_path):
    rng = np.random.default_rng(0)
    half = np.zeros((32, 32), dtype=np.uint8)
    half[:, 16:] = 255
    return {
        "flat": save(tmp_path, "flat.png", np.full((32, 32), 128, dtype=np.uint8)),
        "noise": save(tmp_path, "noise.png", rng.integers(0, 256, (32, 32), dtype=np.uint8)),
        "half": save(tmp_path, "half.png", half),
        "white_rgb": save(tmp_path, "white.png", np.full((8, 8, 3), 255, dtype=np.uint8), "RGB"),
    }


def test_a_flat_image_compresses_better_than_noise(images):
    comp = parse_oracle("jpeg-compressibility", domain="images")
    incomp = parse_oracle("jpeg-incompressibility", domain="images")
    items = [images["flat"], images["noise"]]
    c = [r.value for r in comp.score(items)]
    i = [r.value for r in incomp.score(items)]
    assert c[0] > c[1] and i[0] < i[1]
    assert c == [-v for v in i]
    buffer = io.BytesIO()  # the DDPO definition: kB of a quality-95 JPEG
    Image.open(images["noise"]).save(buffer, format="JPEG", quality=95)
    assert i[1] == pytest.approx(buffer.tell() / 1000)
    assert comp.optimum is None and incomp.optimum is None


def test_brightness_of_known_images(images):
    oracle = parse_oracle("brightness", domain="images")
    values = [r.value for r in oracle.score([images["half"], images["white_rgb"], images["flat"]])]
    assert values == pytest.approx([0.5, 1.0, 128 / 255])
    assert oracle.optimum == 1.0


def test_unreadable_items_fail_with_a_note_and_never_raise(images, tmp_path):
    (tmp_path / "text.png").write_text("no picture")
    results = ImageOracle("brightness").score(
        [str(tmp_path / "missing.png"), str(tmp_path / "text.png"), "", images["half"]]
    )
    assert [r.status for r in results] == ["failed", "failed", "failed", "ok"]
    assert "does not exist" in results[0].note and "not a readable image" in results[1].note
    assert all(r.value is None for r in results[:3])


def test_specs_are_checked_against_the_domain():
    assert isinstance(parse_oracle("Brightness", domain="images"), ImageOracle)
    with pytest.raises(OracleSpecError, match="scores images.*'molecules'"):
        parse_oracle("jpeg-compressibility", domain="molecules")
    with pytest.raises(OracleSpecError, match="did you mean 'brightness'"):
        parse_oracle("brightnes", domain="images")
    names = [name for name, _ in list_oracles()]
    assert {"jpeg-compressibility", "jpeg-incompressibility", "brightness"} <= set(names)


def test_rgba_jpeg_size_uses_a_black_background():
    rgba = Image.new("RGBA", (16, 16), (255, 0, 0, 0))
    assert jpeg_size_kb(rgba) == pytest.approx(jpeg_size_kb(Image.new("RGB", (16, 16), (0, 0, 0))))
