"""The image prior: a diffusers UNet2DModel on pixels in [-1, 1], plus the CNN featuriser.

Two kinds of folder load here:
- ours (`config.json` with kind "designer-pixel-images" + `model.safetensors` + `CARD.md`), written by
  `designer-app pretrain images`: UNet and featuriser weights in one safetensors file;
- a user's diffusers folder (a DDPMPipeline saved with save_pretrained: model_index.json, unet/,
  scheduler/; or a bare UNet2DModel folder). Its scheduler config becomes our ScheduleConfig (sampling
  is DDIM with eta = 1 on the same alphas) and the shipped prior's featuriser reads its samples.

UNets with more than LORA_PARAMETER_THRESHOLD parameters are fine-tuned with LoRA adapters (peft):
campaign checkpoints then hold only the adapter weights, loaded back onto the base UNet.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from designer_app.atomic import atomic_write_bytes
from designer_app.domains import images as image_files
from designer_app.models.diffusion_engine import DenoiserCheckpoints
from designer_app.models.images.featuriser import FeaturiserConfig, ImageFeaturiser
from designer_app.models.latent_diffusion import ScheduleConfig
from designer_app.models.prior_folder import WEIGHTS, PriorFolder, read_prior_folder, write_prior_folder
from designer_app.models.serialization import load_tensors, save_tensors

PRIOR_KIND = "designer-pixel-images"
# UNets above this many parameters are fine-tuned with LoRA adapters instead of in full: a full copy
# per round of a 100M-parameter UNet costs 400 MB of checkpoint and far more optimiser memory, while the
# shipped 16x16 prior (~0.6M) trains in full. Override with DESIGNER_APP_LORA=always|never|auto.
LORA_PARAMETER_THRESHOLD = 5_000_000
LORA_ENV = "DESIGNER_APP_LORA"
# The prior whose featuriser reads a user's diffusers samples (None = the shipped one; tests point it
# at a tiny prior folder).
FEATURISER_SOURCE: Path | None = None
SHIPPED_NAME = "images-digits"


@dataclass(frozen=True)
class LoraSettings:
    """LoRA adapters on a large UNet.

    Attributes:
        rank: rank r of each adapter (A: in -> r, B: r -> out; B starts at zero so the model starts equal).
        alpha: scaling numerator (the update is alpha / r * B A).
        target_modules: module names that get adapters: attention projections, ResNet convolutions and
            the time-embedding projections. Names missing from a UNet are skipped.
    """

    rank: int = 8
    alpha: float = 8.0
    target_modules: tuple[str, ...] = ("to_q", "to_k", "to_v", "to_out.0", "conv1", "conv2", "time_emb_proj")


class UNetDenoiser(nn.Module):
    """epsilon_theta(x (B, C, H, W), t) -> (B, C, H, W) around a diffusers UNet2DModel; t may be an int."""

    def __init__(self, unet: nn.Module):
        super().__init__()
        self.unet = unet

    def forward(self, x: torch.Tensor, t: int | torch.Tensor) -> torch.Tensor:
        if not torch.is_tensor(t):
            t = torch.full((x.shape[0],), int(t), device=x.device, dtype=torch.long)
        return self.unet(x, t).sample


def unet_config(unet: nn.Module) -> dict:
    """The UNet's constructor arguments as plain JSON (diffusers keeps private "_" keys in it too)."""
    return json.loads(json.dumps({k: v for k, v in dict(unet.config).items() if not k.startswith("_")}))


def lora_wanted(n_parameters: int) -> bool:
    mode = os.environ.get(LORA_ENV, "auto").strip().lower()
    if mode not in ("auto", "always", "never"):
        raise ValueError(f"{LORA_ENV}={mode!r}: use auto, always or never")
    return mode == "always" or (mode == "auto" and n_parameters > LORA_PARAMETER_THRESHOLD)


