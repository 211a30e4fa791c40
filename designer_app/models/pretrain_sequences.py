"""`designer-app pretrain dna|protein`: train the shipped sequence priors, resumably.

Phases (each resumable from `<out>/work/`, checkpointed every few minutes):
1. data        dna: all 8-mers + the TF landscape (below-median set = the prior's distribution);
               protein: samples of the default Ehrlich function's DMP. Cached to work/data.npz.
2. autoencoder sequence VAE with an auxiliary property head (models/sequence_autoencoder.py).
3. diffusion   latent denoiser on the standardised posterior means of the prior's sequences.
4. export      config.json + model.safetensors into <out>/ (the prior folder a campaign loads).
The card (CARD.md + quality.json) is written by designer_app.models.sequence_quality.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch

from designer_app.models.latent_denoiser import DenoiserConfig, LatentDenoiser
from designer_app.models.latent_diffusion import ScheduleConfig, denoising_loss, training_scheduler
from designer_app.models.sequence_autoencoder import SequenceAutoencoder, SequenceAutoencoderConfig
from designer_app.models.sequence_data import (
    DNA_ALPHABET,
    PROTEIN_ALPHABET,
    SequenceDataset,
    dna_dataset,
    property_names,
    protein_dataset,
    sequence_properties,
)
from designer_app.models.serialization import load_optimizer, load_weights, save_optimizer, save_weights
from designer_app.store.files import atomic_write_json


@dataclass(frozen=True)
class SequencePretrainConfig:
    """Everything that decides a sequence prior. Recorded in the prior's config.json.

    Attributes:
        domain: "dna" or "protein".
        tf: dna only: the landscape whose below-median 8-mers form the prior's distribution.
        n_train: protein only: DMP samples for training (dna uses every 8-mer); the protein default is
            250,000 because the autoencoder overfit 80,000 (held-out exact reconstruction 85.5 %).
        n_heldout: protein: extra DMP samples never trained on; dna: 8-mers kept out of training.
        length: sequence length (dna 8; protein: the Ehrlich function's, 32).
        latent_dim: D of the autoencoder's latent (what the diffusion model samples).
        hidden: width of the autoencoder's hidden layers.
        hidden_layers: hidden layers of its encoder and of its decoder.
        property_hidden: width of the property head (part of the featuriser).
        kmers: the property head predicts the composition of these k-mer lengths (1 = letters).
        both_strands: k-mer compositions averaged over both DNA strands (dna).
        gc: whether it also predicts GC content (dna).
        batch_size: autoencoder batch size.
        lr: autoencoder learning rate (Adam); cosine decay over the last 40 % of the phase.
        kl_weight: weight of the KL term (beta-VAE); small keeps reconstructions exact, non-zero keeps
            the latent smooth and bounded.
        kl_warmup_steps: linear warm-up of the KL weight from 0.
        prop_weight: weight of the standardised property regression.
        ae_minutes / ae_steps: budgets of the autoencoder phase (whichever ends first).
        diffusion_minutes / diffusion_steps: budgets of the latent diffusion phase.
        diffusion_batch: latents per denoiser step.
        checkpoint_minutes: how often to write a resumable checkpoint.
        denoiser_hidden / denoiser_blocks: shape of the latent denoiser.
        features: the featuriser's parts (see models.sequence_prior.FEATURE_PARTS).
        constrain_pairs: decode only adjacent pairs seen in the training data (Viterbi; see
            models.sequence_prior.SequencePriorConfig.allowed_pairs).
        letter_temperature: softmax temperature of the "letters" feature part.
        seed: data splits, sampling and initialisation.
    """

    domain: str
    tf: str = "SIX6_REF_R1"
    n_train: int = 80_000
    n_heldout: int = 4_000
    length: int = 8
    latent_dim: int = 16
    hidden: int = 256
    hidden_layers: int = 2
    property_hidden: int = 128
    kmers: tuple[int, ...] = (1, 2, 3, 4)
    both_strands: bool = True
    gc: bool = True
    batch_size: int = 256
    lr: float = 1e-3
    kl_weight: float = 0.05
    kl_warmup_steps: int = 2000
    prop_weight: float = 1.0
    ae_minutes: float = 5.0
    ae_steps: int = 1_000_000
    diffusion_minutes: float = 4.0
    diffusion_steps: int = 1_000_000
    diffusion_batch: int = 256
    checkpoint_minutes: float = 2.0
    denoiser_hidden: int = 192
    denoiser_blocks: int = 3
    features: tuple[str, ...] = ("latent", "hidden", "properties")
    letter_temperature: float = 2.0
    constrain_pairs: bool = False
    seed: int = 0

    @property
    def alphabet(self) -> str:
        return DNA_ALPHABET if self.domain == "dna" else PROTEIN_ALPHABET


def default_config(domain: str, minutes: float, seed: int = 0) -> SequencePretrainConfig:
    """The shipped priors' settings; `minutes` is split between the two training phases."""
    if domain == "dna":
        # the autoencoder reconstructs every held-out 8-mer after ~3 min; the rest goes to diffusion
        return SequencePretrainConfig(domain="dna", ae_minutes=minutes * 0.3, diffusion_minutes=minutes * 0.6,
                                      seed=seed)
    if domain == "protein":
        return SequencePretrainConfig(
            # 128-d latent, one hidden layer: measured the fastest to reconstruct 32-mers exactly
            # (held-out letters 97 % after 2,000 steps vs 95 % at 96-d and slower two-layer nets)
            domain="protein", length=32, latent_dim=128, hidden=512, hidden_layers=1, lr=3e-3, kl_weight=0.01,
            property_hidden=128, kmers=(1, 2), both_strands=False, gc=False, n_heldout=2_000,
            ae_minutes=minutes * 0.55, diffusion_minutes=minutes * 0.37, denoiser_hidden=256, seed=seed,
            # 80k samples: 99.98 % exact on training sequences but 85.5 % on held-out ones (overfit)
            n_train=250_000, constrain_pairs=True,
            # the letter probabilities go last: the protein campaigns' convolutional reward heads read them
            # (campaign_defaults below); MLP heads still see the latent parts
            features=("latent", "hidden", "properties", "letters"),
        )
    raise ValueError(f"pretrain_sequences trains 'dna' or 'protein' priors, not '{domain}'")


# ---- resumable state --------------------------------------------------------------------------------
def _state(work: Path) -> dict:
    path = work / "state.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _update_state(work: Path, **values) -> None:
    state = _state(work)
    state.update(values)
    atomic_write_json(work / "state.json", state)


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
    if cfg.domain == "dna":
        dataset = dna_dataset(cfg.tf, heldout_fraction=cfg.n_heldout / 4**8, seed=cfg.seed)
    else:
        dataset = protein_dataset(cfg.n_train, cfg.n_heldout, cfg.seed)
    dataset.save(cache)
    return dataset


def property_targets(codes: np.ndarray, cfg: SequencePretrainConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardised property targets (N, P) with their mean and std (P,)."""
    props = sequence_properties(codes, len(cfg.alphabet), cfg.kmers, cfg.gc, cfg.both_strands)
    mean, std = props.mean(0), props.std(0) + 1e-3  # floor: rare pairs must not get huge weights
    return (props - mean) / std, mean, std


def autoencoder_config(cfg: SequencePretrainConfig) -> SequenceAutoencoderConfig:
    return SequenceAutoencoderConfig(
        length=cfg.length, vocab_size=len(cfg.alphabet), latent_dim=cfg.latent_dim, hidden=cfg.hidden,
        hidden_layers=cfg.hidden_layers,
        n_properties=len(property_names(cfg.alphabet, cfg.kmers, cfg.gc)), property_hidden=cfg.property_hidden,
    )


# ---- phase 2: autoencoder -----------------------------------------------------------------------------
def train_autoencoder(dataset: SequenceDataset, work: Path, cfg: SequencePretrainConfig,
                      should_stop: Callable[[], bool] = lambda: False) -> Iterator[dict]:
    """Yields progress dicts; resumes from work/ae.safetensors."""
    torch.manual_seed(cfg.seed)
    model = SequenceAutoencoder(autoencoder_config(cfg))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    state = _state(work)
    if (work / "ae.safetensors").exists():
        load_weights(model, work / "ae.safetensors")
        load_optimizer(opt, work / "ae_opt.pt")
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
    _update_state(work, ae_heldout_exact_reconstruction=exact)
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
    save_weights(model, work / "ae.safetensors")
    save_optimizer(opt, work / "ae_opt.pt")
    _update_state(work, ae_step=step, ae_seconds=elapsed, ae_epoch=epoch, ae_config=asdict(model.config))


def load_autoencoder(work: Path) -> SequenceAutoencoder:
    model = SequenceAutoencoder(SequenceAutoencoderConfig(**_state(work)["ae_config"]))
    load_weights(model, work / "ae.safetensors")
    return model.eval()


# ---- phase 3: latent diffusion ------------------------------------------------------------------------
def train_diffusion(dataset: SequenceDataset, work: Path, cfg: SequencePretrainConfig,
                    should_stop: Callable[[], bool] = lambda: False) -> Iterator[dict]:
    """Learn the distribution of the standardised posterior means of the prior's sequences."""
    from diffusers.training_utils import EMAModel

    torch.manual_seed(cfg.seed + 1)
    ae = load_autoencoder(work)
    with torch.no_grad():
        mu, _ = ae.encode(torch.from_numpy(dataset.codes[dataset.prior_mask]))  # (N, D)
    z_mean, z_std = mu.mean(0), mu.std(0).clamp(min=1e-4)
    _update_state(work, latent_mean=z_mean.tolist(), latent_std=z_std.tolist())
    x_all = (mu - z_mean) / z_std
    den_cfg = DenoiserConfig(latent_dim=cfg.latent_dim, hidden=cfg.denoiser_hidden, n_blocks=cfg.denoiser_blocks)
    model = LatentDenoiser(den_cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    ema = EMAModel(model.parameters(), decay=0.999)
    if (work / "denoiser.safetensors").exists():
        load_weights(model, work / "denoiser.safetensors")
        ema_model = LatentDenoiser(den_cfg)
        load_weights(ema_model, work / "denoiser_ema.safetensors")
        ema = EMAModel(ema_model.parameters(), decay=0.999)
        load_optimizer(opt, work / "denoiser_opt.pt")
    state = _state(work)
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
            yield {"phase": "diffusion", "step": step, "seconds": round(elapsed), "loss": round(float(np.mean(losses)), 4)}
            losses.clear()
        if time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60:
            _checkpoint_dm(model, ema, opt, work, step, elapsed, den_cfg)
            last_ckpt = time.monotonic()
    _checkpoint_dm(model, ema, opt, work, step, elapsed, den_cfg)
    yield {"phase": "diffusion", "step": step, "seconds": round(elapsed), "done": True}


def _checkpoint_dm(model, ema, opt, work: Path, step: int, elapsed: float, den_cfg: DenoiserConfig) -> None:
    save_weights(model, work / "denoiser.safetensors")
    ema_model = LatentDenoiser(den_cfg)
    ema.copy_to(ema_model.parameters())
    save_weights(ema_model, work / "denoiser_ema.safetensors")
    save_optimizer(opt, work / "denoiser_opt.pt")
    _update_state(work, dm_step=step, dm_seconds=elapsed, dm_config=asdict(den_cfg))


# ---- phase 4: export ----------------------------------------------------------------------------------
def export_prior(work: Path, out: Path, cfg: SequencePretrainConfig, dataset: SequenceDataset) -> Path:
    """Write the prior folder from the EMA denoiser and the autoencoder."""
    from designer_app.models.sequence_prior import SequencePrior, SequencePriorConfig

    state = _state(work)
    den = LatentDenoiser(DenoiserConfig(**state["dm_config"]))
    load_weights(den, work / "denoiser_ema.safetensors")
    _, mean, std = property_targets(dataset.codes, cfg)
    config = SequencePriorConfig(
        domain=cfg.domain, alphabet=cfg.alphabet, features=tuple(cfg.features),
        letter_temperature=cfg.letter_temperature,
        latent_mean=tuple(state["latent_mean"]), latent_std=tuple(state["latent_std"]),
        allowed_pairs=observed_pairs(dataset.codes[dataset.prior_mask], len(cfg.alphabet)) if cfg.constrain_pairs else None,
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
        "campaign_defaults": campaign_defaults(cfg.domain, cfg.length, len(cfg.alphabet)),
    }
    prior = SequencePrior(config, load_autoencoder(work), den, ScheduleConfig(), extra)
    return prior.save(out)


# What `designer-app new` applies to campaigns on these priors unless the user sets it. A weaker KL
# (alpha 0.001 instead of the global 0.003) measured better on both: tfbind8 SIX6 top-10 AUC 0.811 vs 0.730
# (3 seeds, docs/benchmarks.md), Ehrlich best 0.750/0.562/0.375 vs 0.375/0.500/0.375. The sequence
# featurisers cover the whole space (the DNA autoencoder saw every 8-mer), so the reward model stays
# trustworthy where a weaker KL lets the sampler go.
CAMPAIGN_DEFAULTS = {"alpha": 0.001}

# More optimism on DNA finds the best binders sooner; beta 2 keeps that and costs the average proposal
# less than beta 3. Measured on one machine, seiko-ucb against greedy on the same seeds (docs/benchmarks.md,
# Defaults, sessions 10-12), top-10 AUC lead on SIX6 / VAX2 / CRX:
#   suite 4 x 64, 10 seeds:   beta 1 +0.010 / +0.020 / +0.001, beta 2 +0.035 / +0.042 / +0.015,
#                             beta 3 +0.035 / +0.057 / +0.014;
#   4 x 128, 20 seeds:        beta 1 +0.004 / +0.008 / +0.006, beta 2 +0.015 / +0.016 / -0.003,
#                             beta 3 +0.013 / +0.016 / +0.002.
# The last batch's mean, beta 2 minus beta 3: +0.077 / +0.008 / +0.058 (suite) and +0.020 / +0.057 /
# +0.058 (4 x 128); at 4 x 128 it is still 0.05-0.10 below greedy's. On Ehrlich beta 3 changed nothing.
DNA_BETA = 2.0


def campaign_defaults(domain: str, length: int, letters: int) -> dict:
    """CAMPAIGN_DEFAULTS, plus beta = DNA_BETA for DNA and, for protein, convolutional reward heads over
    the letter probabilities.

    Why protein: the Ehrlich value is the quantised presence of spaced motifs, which MLP heads on the
    latent rank poorly (held-out Spearman 0.10 / 0.19 at 100 / 500 labels; the convolutional heads 0.28 /
    0.38). Measured on campaigns (ehrlich default, seiko-ucb 4 x 128, seeds 0-4, docs/performance.md):
    best 0.562 / 0.375 / 0.750 / 0.562 / 0.562 and last-round mean above the prior's in 5 of 5 seeds,
    against 0.750 / 0.562 / 0.375 / 0.375 / 0.375 and 4 of 5 with MLP heads; a round costs about 2x
    (the convolutional fit). DNA keeps MLP heads: its 8-mers are one position-aware motif, and its MLP
    heads already reach every optimum (docs/benchmarks.md)."""
    if domain == "dna":
        return {**CAMPAIGN_DEFAULTS, "beta": DNA_BETA}
    if domain != "protein":
        return dict(CAMPAIGN_DEFAULTS)
    return {**CAMPAIGN_DEFAULTS, "reward": {"conv_length": length, "conv_letters": letters}}


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
    yield {"phase": "data", "sequences": len(dataset.codes), "prior_sequences": int(dataset.prior_mask.sum()),
           "heldout": len(dataset.heldout), "seconds": round(time.monotonic() - t0, 1)}
    state = _state(work)
    ae_left = state.get("ae_seconds", 0.0) < cfg.ae_minutes * 60 and state.get("ae_step", 0) < cfg.ae_steps
    if ae_left or "ae_heldout_exact_reconstruction" not in state:
        yield from train_autoencoder(dataset, work, cfg, should_stop)
    if should_stop():
        return
    state = _state(work)
    if state.get("dm_seconds", 0.0) < cfg.diffusion_minutes * 60 and state.get("dm_step", 0) < cfg.diffusion_steps:
        yield from train_diffusion(dataset, work, cfg, should_stop)
    if should_stop():
        return
    export_prior(work, out, cfg, dataset)
    yield {"phase": "export", "out": str(out)}


def pretrain(request) -> Iterator[dict]:
    """`designer-app pretrain dna|protein`: models.pretrain_request.PretrainRequest -> progress dicts.
    dna reads the shipped TF-binding landscape (request.data is not needed); protein samples the
    default Ehrlich function's DMP."""
    from designer_app.models.sequence_quality import write_card

    cfg = default_config(request.domain, request.minutes, request.seed)
    if request.n_train is not None:
        cfg = replace(cfg, n_train=request.n_train)
    if request.ae_steps is not None:
        cfg = replace(cfg, ae_steps=request.ae_steps)
    started = time.monotonic()
    work = Path(request.out) / "work"
    yield from run(Path(request.out), cfg)
    # wall time of every run of the command so far (a resumed run adds to it), for the card
    _update_state(work, wall_minutes=round(_state(work).get("wall_minutes", 0.0) + (time.monotonic() - started) / 60, 2))
    if request.card:
        write_card(Path(request.out), command=request.command, n_samples=min(request.eval_samples, 10_000))
        yield {"phase": "card", "out": str(Path(request.out) / "CARD.md")}
