"""The shared trainer of the sequence priors (`designer-app pretrain dna|protein|rna`), resumable.

What differs between sequence domains is a SequenceRecipe in the domain's own trainer module
(pretraining/dna.py, protein.py, rna.py): its data, its settings, its campaign defaults and its card.
Phases (each resumable from `<out>/work/`, checkpointed every few minutes):
1. data        the recipe's data set (e.g. dna: all 8-mers + the TF landscape, below-median set = the prior's
               distribution). Cached to work/data.npz.
2. autoencoder sequence VAE with an auxiliary property head (models/sequences/autoencoder.py).
3. diffusion   latent denoiser on the standardised posterior means of the prior's sequences.
4. export      config.json + model.safetensors into <out>/ (the prior folder a campaign loads).
The card (CARD.md + quality.json) is written by designer_app.pretraining.sequence_quality.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from designer_app.models.latent_denoiser import DenoiserConfig, LatentDenoiser
from designer_app.models.latent_diffusion import ScheduleConfig, denoising_loss, training_scheduler
from designer_app.models.sequences.autoencoder import SequenceAutoencoder, SequenceAutoencoderConfig
from designer_app.models.serialization import load_weights
from designer_app.pretraining.harness import (
    read_state,
    restore_phase,
    save_latent_denoiser,
    save_phase,
    update_state,
)
from designer_app.pretraining.sequence_data import SequenceDataset, property_names, sequence_properties
from designer_app.pretraining.sequence_recipe import SequencePretrainConfig, SequenceRecipe, recipe_for


def default_config(domain: str, minutes: float, seed: int = 0) -> SequencePretrainConfig:
    """The shipped prior's settings for `domain`; `minutes` is split between the two training phases."""
    return recipe_for(domain).default_config(minutes, seed)


def _cosine_tail(base: float, progress: float) -> float:
    """Constant for the first 60 % of a phase, then cosine decay to 5 % (by progress, so a resumed
    run follows the same schedule)."""
    if progress < 0.6:
        return base
    frac = min(1.0, (progress - 0.6) / 0.4)
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))


# ---- phase 1: data ------------------------------------------------------------------------------------
def prepare_data(work: Path, cfg: SequencePretrainConfig) -> SequenceDataset:
    cache = work / "data.npz"
    if cache.exists():
        return SequenceDataset.load(cache)
    dataset = recipe_for(cfg.domain).dataset(cfg)
    dataset.save(cache)
    return dataset