class ImagePrior(DenoiserCheckpoints, nn.Module):
    """UNet denoiser + featuriser. Implements models.diffusion_engine.DiffusionPrior.

    Args:
        denoiser: the UNet wrapper; sample_shape follows from its config.
        featuriser: the pretrained CNN encoder.
        schedule: the noise schedule the UNet was trained with.
        lora: adapter settings when fine-tuning uses LoRA, None for full fine-tuning.
        extra: more config.json entries (training record, source folder).
    """

    def __init__(
        self,
        denoiser: UNetDenoiser,
        featuriser: ImageFeaturiser,
        schedule: ScheduleConfig,
        lora: LoraSettings | None = None,
        extra: dict | None = None,
    ):
        super().__init__()
        self.denoiser = denoiser.requires_grad_(False).eval()
        self.featuriser = featuriser.requires_grad_(False).eval()
        self.schedule = schedule
        self.lora = lora
        self.extra = dict(extra or {})
        cfg = denoiser.unet.config
        size = cfg.sample_size if isinstance(cfg.sample_size, (list, tuple)) else (cfg.sample_size, cfg.sample_size)
        if cfg.out_channels != cfg.in_channels:
            raise ValueError(
                f"the UNet maps {cfg.in_channels} to {cfg.out_channels} channels; an epsilon "
                "denoiser must output as many channels as it reads"
            )
        if cfg.in_channels not in (1, 3):
            raise ValueError(
                f"the UNet has {cfg.in_channels} channels; image priors diffuse grey (1) or RGB (3) "
                "pixels (a latent-diffusion UNet needs its VAE, which Designer does not load)"
            )
        self._shape = (int(cfg.in_channels), int(size[0]), int(size[1]))

    @property
    def sample_shape(self) -> tuple[int, int, int]:
        return self._shape

    @property
    def feature_dim(self) -> int:
        return self.featuriser.config.feature_dim

    def featurise(self, x: torch.Tensor) -> torch.Tensor:
        """Pixels (B, C, H, W) -> features (B, F); differentiable in x."""
        return self.featuriser.features(x)

    # ---- pixels <-> PNG files -------------------------------------------------------------------
    @torch.no_grad()
    def decode(self, x: torch.Tensor, items_dir: Path | None = None) -> list[str | None]:
        """Pixels (B, C, H, W) -> absolute paths of PNG files in `items_dir`, named by content hash
        (written atomically; an identical picture reuses its file)."""
        if items_dir is None:
            raise ValueError("image items are PNG files: give decode() the folder to write them to (items_dir)")
        folder = Path(items_dir)
        folder.mkdir(parents=True, exist_ok=True)
        pixels = ((x.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)  # (B, C, H, W)
        out: list[str | None] = []
        for arr in pixels.permute(0, 2, 3, 1).cpu().numpy():  # (H, W, C) each
            img = image_files.array_to_image(arr)
            path = folder / f"{image_files.pixel_key(img)}.png"
            if not path.exists():
                atomic_write_bytes(path, image_files.png_bytes(img))
            out.append(str(path.resolve()))
        return out

    def encode(self, items: Sequence[str]) -> list[list[float] | None]:
        """PNG paths -> flattened pixels (C*H*W) in the prior's shape (converted and resized);
        None for files that cannot be read."""
        c, h, w = self._shape
        out: list[list[float] | None] = []
        for item in items:
            try:
                arr = image_files.image_to_array(image_files.open_image(item), c, (h, w))  # (C, H, W)
            except (image_files.ImageReadError, ValueError):
                out.append(None)
                continue
            out.append(arr.reshape(-1).tolist())
        return out

    # ---- fine-tuned denoisers: full copies, or LoRA adapters on the base UNet --------------------
    def _with_adapters(self, device: torch.device | str) -> nn.Module:
        from peft import LoraConfig, inject_adapter_in_model

        model = copy.deepcopy(self.denoiser).to(device)
        names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()} | {
            ".".join(name.split(".")[-2:]) for name, _ in model.named_modules()
        }
        targets = [t for t in self.lora.target_modules if t in names]
        if not targets:
            raise ValueError(f"none of the LoRA target modules {self.lora.target_modules} exist in this UNet")
        config = LoraConfig(r=self.lora.rank, lora_alpha=self.lora.alpha, target_modules=targets, lora_dropout=0.0)
        model = inject_adapter_in_model(config, model)
        model.requires_grad_(False)
        for name, p in model.named_parameters():
            p.requires_grad_("lora_" in name)  # only the adapters train (finetune.py trains requires_grad ones)
        return model

    def trainable_denoiser(self, path: str | None, device: torch.device) -> nn.Module:
        if self.lora is None:
            return super().trainable_denoiser(path, device)
        model = self._with_adapters(device)
        if path is not None:
            state = load_tensors(path)
            if not state or any("lora_" not in k for k in state):
                raise ValueError(
                    f"{path} does not hold LoRA adapters (e.g. {next(iter(state), 'nothing')}): it was "
                    f"saved by a full fine-tune; load it with {LORA_ENV}=never"
                )
            expected = {k for k in model.state_dict() if "lora_" in k}
            if set(state) != expected:
                raise ValueError(
                    f"{path} holds LoRA adapters for another UNet or rank "
                    f"({len(set(state) ^ expected)} tensors differ); use the prior it was trained on"
                )
            model.load_state_dict({k: v.to(device) for k, v in state.items()}, strict=False)
        return model.eval()

    def load_denoiser(self, path: str | None, device: torch.device) -> nn.Module:
        if path is None or self.lora is None:
            return super().load_denoiser(path, device)
        return self.trainable_denoiser(path, device).requires_grad_(False)

    def save_denoiser(self, model: nn.Module, path: str) -> None:
        if self.lora is None:
            return super().save_denoiser(model, path)
        adapters = {k: v for k, v in model.state_dict().items() if "lora_" in k}
        save_tensors(adapters, path)

    # ---- persistence --------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        return write_prior_folder(
            folder,
            {"denoiser": self.denoiser, "featuriser": self.featuriser},
            {
                "kind": PRIOR_KIND,
                "domain": "images",
                "unet": unet_config(self.denoiser.unet),
                "featuriser": asdict(self.featuriser.config),
                "schedule": asdict(self.schedule),
                **self.extra,
            },
        )

    @classmethod
    def load(cls, folder: str | Path, device: torch.device | str = "cpu") -> ImagePrior:
        """Our prior folder, or a user's diffusers folder (see the module docstring)."""
        from diffusers import UNet2DModel

        folder = Path(folder)
        config_file = folder / "config.json"
        cfg = json.loads(config_file.read_text()) if config_file.exists() else {}
        if cfg.get("kind") != PRIOR_KIND:
            return _load_diffusers_folder(cls, folder, device)
        saved = PriorFolder(cfg, load_tensors(folder / WEIGHTS))  # config.json was read above
        denoiser = UNetDenoiser(UNet2DModel.from_config(cfg["unet"]))
        denoiser.load_state_dict(saved.weights("denoiser"))
        featuriser = ImageFeaturiser(_featuriser_config(cfg["featuriser"]))
        featuriser.load_state_dict(saved.weights("featuriser"))
        n_params = sum(p.numel() for p in denoiser.parameters())
        known = {"kind", "domain", "unet", "featuriser", "schedule"}
        prior = cls(
            denoiser,
            featuriser,
            ScheduleConfig(**cfg["schedule"]),
            lora=LoraSettings() if lora_wanted(n_params) else None,
            extra=saved.extra(known),
        )
        return prior.to(device).eval()


