"""A user's own diffusers folder as a prior: DDPM pipeline or bare UNet, scheduler config, LoRA adapters."""

import json

import pytest
import torch
from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel

from designer_app.models.images import prior as ip
from designer_app.models.images.featuriser import FeaturiserConfig
from designer_app.models.priors import prior_domain, prior_kind, resolve_prior
from designer_app.pretraining import images as pi

TINY = pi.ImagePretrainConfig(
    size=8, block_out_channels=(8, 16), featuriser=FeaturiserConfig(size=8, channels=(4, 8, 8), hidden=8)
)


def tiny_unet(channels: int = 3, size: int = 8) -> UNet2DModel:
    torch.manual_seed(0)
    return UNet2DModel(
        sample_size=size,
        in_channels=channels,
        out_channels=channels,
        layers_per_block=1,
        block_out_channels=(16, 32),
        down_block_types=("DownBlock2D", "AttnDownBlock2D"),
        up_block_types=("AttnUpBlock2D", "UpBlock2D"),
        norm_num_groups=8,
        attention_head_dim=8,
    )


@pytest.fixture
def featuriser_source(tmp_path, monkeypatch):
    """The shipped featuriser stands in as a tiny prior folder the test saved."""
    folder = pi.init_prior(TINY).save(tmp_path / "feat-prior")
    monkeypatch.setattr(ip, "FEATURISER_SOURCE", folder)
    return folder


@pytest.fixture
def pipeline_folder(tmp_path):
    folder = tmp_path / "my-ddpm"
    DDPMPipeline(unet=tiny_unet(), scheduler=DDPMScheduler(num_train_timesteps=500)).save_pretrained(folder)
    return folder


def test_pipeline_folder_loads_with_its_schedule(pipeline_folder, featuriser_source):
    assert resolve_prior(str(pipeline_folder), "images") == pipeline_folder.resolve()
    assert prior_kind(pipeline_folder) == "diffusers" and prior_domain(pipeline_folder) == "images"
    prior = ip.ImagePrior.load(pipeline_folder)
    assert prior.sample_shape == (3, 8, 8)
    assert prior.schedule.train_timesteps == 500 and prior.schedule.beta_schedule == "linear"
    assert prior.lora is None  # a tiny UNet is below the threshold
    x = torch.randn(2, 3, 8, 8)
    assert prior.denoiser(x, 3).shape == (2, 3, 8, 8)
    assert prior.featurise(x).shape == (2, TINY.featuriser.feature_dim)


def test_bare_unet_folder_uses_scheduler_defaults(tmp_path, featuriser_source):
    tiny_unet(channels=1).save_pretrained(tmp_path / "unet-only")
    prior = ip.ImagePrior.load(tmp_path / "unet-only")
    assert prior.sample_shape == (1, 8, 8) and prior.schedule.train_timesteps == 1000


@pytest.mark.parametrize(
    "change, message",
    [
        ({"prediction_type": "v_prediction"}, "epsilon"),
        ({"beta_schedule": "sigmoid"}, "beta_schedule"),
        ({"beta_end": 0.05}, "beta_start, beta_end"),
    ],
)
def test_unsupported_scheduler_settings_are_refused(pipeline_folder, featuriser_source, change, message):
    path = pipeline_folder / "scheduler" / "scheduler_config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(ValueError, match=message):
        ip.ImagePrior.load(pipeline_folder)


def test_lora_checkpoints_hold_only_adapters_and_load_back_exactly(
    pipeline_folder, featuriser_source, tmp_path, monkeypatch
):
    monkeypatch.setenv(ip.LORA_ENV, "always")
    prior = ip.ImagePrior.load(pipeline_folder)
    assert prior.lora is not None
    model = prior.trainable_denoiser(None, torch.device("cpu"))
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    x = torch.randn(2, 3, 8, 8)
    assert torch.equal(model(x, 10), prior.denoiser(x, 10))  # B = 0: the adapters start as the identity
    with torch.no_grad():  # what fine-tuning would do: move the adapters
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.add_(0.01 * torch.randn_like(p))
    path = tmp_path / "adapter.safetensors"
    prior.save_denoiser(model, str(path))
    saved = ip.load_tensors(path)
    assert saved and all("lora_" in k for k in saved)
    full = sum(p.numel() for p in prior.denoiser.parameters())
    assert sum(v.numel() for v in saved.values()) < 0.5 * full
    loaded = prior.load_denoiser(str(path), torch.device("cpu"))
    mine, theirs = model.state_dict(), loaded.state_dict()
    assert set(mine) == set(theirs) and all(torch.equal(mine[k], theirs[k]) for k in mine)
    # compare outputs in the same mode: with trainable adapters torch may pick other kernels, whose last bits
    # differ on some CPUs (1e-6 on an AVX-512 EPYC) although every weight is equal
    model.requires_grad_(False)
    assert torch.equal(loaded(x, 10), model(x, 10))
    assert not torch.equal(loaded(x, 10), prior.denoiser(x, 10))
    assert not any(p.requires_grad for p in prior.denoiser.parameters())  # the base UNet stays untouched
    with pytest.raises(ValueError, match="LoRA adapters"):
        other = tmp_path / "full.safetensors"
        ip.save_tensors({"unet.conv_in.weight": torch.zeros(1)}, other)
        prior.trainable_denoiser(str(other), torch.device("cpu"))


def test_lora_mode_setting(monkeypatch):
    monkeypatch.setenv(ip.LORA_ENV, "auto")
    assert not ip.lora_wanted(1000) and ip.lora_wanted(ip.LORA_PARAMETER_THRESHOLD + 1)
    monkeypatch.setenv(ip.LORA_ENV, "never")
    assert not ip.lora_wanted(10**9)
    monkeypatch.setenv(ip.LORA_ENV, "sometimes")
    with pytest.raises(ValueError, match="auto, always or never"):
        ip.lora_wanted(1)


def test_conditional_or_latent_pipelines_are_refused(tmp_path, featuriser_source):
    (tmp_path / "sd").mkdir()
    (tmp_path / "sd" / "model_index.json").write_text(json.dumps({"unet": ["diffusers", "UNet2DConditionModel"]}))
    with pytest.raises(ValueError, match="unconditional pixel UNet2DModel"):
        ip.ImagePrior.load(tmp_path / "sd")