def property_targets(codes: np.ndarray, cfg: SequencePretrainConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardised property targets (N, P) with their mean and std (P,)."""
    props = sequence_properties(codes, len(cfg.alphabet), cfg.kmers, cfg.gc, cfg.both_strands)
    mean, std = props.mean(0), props.std(0) + 1e-3  # floor: rare pairs must not get huge weights
    return (props - mean) / std, mean, std


def autoencoder_config(cfg: SequencePretrainConfig) -> SequenceAutoencoderConfig:
    return SequenceAutoencoderConfig(
        length=cfg.length,
        vocab_size=len(cfg.alphabet),
        latent_dim=cfg.latent_dim,
        hidden=cfg.hidden,
        hidden_layers=cfg.hidden_layers,
        n_properties=len(property_names(cfg.alphabet, cfg.kmers, cfg.gc)),
        property_hidden=cfg.property_hidden,
    )


# ---- phase 2: autoencoder -----------------------------------------------------------------------------
def train_autoencoder(
    dataset: SequenceDataset, work: Path, cfg: SequencePretrainConfig, should_stop: Callable[[], bool] = lambda: False
) -> Iterator[dict]:
    """Yields progress dicts; resumes from work/ae.safetensors."""
    torch.manual_seed(cfg.seed)
    model = SequenceAutoencoder(autoencoder_config(cfg))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    state = read_state(work)
    restore_phase(work, "ae", model, opt)
    step, elapsed, epoch = state.get("ae_step", 0), state.get("ae_seconds", 0.0), state.get("ae_epoch", 0)
    props, _, _ = property_targets(dataset.codes, cfg)
    codes_all, props_all = torch.from_numpy(dataset.codes), torch.from_numpy(props)
    budget = cfg.ae_minutes * 60
    last_ckpt, history = time.monotonic(), []

    def progress() -> float:
        return max(elapsed / max(budget, 1e-9), step / cfg.ae_steps)

    while progress() < 1.0 and not should_stop():
        order = torch.from_numpy(np.random.default_rng(cfg.seed + epoch).permutation(len(codes_all)))
        for start in range(0, len(order) - cfg.batch_size + 1, cfg.batch_size):
            t0 = time.monotonic()
            idx = order[start : start + cfg.batch_size]
            for group in opt.param_groups:
                group["lr"] = _cosine_tail(cfg.lr, progress())
            kl_w = cfg.kl_weight * min(1.0, step / max(1, cfg.kl_warmup_steps))
            out = model.loss(codes_all[idx], props_all[idx], kl_w, cfg.prop_weight)
            opt.zero_grad(set_to_none=True)
            out["loss"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            elapsed += time.monotonic() - t0
            history.append({k: float(v.detach()) for k, v in out.items()})
            if step % 200 == 0:
                avg = {k: round(float(np.mean([h[k] for h in history])), 4) for k in history[0]}
                history.clear()
                yield {"phase": "autoencoder", "step": step, "epoch": epoch, "seconds": round(elapsed), **avg}
            if time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60:
                _checkpoint_ae(model, opt, work, step, elapsed, epoch)
                last_ckpt = time.monotonic()
            if progress() >= 1.0 or should_stop():
                break
        else:
            epoch += 1
    _checkpoint_ae(model, opt, work, step, elapsed, epoch)
    exact = heldout_reconstruction(model.eval(), dataset.heldout)
    update_state(work, ae_heldout_exact_reconstruction=exact)
    yield {"phase": "autoencoder", "step": step, "seconds": round(elapsed), "heldout_exact": exact}


@torch.no_grad()
def heldout_reconstruction(model: SequenceAutoencoder, codes: np.ndarray) -> float:
    """Fraction of sequences whose posterior mean decodes back to exactly the same sequence."""
    if len(codes) == 0:
        return float("nan")
    x = torch.from_numpy(codes)
    mu, _ = model.encode(x)
    return float((model.generate(mu) == x).all(dim=1).float().mean())


def _checkpoint_ae(model, opt, work: Path, step: int, elapsed: float, epoch: int) -> None:
    save_phase(work, "ae", model, opt, ae_step=step, ae_seconds=elapsed, ae_epoch=epoch, ae_config=asdict(model.config))


def load_autoencoder(work: Path) -> SequenceAutoencoder:
    model = SequenceAutoencoder(SequenceAutoencoderConfig(**read_state(work)["ae_config"]))
    load_weights(model, work / "ae.safetensors")
    return model.eval()


# ---- phase 3: latent diffusion ------------------------------------------------------------------------
def train_diffusion(
    dataset: SequenceDataset, work: Path, cfg: SequencePretrainConfig, should_stop: Callable[[], bool] = lambda: False
) -> Iterator[dict]:
    """Learn the distribution of the standardised posterior means of the prior's sequences."""
    from diffusers.training_utils import EMAModel

    torch.manual_seed(cfg.seed + 1)
    ae = load_autoencoder(work)
    with torch.no_grad():
        mu, _ = ae.encode(torch.from_numpy(dataset.codes[dataset.prior_mask]))  # (N, D)
    z_mean, z_std = mu.mean(0), mu.std(0).clamp(min=1e-4)
    update_state(work, latent_mean=z_mean.tolist(), latent_std=z_std.tolist())
    x_all = (mu - z_mean) / z_std
    den_cfg = DenoiserConfig(latent_dim=cfg.latent_dim, hidden=cfg.denoiser_hidden, n_blocks=cfg.denoiser_blocks)
    model = LatentDenoiser(den_cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    ema = EMAModel(model.parameters(), decay=0.999)
    ema_model = LatentDenoiser(den_cfg)
    if restore_phase(work, "denoiser", model, opt, ema_model=ema_model):
        ema = EMAModel(ema_model.parameters(), decay=0.999)
    state = read_state(work)
    step, elapsed = state.get("dm_step", 0), state.get("dm_seconds", 0.0)
    budget = cfg.diffusion_minutes * 60
    sched = training_scheduler(ScheduleConfig())
    gen = torch.Generator().manual_seed(cfg.seed + step)
    torch.manual_seed(cfg.seed + 1 + step)  # the noise of denoising_loss continues differently on resume
    last_ckpt, losses = time.monotonic(), []

    def progress() -> float:
        return max(elapsed / max(budget, 1e-9), step / cfg.diffusion_steps)

    while progress() < 1.0 and not should_stop():
        t0 = time.monotonic()
        x0 = x_all[torch.randint(0, len(x_all), (cfg.diffusion_batch,), generator=gen)]  # (B, D)
        for group in opt.param_groups:  # cosine decay over the whole phase
            group["lr"] = 1e-3 * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress()))))
        loss = denoising_loss(model, x0, sched)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        ema.step(model.parameters())
        step += 1
        elapsed += time.monotonic() - t0
        losses.append(float(loss.detach()))
        if step % 500 == 0:
            yield {
                "phase": "diffusion",
                "step": step,
                "seconds": round(elapsed),
                "loss": round(float(np.mean(losses)), 4),
            }
            losses.clear()
        if time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60:
            save_latent_denoiser(work, model, ema, opt, step, elapsed, den_cfg)
            last_ckpt = time.monotonic()
    save_latent_denoiser(work, model, ema, opt, step, elapsed, den_cfg)
    yield {"phase": "diffusion", "step": step, "seconds": round(elapsed), "done": True}


