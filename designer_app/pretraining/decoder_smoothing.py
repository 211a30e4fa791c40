"""Decoder smoothing: teach the molecule decoder to read latents a little off the data manifold.

Why. The autoencoder's posterior is narrow: on the shipped prior the posterior sd is 0.1–0.2 of the
latents' spread in the dimensions the decoder uses, so during training the decoder only ever saw latents
within ~0.15 sd of a real molecule's mean. The latent diffusion model's samples sit farther out than
that: decoding true held-out latents gives mean QED 0.78, the same latents plus Gaussian noise of 0.5 sd
give 0.65 — what diffusion samples give. So the molecules are poor because the decoder extrapolates, not
because the diffusion model lands somewhere meaningless.

What. Encoder, token embedding, property head and the diffusion model stay frozen (the latent space and
everything trained on it are unchanged); only the decoder (`z_to_h`, `decoder`, `to_logits`) is trained
to reconstruct each molecule from its posterior sample plus extra noise of a random scale
s ~ U(0, decoder_noise) times the latents' per-dimension spread. SEIKO fine-tuning also moves samples off
the manifold, so campaigns decode to more reasonable molecules too.

Resumable: checkpoints in work/ae_smooth.safetensors (+ optimiser and step/seconds in state.json).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from designer_app.models.serialization import load_optimizer, pick_device, save_optimizer, save_weights

# pretrain_molecules imports this module only inside its functions, so this is not an import cycle
from designer_app.pretraining.harness import read_state, write_state
from designer_app.pretraining.molecule_checkpoints import SMOOTHED, load_autoencoder
from designer_app.pretraining.molecule_data import length_bucketed_batches

TRAINED_PARTS = ("z_to_h", "decoder", "to_logits")


def trainable_parameters(model: torch.nn.Module) -> list[torch.nn.Parameter]:
    """Freeze everything but the decoder parts; return those parameters."""
    model.requires_grad_(False)
    params = []
    for name in TRAINED_PARTS:
        part = getattr(model, name)
        part.requires_grad_(True)
        params += list(part.parameters())
    return params


def smoothing_loss(
    model, ids: torch.Tensor, latent_std: torch.Tensor, max_noise: float, gen: torch.Generator
) -> torch.Tensor:
    """Summed token cross-entropy per molecule of decoding noisy latents.

    ids (B, T); latent_std (D,) the per-dimension spread of the posterior means.
    """
    with torch.no_grad():
        mu, log_var = model.encode(ids)  # (B, D) each; the encoder is frozen
        scale = torch.rand(len(ids), 1, generator=gen) * max_noise  # (B, 1)
        z = (
            mu
            + (0.5 * log_var).exp() * torch.randn(mu.shape, generator=gen)
            + scale * latent_std * torch.randn(mu.shape, generator=gen)
        )
    logits = model.decode_logits(z, ids)  # (B, T, V)
    return F.cross_entropy(logits.transpose(1, 2), ids, ignore_index=0, reduction="sum") / len(ids)


def smooth_decoder(dataset, work: Path, cfg, should_stop=lambda: False) -> Iterator[dict]:
    """Run the phase for `cfg.decoder_smoothing_minutes` (in total over resumptions) on the pretraining
    work folder `work`; yield progress dicts. `dataset.ids` (N, T)."""
    device = pick_device()
    model = load_autoencoder(work, device, smoothed=True)  # resumes from this phase's checkpoint
    params = trainable_parameters(model)
    model.train()
    opt = torch.optim.Adam(params, lr=cfg.decoder_smoothing_lr)
    if (work / "ae_smooth_opt.pt").exists():
        load_optimizer(opt, work / "ae_smooth_opt.pt")
    state = read_state(work)
    latent_std = torch.tensor(state["latent_std"], device=device)
    step, elapsed = state.get("smooth_step", 0), state.get("smooth_seconds", 0.0)
    budget = cfg.decoder_smoothing_minutes * 60
    gen = torch.Generator().manual_seed(cfg.seed + 11 + step)
    ids_all = torch.from_numpy(dataset.ids)
    n_train = len(ids_all) - min(2000, len(ids_all) // 10)  # the same held-out tail as the autoencoder
    last_ckpt, losses, epoch = time.monotonic(), [], step
    while elapsed < budget and not should_stop():
        rng = np.random.default_rng(cfg.seed + 101 + epoch)
        epoch += 1
        for batch_idx in length_bucketed_batches(dataset.ids[:n_train], cfg.batch_size, rng):
            t0 = time.monotonic()
            ids = ids_all[batch_idx]
            ids = ids[:, : int((ids != 0).sum(1).max())].to(device)
            # cosine decay over the budget, by wall clock so that resumed runs agree
            for group in opt.param_groups:
                group["lr"] = cfg.decoder_smoothing_lr * 0.5 * (1 + math.cos(math.pi * min(1.0, elapsed / budget)))
            loss = smoothing_loss(model, ids, latent_std, cfg.decoder_noise, gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            step += 1
            elapsed += time.monotonic() - t0
            losses.append(float(loss.detach()))
            if step % 50 == 0:
                yield {
                    "phase": "decoder-smoothing",
                    "step": step,
                    "seconds": round(elapsed),
                    "recon": float(np.mean(losses)),
                }
                losses.clear()
            if elapsed >= budget or should_stop():
                break  # the checkpoint below saves it
            if time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60:
                _checkpoint(model, opt, work, step, elapsed, cfg.decoder_noise)
                last_ckpt = time.monotonic()
    _checkpoint(model, opt, work, step, elapsed, cfg.decoder_noise)
    yield {"phase": "decoder-smoothing", "step": step, "seconds": round(elapsed), "done": elapsed >= budget}


def restart_if_noise_changed(work: Path, noise: float) -> None:
    """Discard a smoothing run made with another noise ceiling, so a resumed phase never mixes two.
    Runs from before the ceiling was recorded used 0.5."""
    state = read_state(work)
    if state.get("smooth_step", 0) == 0 or state.get("smooth_noise", 0.5) == noise:
        return
    for name in (SMOOTHED, "ae_smooth_opt.pt"):
        (work / name).unlink(missing_ok=True)
    for key in ("smooth_step", "smooth_seconds", "smooth_noise"):
        state.pop(key, None)  # pretrain_molecules.run recalibrates the featuriser for the new decoder
    write_state(work, state)


def _checkpoint(model, opt, work: Path, step: int, elapsed: float, noise: float) -> None:
    save_weights(model, work / SMOOTHED)
    save_optimizer(opt, work / "ae_smooth_opt.pt")
    state = read_state(work)
    state.update(smooth_step=step, smooth_seconds=elapsed, smooth_noise=noise)
    write_state(work, state)
