"""The image prior: UNet wrapper, featuriser, PNG decode/encode, save/load (tiny random models)."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from designer_app.models.images.featuriser import FeaturiserConfig, image_statistics
from designer_app.models.images.prior import ImagePrior
from designer_app.models.latent_diffusion import ScheduleConfig
from designer_app.pretraining import images as pi

TINY = pi.ImagePretrainConfig(
    size=8, block_out_channels=(8, 16), featuriser=FeaturiserConfig(size=8, channels=(4, 8, 8), hidden=8)
)


@pytest.fixture(scope="module")
def prior() -> ImagePrior:
    return pi.init_prior(TINY, ScheduleConfig(sample_steps=4))


def quantised(x: torch.Tensor) -> torch.Tensor:
    """What a PNG keeps of pixels in [-1, 1]: 256 levels."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round() / 127.5 - 1


def test_denoiser_takes_int_or_tensor_timesteps(prior):
    x = torch.randn(3, 1, 8, 8)
    assert prior.sample_shape == (1, 8, 8)
    eps_int = prior.denoiser(x, 7)
    eps_tensor = prior.denoiser(x, torch.full((3,), 7))
    assert eps_int.shape == (3, 1, 8, 8)
    assert torch.allclose(eps_int, eps_tensor)


def test_featurise_is_differentiable_and_reads_other_shapes(prior):
    x = torch.rand(2, 1, 8, 8, requires_grad=True)
    feats = prior.featurise(x * 1.8 - 0.9)
    assert feats.shape == (2, TINY.featuriser.feature_dim)
    feats.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    colour = torch.rand(2, 3, 32, 32) * 2 - 1  # a user's RGB 32x32 UNet uses the same featuriser
    assert prior.featurise(colour).shape == (2, TINY.featuriser.feature_dim)
    grey = colour.mean(1, keepdim=True)
    assert torch.allclose(prior.featuriser.prepare(colour), prior.featuriser.prepare(grey))


def test_decode_writes_content_named_pngs_and_encode_reads_them_back(prior, tmp_path):
    x = torch.rand(4, 1, 8, 8) * 2.4 - 1.2  # partly outside [-1, 1]: decode clamps
    x[3] = x[2]
    paths = prior.decode(x, tmp_path / "items")
    assert all(Path(p).is_absolute() and Path(p).suffix == ".png" for p in paths)
    assert paths[2] == paths[3] and len(set(paths)) == 3  # the same picture is one file
    assert Image.open(paths[0]).mode == "L" and Image.open(paths[0]).size == (8, 8)
    back = torch.tensor(prior.encode(paths)).view(4, 1, 8, 8)
    assert torch.allclose(back, quantised(x), atol=1e-6)
    assert prior.decode(back, tmp_path / "items") == paths  # decode(encode(png)) is the same file
    with pytest.raises(ValueError, match="items_dir"):
        prior.decode(x)


def test_encode_converts_resizes_and_refuses_unreadable(prior, tmp_path):
    big = tmp_path / "big.png"
    Image.new("RGB", (32, 32), (255, 255, 255)).save(big)
    junk = tmp_path / "junk.png"
    junk.write_text("not an image")
    white, bad, missing = prior.encode([str(big), str(junk), str(tmp_path / "none.png")])
    assert len(white) == 64 and np.allclose(white, 1.0)
    assert bad is None and missing is None


def test_save_load_round_trip_is_exact(prior, tmp_path):
    folder = prior.save(tmp_path / "tiny")
    loaded = ImagePrior.load(folder)
    x = torch.randn(2, 1, 8, 8)
    assert torch.equal(loaded.denoiser(x, 500), prior.denoiser(x, 500))
    assert torch.equal(loaded.featurise(x), prior.featurise(x))
    assert loaded.schedule == prior.schedule and loaded.sample_shape == prior.sample_shape
    assert loaded.lora is None  # small UNets are fine-tuned in full
    assert not any(p.suffix in (".pt", ".bin", ".pkl") for p in folder.iterdir())


def test_image_statistics_on_known_images():
    flat = torch.full((1, 1, 16, 16), 0.0)  # mid-grey, in [-1, 1]
    checker = (torch.arange(16).view(1, -1) + torch.arange(16).view(-1, 1)) % 2 * 2.0 - 1
    images = torch.cat([flat, checker.view(1, 1, 16, 16)]).requires_grad_(True)
    stats = image_statistics(images)
    brightness, contrast, ink, tv, jpeg = stats.detach().T
    assert brightness[0] == pytest.approx(0.5) and contrast[0] == pytest.approx(0, abs=1e-3) and tv[0] == 0
    assert brightness[1] == pytest.approx(0.5) and contrast[1] == pytest.approx(0.5) and tv[1] == pytest.approx(2.0)
    assert jpeg[1] > 10 * jpeg[0]  # a checkerboard costs JPEG far more than a flat picture
    stats.sum().backward()  # differentiable, also on the flat image
    assert torch.isfinite(images.grad).all()


def test_corrupt_keeps_shapes_range_and_marks_lost_digits():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(400, 1, 8, 8) * 2 - 1
    out, keep = pi.corrupt(x, gen)
    assert out.shape == x.shape and out.min() >= -1 and out.max() <= 1
    assert 0.3 < keep.float().mean() < 0.9  # constants, blends and strong noise lose their class label
