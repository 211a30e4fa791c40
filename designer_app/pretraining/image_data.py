"""The image prior's training data and settings: sklearn's digits upscaled, and ImagePretrainConfig.

Apart from the trainer (pretraining/images.py) so that the card (pretraining/image_card.py) can read the
same data without importing the trainer, which imports the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from designer_app.models.images.featuriser import FeaturiserConfig


@dataclass(frozen=True)
class ImagePretrainConfig:
    """Everything that decides the image prior. Recorded in the prior's config.json.

    Attributes:
        size: side of the square grey images (digits are upscaled from 8x8).
        heldout_fraction: digits kept out of training, for the card.
        max_shift: random translation (pixels) applied to every training image.
        block_out_channels: UNet widths per resolution (16, 8, 4 pixels); one ResNet layer per block;
            self-attention only in the 4x4 middle block (cheap there, and it sees the whole digit).
        batch_size: diffusion batch size.
        lr: peak AdamW learning rate (linear warm-up over `warmup_steps`, then cosine decay by wall clock).
        warmup_steps: learning-rate warm-up.
        ema_decay: EMA of the UNet weights; the EMA copy is shipped.
        diffusion_minutes: wall-clock budget of the diffusion phase (in total over resumptions).
        diffusion_steps: step budget of the diffusion phase (whichever budget ends first).
        featuriser_minutes: wall-clock budget of the featuriser phase.
        featuriser_steps: step budget of the featuriser phase.
        featuriser_batch: featuriser batch size.
        checkpoint_minutes: how often to write a resumable checkpoint.
        seed: split and initialisation seed.
        featuriser: shape of the CNN encoder.
    """

    size: int = 16
    heldout_fraction: float = 0.1
    max_shift: int = 1
    block_out_channels: tuple[int, ...] = (16, 32, 64)
    batch_size: int = 64
    lr: float = 1e-3
    warmup_steps: int = 100
    ema_decay: float = 0.995
    diffusion_minutes: float = 16.0
    diffusion_steps: int = 1_000_000
    featuriser_minutes: float = 2.5
    featuriser_steps: int = 3000
    featuriser_batch: int = 128
    checkpoint_minutes: float = 3.0
    seed: int = 0
    featuriser: FeaturiserConfig = FeaturiserConfig()


def digits_pixels(size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """sklearn's digits as float32 pixels (N, 1, size, size) in [-1, 1] and labels (N,)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise RuntimeError("pretrain images needs scikit-learn for its digits data: pip install scikit-learn") from None
    digits = load_digits()
    x = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)  # (N, 1, 8, 8) in 0..1
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1)
    return (x * 2 - 1).numpy(), digits.target.astype(np.int64)


def prepare_data(work: Path, cfg: ImagePretrainConfig) -> dict[str, np.ndarray]:
    """Phase 1 (cached): pixels, labels and a seeded train / held-out split."""
    cache = work / "data.npz"
    if cache.exists():
        with np.load(cache) as data:
            return {k: data[k] for k in data.files}
    x, y = digits_pixels(cfg.size)
    order = np.random.default_rng(cfg.seed).permutation(len(x))
    n_held = int(round(len(x) * cfg.heldout_fraction))
    data = {"x": x, "y": y, "train": np.sort(order[n_held:]), "heldout": np.sort(order[:n_held])}
    tmp = work / "data.tmp.npz"
    np.savez(tmp, **data)
    tmp.replace(cache)
    return data