def _featuriser_config(data: dict[str, Any]) -> FeaturiserConfig:
    data = dict(data)
    data["channels"] = tuple(data["channels"])  # JSON lists back to the frozen tuple
    return FeaturiserConfig(**data)


def load_featuriser(folder: str | Path | None = None) -> ImageFeaturiser:
    """The featuriser of an image prior folder (default: FEATURISER_SOURCE, else the shipped prior)."""
    if folder is None:
        from designer_app.resource_files import shipped_models_dir

        folder = FEATURISER_SOURCE or shipped_models_dir() / SHIPPED_NAME
    folder = Path(folder)
    if not (folder / "model.safetensors").exists():
        raise FileNotFoundError(
            f"no image featuriser in {folder}: reinstall designer-app, or rebuild the shipped "
            f"prior with `designer-app pretrain images --out {folder}`"
        )
    saved = read_prior_folder(folder, PRIOR_KIND, "an image prior")
    featuriser = ImageFeaturiser(_featuriser_config(saved.config["featuriser"]))
    featuriser.load_state_dict(saved.weights("featuriser"))
    return featuriser.eval()


# ---- a user's diffusers folder ----------------------------------------------------------------------
_SCHEDULES = ("linear", "scaled_linear", "squaredcos_cap_v2")
_DEFAULT_BETAS = (0.0001, 0.02)  # beta_start, beta_end our DDPM/DDIM schedulers are built with


