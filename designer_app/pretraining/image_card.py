"""Measure an image prior and write its CARD.md, quality.json and samples.png (a grid of 64 samples).

Every number is computed here, by our own code, on the machine that runs it:
- samples vs held-out digits: the featuriser's digit-classifier confidence, class coverage, brightness
  and JPEG-size distributions (the built-in oracles' own functions), uniqueness, and the nearest-training-
  image distance (memorisation check);
- the featuriser itself: held-out digit accuracy and how well it predicts its statistics targets;
- the reward ensemble (models.reward.fit_ensemble, default RewardConfig) on the featuriser: held-out R² and
  Spearman at 100 and 500 labels of prior samples, for jpeg-compressibility and brightness.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from designer_app.atomic import atomic_write_bytes, atomic_write_json, atomic_write_text
from designer_app.config import RewardConfig
from designer_app.models.images.featuriser import STAT_NAMES, image_statistics
from designer_app.models.images.prior import ImagePrior
from designer_app.models.latent_diffusion import sample
from designer_app.models.reward import fit_ensemble, heldout_scores

MAX_SAMPLES = 700  # pixel sampling is far dearer than latent sampling (~0.1-0.5 s per 16x16 image on a busy core)
N_TEST = 200  # reward accuracy: the last N_TEST samples are the test set, the others the label pool


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """Pixels (N, C, H, W) in [-1, 1] -> uint8 (N, H, W, C), exactly as ImagePrior.decode writes them."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def oracle_values(pixels: np.ndarray) -> dict[str, np.ndarray]:
    """Brightness and JPEG size (kB) of uint8 images (N, H, W, C), with the built-in oracles' functions."""
    from designer_app.domains.images import array_to_image
    from designer_app.oracles.image_oracles import brightness, jpeg_size_kb

    imgs = [array_to_image(p) for p in pixels]
    return {"brightness": np.array([brightness(i) for i in imgs]), "jpeg_kb": np.array([jpeg_size_kb(i) for i in imgs])}


def _distribution(values: np.ndarray) -> dict:
    q = np.percentile(values, [10, 50, 90])
    return {
        "mean": float(values.mean()),
        "sd": float(values.std()),
        "p10": float(q[0]),
        "median": float(q[1]),
        "p90": float(q[2]),
    }


@torch.no_grad()
def sample_quality(prior: ImagePrior, x: torch.Tensor, data: dict) -> dict:
    """Samples x (N, 1, H, W) against the held-out digits."""
    from scipy.stats import wasserstein_distance

    from designer_app.domains.images import array_to_image, pixel_key

    held = torch.from_numpy(data["x"][data["heldout"]])
    train = torch.from_numpy(data["x"][data["train"]]).flatten(1)
    out: dict = {"n_samples": len(x), "n_heldout": len(held)}
    probs = {name: prior.featuriser(v)[1].softmax(-1) for name, v in (("samples", x), ("heldout", held))}
    classes = probs["samples"].argmax(-1)
    share = torch.bincount(classes, minlength=10).float() / len(x)
    out["classifier"] = {
        "mean_confidence_samples": float(probs["samples"].max(-1).values.mean()),
        "mean_confidence_heldout": float(probs["heldout"].max(-1).values.mean()),
        "heldout_accuracy": float(
            (probs["heldout"].argmax(-1) == torch.from_numpy(data["y"][data["heldout"]])).float().mean()
        ),
        "class_share_samples": [round(float(s), 3) for s in share],
    }
    pix_s, pix_h = to_uint8(x), to_uint8(held)
    vals_s, vals_h = oracle_values(pix_s), oracle_values(pix_h)
    out["properties"] = {
        k: {
            "samples": _distribution(vals_s[k]),
            "heldout": _distribution(vals_h[k]),
            "wasserstein": float(wasserstein_distance(vals_s[k], vals_h[k])),
        }
        for k in vals_s
    }
    keys = {pixel_key(array_to_image(p)) for p in pix_s}
    out["uniqueness"] = len(keys) / len(x)
    # memorisation: RMS pixel distance (in [-1, 1] units) to the nearest training digit
    nn_s = torch.cdist(x.clamp(-1, 1).flatten(1), train).min(1).values / np.sqrt(train.shape[1])
    nn_h = torch.cdist(held.flatten(1), train).min(1).values / np.sqrt(train.shape[1])
    out["nearest_train_rms"] = {
        "samples": _distribution(nn_s.numpy()),
        "heldout": _distribution(nn_h.numpy()),
        "samples_closer_than_0.05": float((nn_s < 0.05).float().mean()),
    }
    # the featuriser's statistics head on the samples (R² per target)
    _, _, pred = prior.featuriser(x)
    truth = (image_statistics(prior.featuriser.prepare(x)) - prior.featuriser.stat_mean) / prior.featuriser.stat_std
    out["featuriser_stats_r2_on_samples"] = {
        name: round(
            float(1 - ((pred[:, j] - truth[:, j]) ** 2).sum() / ((truth[:, j] - truth[:, j].mean()) ** 2).sum()), 3
        )
        for j, name in enumerate(STAT_NAMES)
    }
    return out


