"""`designer-app pretrain images` end to end with a tiny UNet and featuriser: phases, resume, card."""

import json

import torch
from PIL import Image

from designer_app.config import RewardConfig
from designer_app.models.images.featuriser import FeaturiserConfig
from designer_app.models.images.prior import ImagePrior
from designer_app.pretraining import image_data
from designer_app.pretraining import images as pi
from designer_app.pretraining.image_card import write_card

TINY = pi.ImagePretrainConfig(
    size=8,
    block_out_channels=(8, 16),
    batch_size=8,
    diffusion_steps=3,
    featuriser_steps=3,
    featuriser_batch=16,
    featuriser=FeaturiserConfig(size=8, channels=(4, 8, 8), hidden=8),
)


def test_digits_are_upscaled_grey_in_range():
    x, y = image_data.digits_pixels(16)
    assert x.shape == (1797, 1, 16, 16) and y.shape == (1797,)
    assert x.min() >= -1 and x.max() <= 1 and set(y.tolist()) == set(range(10))


def test_tiny_pretrain_runs_all_phases_resumes_and_writes_a_card(tmp_path):
    out = tmp_path / "prior"
    phases = [p["phase"] for p in pi.run(out, TINY)]
    assert phases[0] == "data" and "diffusion" in phases and "featuriser" in phases and phases[-1] == "export"
    state = json.loads((out / "work" / "state.json").read_text())
    assert state["dm_step"] == 3 and state["feat_step"] == 3
    prior = ImagePrior.load(out)
    assert prior.sample_shape == (1, 8, 8)
    assert json.loads((out / "config.json").read_text())["training"]["diffusion_steps"] == 3
    # a second run resumes: nothing trains again
    assert [p["phase"] for p in pi.run(out, TINY)] == ["data", "export"]
    summary = write_card(
        out,
        command="designer-app pretrain images --out X",
        n_samples=64,
        reward_cfg=RewardConfig(n_heads=2, hidden=8, epochs=5),
    )
    card = (out / "CARD.md").read_text()
    assert "samples.png" in card and "designer-app pretrain images --out X" in card and "BSD-3" in card
    assert "| brightness | 500 |" in card
    quality = json.loads((out / "quality.json").read_text())
    assert quality["n_samples"] == 64 and 0 < summary["uniqueness"] <= 1
    grid = Image.open(out / "samples.png")
    assert grid.size[0] > 8 * 8 and grid.size[1] > 8 * 8  # an 8x8 grid of tiles


def test_random_shift_moves_content_and_fills_background():
    x = -torch.ones(50, 1, 8, 8)
    x[:, :, 3:5, 3:5] = 1.0
    moved = pi.random_shift(x, 1, torch.Generator().manual_seed(0))
    assert moved.shape == x.shape and (moved == 1).flatten(1).sum(1).eq(4).all()
    assert not torch.equal(moved, x)