def _unet_folder(folder: Path) -> Path:
    """folder/unet of a pipeline, or the folder itself when it is a bare UNet2DModel."""
    index = folder / "model_index.json"
    if index.exists():
        entry = json.loads(index.read_text()).get("unet")
        if not entry or entry[-1] != "UNet2DModel":
            raise ValueError(
                f"{folder} is a diffusers pipeline whose unet is {entry}; Designer fine-tunes "
                "unconditional pixel UNet2DModel pipelines (e.g. a DDPMPipeline)"
            )
    for candidate in (folder / "unet", folder):
        config = candidate / "config.json"
        if config.exists() and json.loads(config.read_text()).get("_class_name") == "UNet2DModel":
            return candidate
    raise ValueError(
        f"no UNet2DModel in {folder}: expected {folder}/unet/config.json or {folder}/config.json "
        "with _class_name UNet2DModel (save one with DDPMPipeline.save_pretrained)"
    )


def schedule_from_diffusers(folder: Path) -> ScheduleConfig:
    """The pipeline's scheduler config (scheduler/scheduler_config.json, else diffusers' DDPM defaults)
    as our ScheduleConfig; settings our sampler cannot reproduce are refused with the reason."""
    data: dict = {}
    for path in (folder / "scheduler" / "scheduler_config.json", folder / "scheduler_config.json"):
        if path.exists():
            data = json.loads(path.read_text())
            break
    schedule = data.get("beta_schedule", "linear")
    where = f"the scheduler config of {folder}"
    if data.get("trained_betas") is not None:
        raise ValueError(f"{where} uses trained_betas; Designer supports the named schedules {_SCHEDULES}")
    if schedule not in _SCHEDULES:
        raise ValueError(f"{where} uses beta_schedule {schedule!r}; Designer supports {_SCHEDULES}")
    if data.get("prediction_type", "epsilon") != "epsilon":
        raise ValueError(
            f"{where} predicts {data['prediction_type']!r}; Designer's sampler needs an epsilon-prediction UNet"
        )
    betas = (float(data.get("beta_start", _DEFAULT_BETAS[0])), float(data.get("beta_end", _DEFAULT_BETAS[1])))
    if schedule != "squaredcos_cap_v2" and not np.allclose(betas, _DEFAULT_BETAS):
        raise ValueError(f"{where} has beta_start, beta_end = {betas}; Designer samples with {_DEFAULT_BETAS}")
    return ScheduleConfig(train_timesteps=int(data.get("num_train_timesteps", 1000)), beta_schedule=schedule)


def _load_diffusers_folder(cls, folder: Path, device: torch.device | str) -> ImagePrior:
    from diffusers import UNet2DModel

    unet_dir = _unet_folder(folder)
    try:
        unet = UNet2DModel.from_pretrained(unet_dir, use_safetensors=True)  # never unpickle user files
    except OSError as exc:
        raise ValueError(
            f"cannot load the UNet in {unet_dir} ({exc}); save it with save_pretrained "
            "(safe_serialization=True) so its weights are a .safetensors file"
        ) from None
    if unet.config.num_class_embeds is not None or unet.config.class_embed_type is not None:
        raise ValueError(f"the UNet in {unet_dir} is class-conditional; Designer needs an unconditional UNet2DModel")
    denoiser = UNetDenoiser(unet)
    n_params = sum(p.numel() for p in denoiser.parameters())
    prior = cls(
        denoiser,
        load_featuriser(),
        schedule_from_diffusers(folder),
        lora=LoraSettings() if lora_wanted(n_params) else None,
        extra={"source": "diffusers", "folder": str(folder), "parameters": n_params},
    )
    return prior.to(device).eval()