def reward_accuracy(
    prior: ImagePrior,
    x: torch.Tensor,
    labels_list=(100, 500),
    seeds=(0, 1, 2),
    reward_cfg: RewardConfig = RewardConfig(),
) -> dict:
    """Held-out R² / Spearman of the reward ensemble on the featuriser, fitted on n prior samples'
    oracle values (jpeg-compressibility = -JPEG kB, brightness) and tested on the last N_TEST of x."""
    vals = oracle_values(to_uint8(x))
    targets = {"jpeg-compressibility": -vals["jpeg_kb"], "brightness": vals["brightness"]}
    with torch.no_grad():
        feats = prior.featurise(x)
    half = len(x) - min(N_TEST, len(x) // 2)  # samples before `half` form the label pool
    test = np.arange(half, len(x))
    out: dict = {"n_test": len(test), "pool": half}
    for name, y in targets.items():
        yt = torch.tensor(y, dtype=torch.float32)
        out[name] = {}
        for n in labels_list:
            runs = []
            for seed in seeds:
                idx = np.random.default_rng(seed).permutation(half)[: min(n, half)]
                model, _ = fit_ensemble(feats[idx], yt[idx], reward_cfg, seed)
                with torch.no_grad():
                    pred, _ = model.mean_std(feats[test])
                runs.append(heldout_scores(pred.numpy(), y[test]))
            out[name][str(n)] = {k: float(np.mean([r[k] for r in runs])) for k in ("r2", "spearman")}
    return out


def write_card(
    folder: str | Path,
    command: str = "",
    n_samples: int = MAX_SAMPLES,
    seed: int = 0,
    reward_cfg: RewardConfig = RewardConfig(),
) -> dict:
    """Measure the prior in `folder` (with its training cache in folder/work) and write the card."""
    from designer_app.io.image_export import ContactSheetConfig, grid_from_pixels
    from designer_app.pretraining.image_data import ImagePretrainConfig, prepare_data

    folder = Path(folder)
    t0 = time.monotonic()
    prior = ImagePrior.load(folder, "cpu")
    data = prepare_data(folder / "work", ImagePretrainConfig())
    n = max(64, min(n_samples, MAX_SAMPLES))
    x = sample(
        prior.denoiser, n, prior.sample_shape, prior.schedule, torch.Generator().manual_seed(seed), batch_size=250
    )
    sample_seconds = time.monotonic() - t0
    grid = grid_from_pixels(
        to_uint8(x[:64]), ContactSheetConfig(tile=48, columns=8, gap=2, labels=False, background=128)
    )
    from designer_app.domains.images import png_bytes

    atomic_write_bytes(folder / "samples.png", png_bytes(grid))
    quality = sample_quality(prior, x, data)
    quality["sample_seconds_per_image"] = sample_seconds / n
    quality["reward_accuracy"] = reward_accuracy(prior, x, reward_cfg=reward_cfg)
    quality["card_seconds"] = time.monotonic() - t0
    quality["machine"] = (
        f"{platform.machine()} {platform.system()}, torch {torch.__version__}, {torch.get_num_threads()} thread(s)"
    )
    cfg = json.loads((folder / "config.json").read_text())
    quality["training"] = cfg.get("training", {})
    atomic_write_json(folder / "quality.json", quality)
    atomic_write_text(folder / "CARD.md", render_card(cfg, quality, command))
    return {"card_seconds": round(quality["card_seconds"]), "uniqueness": quality["uniqueness"]}


def _fmt(d: dict) -> str:
    return f"{d['mean']:.3f} ± {d['sd']:.3f} (median {d['median']:.3f})"


def render_card(cfg: dict, q: dict, command: str) -> str:
    t, u = q["training"], cfg["unet"]
    c, p, r = q["classifier"], q["properties"], q["reward_accuracy"]
    total = t.get("diffusion_minutes", 0) + t.get("featuriser_minutes", 0) + q["card_seconds"] / 60
    rows = "\n".join(
        f"| {name} | {n} | {r[name][n]['r2']:.3f} | {r[name][n]['spearman']:.3f} |"
        for name in ("jpeg-compressibility", "brightness")
        for n in ("100", "500")
    )
    return f"""# images-digits

Pixel-diffusion prior for the images domain: 16x16 grey digits, a diffusers `UNet2DModel`
(block_out_channels {tuple(u["block_out_channels"])}, {u["layers_per_block"]} ResNet layer per block, attention in the
4x4 middle block; {t.get("parameters_unet", 0):,} parameters) trained with the epsilon-prediction DDPM loss on a
{cfg["schedule"]["beta_schedule"]} schedule of {cfg["schedule"]["train_timesteps"]} steps; sampled with DDIM (eta = 1),
{cfg["schedule"]["sample_steps"]} steps. Featuriser: a CNN encoder ({t.get("parameters_featuriser", 0):,} parameters).

![64 samples](samples.png)

## Data
sklearn's `load_digits` (1,797 8x8 images with 16 grey levels; scikit-learn's copy of the test set of the
UCI "Optical Recognition of Handwritten Digits" data, BSD-3-Clause licence via scikit-learn), upscaled to
16x16 (bilinear), pixels in [-1, 1], ink bright on black. 10 % ({q["n_heldout"]} images, seeded) held out;
training images are shifted at random by up to one pixel.

Featuriser targets: the digit class (on clean and mildly corrupted digits) and five cheap image
statistics used as **auxiliary targets**: brightness, contrast, ink fraction, total variation, and a
JPEG coding-cost proxy (log-magnitudes of quality-95-quantised 8x8 DCT coefficients; no encoder runs).
The oracles themselves are never used as labels. It trains on digits and corrupted digits (contrast
changes, inversions, noise, blends, constant and smoothed-noise images) so that it describes fine-tuned
samples too. Features for the reward model: the CNN embedding, the five statistics computed exactly
from the pixels (differentiable, standardised) and the class probabilities.

## Command
`{command or "designer-app pretrain images --out DIR --minutes 25"}` (rerun the same command to resume)

## Wall time ({q["machine"]}; 2 cores shared with other jobs)
UNet {t.get("diffusion_steps")} steps in {t.get("diffusion_minutes")} min; featuriser {t.get("featuriser_steps")} steps in
{t.get("featuriser_minutes")} min; card (sampling + measurements) {q["card_seconds"] / 60:.1f} min; total {total:.1f} min.
Sampling: {q["sample_seconds_per_image"] * 1000:.0f} ms per image (25 steps, batch 250, 1 thread).

## Quality ({q["n_samples"]} samples vs {q["n_heldout"]} held-out digits)
| measure | samples | held-out digits |
|---|---|---|
| digit classifier confidence (featuriser head, mean max prob) | {c["mean_confidence_samples"]:.3f} | {c["mean_confidence_heldout"]:.3f} |
| brightness (0..1) | {_fmt(p["brightness"]["samples"])} | {_fmt(p["brightness"]["heldout"])} |
| JPEG size at q95 (kB) | {_fmt(p["jpeg_kb"]["samples"])} | {_fmt(p["jpeg_kb"]["heldout"])} |
| RMS distance to nearest training digit | {_fmt(q["nearest_train_rms"]["samples"])} | {_fmt(q["nearest_train_rms"]["heldout"])} |

- Uniqueness (distinct pictures): {q["uniqueness"]:.3f}; samples within RMS 0.05 of a training digit:
  {q["nearest_train_rms"]["samples_closer_than_0.05"]:.3f}.
- Wasserstein distance samples vs held-out: brightness {p["brightness"]["wasserstein"]:.4f}, JPEG kB {p["jpeg_kb"]["wasserstein"]:.4f}.
- Predicted class shares of the samples (0-9): {c["class_share_samples"]}.
- Featuriser: held-out digit accuracy {c["heldout_accuracy"]:.3f}; R² of its statistics head on the samples:
  {q["featuriser_stats_r2_on_samples"]}.

## Reward model on the featuriser
`fit_ensemble` (default RewardConfig: 5 bootstrap MLP heads) on the featuriser's {cfg["featuriser"]["hidden"] + 5 + 10}-dimensional
embedding of prior samples, labelled by the oracle; tested on {r["n_test"]} other prior samples; mean of 3 seeds.
jpeg-incompressibility is the negative of jpeg-compressibility (same accuracy).

| oracle | labels | held-out R² | held-out Spearman |
|---|---|---|---|
{rows}
"""