# ---- phase 4: export ----------------------------------------------------------------------------------
def export_prior(work: Path, out: Path, cfg: SequencePretrainConfig, dataset: SequenceDataset) -> Path:
    """Write the prior folder from the EMA denoiser and the autoencoder."""
    from designer_app.models.sequences.prior import SequencePrior, SequencePriorConfig

    state = read_state(work)
    den = LatentDenoiser(DenoiserConfig(**state["dm_config"]))
    load_weights(den, work / "denoiser_ema.safetensors")
    _, mean, std = property_targets(dataset.codes, cfg)
    config = SequencePriorConfig(
        domain=cfg.domain,
        alphabet=cfg.alphabet,
        features=tuple(cfg.features),
        letter_temperature=cfg.letter_temperature,
        latent_mean=tuple(state["latent_mean"]),
        latent_std=tuple(state["latent_std"]),
        allowed_pairs=observed_pairs(dataset.codes[dataset.prior_mask], len(cfg.alphabet))
        if cfg.constrain_pairs
        else None,
    )
    extra = {
        "property_names": property_names(cfg.alphabet, cfg.kmers, cfg.gc),
        "property_mean": mean.tolist(),
        "property_std": std.tolist(),
        "pretrain": asdict(cfg),
        "training": {
            "autoencoder_steps": state.get("ae_step"),
            "autoencoder_minutes": round(state.get("ae_seconds", 0) / 60, 2),
            "diffusion_steps": state.get("dm_step"),
            "diffusion_minutes": round(state.get("dm_seconds", 0) / 60, 2),
            "heldout_exact_reconstruction": state.get("ae_heldout_exact_reconstruction"),
        },
        "campaign_defaults": recipe_for(cfg.domain).campaign_defaults(cfg),
    }
    prior = SequencePrior(config, load_autoencoder(work), den, ScheduleConfig(), extra)
    return prior.save(out)


def observed_pairs(codes: np.ndarray, vocab_size: int) -> tuple[tuple[int, ...], ...]:
    """(V, V) 0/1: which adjacent letter pairs occur in `codes` (N, L)."""
    seen = np.zeros((vocab_size, vocab_size), dtype=np.int64)
    seen[codes[:, :-1].ravel(), codes[:, 1:].ravel()] = 1
    return tuple(tuple(int(v) for v in row) for row in seen)


def run(out: Path, cfg: SequencePretrainConfig, should_stop: Callable[[], bool] = lambda: False) -> Iterator[dict]:
    """All phases in order; every phase resumes where an earlier (killed or timed-out) run stopped."""
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    dataset = prepare_data(work, cfg)
    yield {
        "phase": "data",
        "sequences": len(dataset.codes),
        "prior_sequences": int(dataset.prior_mask.sum()),
        "heldout": len(dataset.heldout),
        "seconds": round(time.monotonic() - t0, 1),
    }
    state = read_state(work)
    ae_left = state.get("ae_seconds", 0.0) < cfg.ae_minutes * 60 and state.get("ae_step", 0) < cfg.ae_steps
    if ae_left or "ae_heldout_exact_reconstruction" not in state:
        yield from train_autoencoder(dataset, work, cfg, should_stop)
    if should_stop():
        return
    state = read_state(work)
    if state.get("dm_seconds", 0.0) < cfg.diffusion_minutes * 60 and state.get("dm_step", 0) < cfg.diffusion_steps:
        yield from train_diffusion(dataset, work, cfg, should_stop)
    if should_stop():
        return
    export_prior(work, out, cfg, dataset)
    yield {"phase": "export", "out": str(out)}


def pretrain_with(recipe: SequenceRecipe, request) -> Iterator[dict]:
    """`designer-app pretrain <domain>` for a sequence domain: pretraining.PretrainRequest -> progress dicts."""
    from designer_app.pretraining.sequence_quality import write_card

    cfg = recipe.default_config(request.minutes, request.seed)
    if request.n_train is not None:
        cfg = replace(cfg, n_train=request.n_train)
    if request.ae_steps is not None:
        cfg = replace(cfg, ae_steps=request.ae_steps)
    started = time.monotonic()
    work = Path(request.out) / "work"
    yield from run(Path(request.out), cfg)
    # wall time of every run of the command so far (a resumed run adds to it), for the card
    update_state(
        work, wall_minutes=round(read_state(work).get("wall_minutes", 0.0) + (time.monotonic() - started) / 60, 2)
    )
    if request.card:
        write_card(Path(request.out), command=request.command, n_samples=min(request.eval_samples, 10_000))
