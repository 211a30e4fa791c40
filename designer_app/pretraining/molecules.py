"""`designer-app pretrain molecules`: train the shipped latent-diffusion molecule prior, resumably.

Phases (each resumable from `<out>/work/`, checkpointed every few minutes):
1. data        MOSES SMILES -> SELFIES ids + RDKit descriptors, cached to work/data.npz.
2. autoencoder SELFIES VAE with auxiliary property heads (models/molecules/autoencoder.py).
3. diffusion   latent denoiser on the autoencoder's posterior means (models/latent_denoiser.py).
3b. smoothing  the decoder learns to read latents a little off the manifold (pretraining/decoder_smoothing.py).
4. export      config.json + model.safetensors into <out>/ (the prior folder a campaign loads).
The quality report for CARD.md is `designer_app.pretraining.molecule_card`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from designer_app.atomic import atomic_write_json
from designer_app.domains import chemistry
from designer_app.models.molecules.autoencoder import AutoencoderConfig, SelfiesAutoencoder
from designer_app.models.molecules.vocab import Vocab
from designer_app.models.serialization import (
    load_weights,
    pick_device,
    save_weights,
)
from designer_app.pretraining.harness import (
    read_state,
    restore_phase,
    save_latent_denoiser,
    save_phase,
    write_state,
)
from designer_app.pretraining.molecule_checkpoints import load_autoencoder
from designer_app.pretraining.molecule_data import MoleculeDataset, build_dataset, length_bucketed_batches, read_smiles


@dataclass(frozen=True)
class MoleculePretrainConfig:
    """Everything that decides the molecule prior. Recorded in the prior's config.json.

    Attributes:
        n_train: number of MOSES training SMILES used (first rows after a seeded shuffle).
        n_with_props: of those, how many get RDKit descriptors for the auxiliary heads.
        max_len: longest SELFIES token sequence kept.
        batch_size: autoencoder batch size.
        lr: autoencoder learning rate (Adam).
        kl_weight: final weight of the KL term (beta-VAE). 0.05 kept reconstructions exact (0.83 held out) but
            left the latent sparse: the denoiser's samples fell between molecules and decoded to mean QED
            0.64 (0.72 after decoder smoothing). 0.5 trades exactness (0.17) for a filled latent whose
            samples decode to 0.74 (0.80 after smoothing; held-out MOSES 0.81) — see the prior's card.
        kl_warmup_steps: linear warm-up of the KL weight from 0.
        prop_weight: weight of the standardised descriptor regression.
        ae_minutes: wall-clock budget of the autoencoder phase (in total over resumptions).
        ae_steps: step budget of the autoencoder phase; the phase ends at whichever budget comes first,
            and the learning-rate decay follows whichever is further along.
        diffusion_minutes: wall-clock budget of the latent diffusion phase.
        checkpoint_minutes: how often to write a resumable checkpoint.
        calibration_pairs: (latent, decoded molecule) pairs used to calibrate the featuriser.
        calibration_steps: optimiser steps of that calibration.
        diffusion_target: what the diffusion model learns: "mean" (posterior means: a sharp manifold whose
            samples decode to typical molecules) or "sample" (posterior samples mu + sd * eps; measured
            worse: mean QED 0.62 of decoded samples vs 0.80 held-out, barely above a Gaussian fit).
        decoder_smoothing_minutes: wall-clock budget of decoder smoothing (0 = skip the phase).
        decoder_noise: largest extra latent noise the smoothed decoder is trained on, in units of the
            latents' per-dimension spread (each example draws its scale uniformly up to it).
        decoder_smoothing_lr: Adam learning rate of decoder smoothing (cosine-decayed over its budget).
        denoiser_hidden: width of the latent denoiser's residual blocks.
        denoiser_blocks: number of residual blocks.
        seed: shuffling and initialisation seed.
        autoencoder: shape of the autoencoder.
    """

    n_train: int = 150_000
    n_with_props: int = 60_000
    max_len: int = 56
    batch_size: int = 128
    lr: float = 1e-3
    kl_weight: float = 0.5
    kl_warmup_steps: int = 3000
    prop_weight: float = 2.0
    ae_minutes: float = 60.0
    ae_steps: int = 1_000_000
    diffusion_minutes: float = 12.0
    checkpoint_minutes: float = 3.0
    calibration_pairs: int = 30_000
    calibration_steps: int = 3000
    diffusion_target: str = "mean"
    decoder_smoothing_minutes: float = 0.0
    decoder_noise: float = 1.0
    decoder_smoothing_lr: float = 3e-4
    denoiser_hidden: int = 384
    denoiser_blocks: int = 3
    seed: int = 0
    encoder_hidden: int = 192
    decoder_hidden: int = 384
    latent_dim: int = 64


def prepare_data(data_file: Path, work: Path, cfg: MoleculePretrainConfig) -> tuple[MoleculeDataset, Vocab]:
    """Phase 1: cached after the first run."""
    cache, vocab_file = work / "data.npz", work / "vocab.json"
    if cache.exists() and vocab_file.exists():
        return MoleculeDataset.load(cache), Vocab.from_json(json.loads(vocab_file.read_text()))
    smiles = read_smiles(data_file, "train")
    rng = np.random.default_rng(cfg.seed)
    chosen = [smiles[i] for i in rng.permutation(len(smiles))[: cfg.n_train]]
    dataset, vocab = build_dataset(chosen, None, cfg.max_len, cfg.n_with_props)
    dataset.save(cache)
    atomic_write_json(vocab_file, vocab.to_json())
    return dataset, vocab


def property_stats(props: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = np.nanmean(props, axis=0)
    std = np.nanstd(props, axis=0) + 1e-6
    return mean.astype(np.float32), std.astype(np.float32)


def train_autoencoder(
    dataset: MoleculeDataset, vocab: Vocab, work: Path, cfg: MoleculePretrainConfig, should_stop=lambda: False
) -> Iterator[dict]:
    """Phase 2. Yields progress dicts; resumes from work/ae.safetensors."""
    device = pick_device()
    torch.manual_seed(cfg.seed)
    ae_cfg = AutoencoderConfig(
        vocab_size=len(vocab),
        max_len=vocab.max_len,
        encoder_hidden=cfg.encoder_hidden,
        decoder_hidden=cfg.decoder_hidden,
        latent_dim=cfg.latent_dim,
        n_properties=len(chemistry.DESCRIPTOR_NAMES),
    )
    model = SelfiesAutoencoder(ae_cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    state = read_state(work)
    # a run resumed with another KL weight would mix two objectives in one autoencoder; work folders
    # from before the weight was recorded were all trained with 0.05
    trained_with = state.get("ae_kl_weight", 0.05 if state.get("ae_step") else None)
    if trained_with is not None and trained_with != cfg.kl_weight:
        raise ValueError(
            f"{work} holds an autoencoder trained with KL weight {trained_with}; rerun with "
            f"--kl-weight {trained_with} to continue it, or give a new --out to train another"
        )
    if (work / "ae.safetensors").exists():
        restore_phase(work, "ae", model, opt, device=device)
    step, elapsed, epoch = state.get("ae_step", 0), state.get("ae_seconds", 0.0), state.get("ae_epoch", 0)
    mean, std = property_stats(dataset.props)
    props_all = torch.from_numpy((dataset.props - mean) / std)
    ids_all = torch.from_numpy(dataset.ids)
    n_val = min(2000, len(ids_all) // 10)  # held out (the last ones) to report exact reconstruction
    train_idx = np.arange(len(ids_all) - n_val)
    if len(train_idx) == 0:
        raise ValueError("too few molecules to train the autoencoder; give at least 20")
    budget = cfg.ae_minutes * 60
    last_ckpt = time.monotonic()
    history: list[dict] = []

    def done() -> bool:
        return elapsed >= budget or step >= cfg.ae_steps or should_stop()

    while not done():
        rng = np.random.default_rng(cfg.seed + epoch)
        for batch_idx in length_bucketed_batches(dataset.ids[train_idx], cfg.batch_size, rng):
            t0 = time.monotonic()
            ids = ids_all[train_idx[batch_idx]]
            ids = ids[:, : int((ids != 0).sum(1).max())].to(device)
            kl_w = cfg.kl_weight * min(1.0, step / max(1, cfg.kl_warmup_steps))
            for group in opt.param_groups:
                group["lr"] = ae_learning_rate(cfg.lr, max(elapsed / budget, step / cfg.ae_steps))
            out = model.loss(ids, props_all[train_idx[batch_idx]].to(device), kl_w, cfg.prop_weight)
            opt.zero_grad(set_to_none=True)
            out["loss"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            elapsed += time.monotonic() - t0
            history.append({k: float(v.detach()) for k, v in out.items()})
            if step % 50 == 0:
                avg = {k: float(np.mean([h[k] for h in history])) for k in history[0]}
                history.clear()
                yield {"phase": "autoencoder", "step": step, "epoch": epoch, "seconds": round(elapsed), **avg}
            if time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60 or done():
                _checkpoint_ae(model, opt, work, step, elapsed, epoch, cfg.kl_weight)
                last_ckpt = time.monotonic()
            if done():
                break
        else:
            epoch += 1
    _checkpoint_ae(model, opt, work, step, elapsed, epoch, cfg.kl_weight)
    model.eval()
    val = ids_all[-n_val:].to(device)
    with torch.no_grad():
        mu, _ = model.encode(val)
        gen = model.generate(mu)
    exact = float(np.mean([vocab.decode(g) == vocab.decode(v) for g, v in zip(gen.tolist(), val.tolist())]))
    state = read_state(work)
    state["ae_heldout_exact_reconstruction"] = exact
    write_state(work, state)
    yield {"phase": "autoencoder", "step": step, "seconds": round(elapsed), "heldout_exact": exact}


def ae_learning_rate(base: float, progress: float) -> float:
    """Constant for the first 60 % of the budget, then cosine decay to 10 % (by wall-clock progress,
    so a resumed run follows the same schedule)."""
    if progress < 0.6:
        return base
    frac = min(1.0, (progress - 0.6) / 0.4)
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))


def _checkpoint_ae(model, opt, work: Path, step: int, elapsed: float, epoch: int, kl_weight: float) -> None:
    save_phase(
        work,
        "ae",
        model,
        opt,
        ae_step=step,
        ae_seconds=elapsed,
        ae_epoch=epoch,
        ae_config=asdict(model.config),
        ae_kl_weight=kl_weight,
    )


@torch.no_grad()
def encode_dataset(model: SelfiesAutoencoder, ids: np.ndarray, device, batch: int = 2048):
    """Posterior means and standard deviations (N, D) of every training molecule."""
    mus, sds = [], []
    for start in range(0, len(ids), batch):
        chunk = torch.from_numpy(ids[start : start + batch])
        chunk = chunk[:, : int((chunk != 0).sum(1).max())].to(device)
        mu, log_var = model.encode(chunk)
        mus.append(mu.cpu())
        sds.append((0.5 * log_var).exp().cpu())
    return torch.cat(mus), torch.cat(sds)


def train_diffusion(
    dataset: MoleculeDataset, work: Path, cfg: MoleculePretrainConfig, should_stop=lambda: False
) -> Iterator[dict]:
    """Phase 3: learn the distribution of posterior samples z = mu + sd * eps (standardised)."""
    from diffusers.training_utils import EMAModel

    from designer_app.models.latent_denoiser import DenoiserConfig, LatentDenoiser
    from designer_app.models.latent_diffusion import ScheduleConfig, denoising_loss, training_scheduler

    device = pick_device()
    torch.manual_seed(cfg.seed + 1)
    ae = load_autoencoder(work, device)
    mu, sd = encode_dataset(ae, dataset.ids, device)
    if cfg.diffusion_target == "mean":
        sd = torch.zeros_like(sd)
    # Statistics of what the diffusion model learns, used to standardise it.
    z_mean = mu.mean(0)
    z_std = (mu.var(0) + sd.pow(2).mean(0)).sqrt()
    state = read_state(work)
    state.update(latent_mean=z_mean.tolist(), latent_std=z_std.tolist())
    write_state(work, state)
    den_cfg = DenoiserConfig(latent_dim=mu.shape[1], hidden=cfg.denoiser_hidden, n_blocks=cfg.denoiser_blocks)
    model = LatentDenoiser(den_cfg).to(device)
    ema = EMAModel(model.parameters(), decay=0.999)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    sched = training_scheduler(ScheduleConfig())
    ema_model = LatentDenoiser(den_cfg)
    if restore_phase(work, "denoiser", model, opt, ema_model=ema_model, device=device):
        ema = EMAModel(ema_model.parameters(), decay=0.999)
    step, elapsed = state.get("dm_step", 0), state.get("dm_seconds", 0.0)
    budget = cfg.diffusion_minutes * 60
    gen = torch.Generator().manual_seed(cfg.seed + step)
    last_ckpt, losses = time.monotonic(), []
    while elapsed < budget and not should_stop():
        t0 = time.monotonic()
        idx = torch.randint(0, len(mu), (512,), generator=gen)
        z = mu[idx] + sd[idx] * torch.randn(512, mu.shape[1], generator=gen)
        x0 = ((z - z_mean) / z_std).to(device)
        # cosine decay of the learning rate over the whole budget (by wall clock, so resumes agree)
        for group in opt.param_groups:
            group["lr"] = 1e-3 * 0.5 * (1 + math.cos(math.pi * min(1.0, elapsed / budget)))
        loss = denoising_loss(model, x0, sched)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        ema.step(model.parameters())
        step += 1
        elapsed += time.monotonic() - t0
        losses.append(float(loss.detach()))
        if step % 200 == 0:
            yield {"phase": "diffusion", "step": step, "seconds": round(elapsed), "loss": float(np.mean(losses))}
            losses.clear()
        if time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60:
            save_latent_denoiser(work, model, ema, opt, step, elapsed, den_cfg)
            last_ckpt = time.monotonic()
    save_latent_denoiser(work, model, ema, opt, step, elapsed, den_cfg)
    yield {"phase": "diffusion", "step": step, "seconds": round(elapsed), "done": True}


def export_prior(work: Path, out: Path, vocab: Vocab, cfg: MoleculePretrainConfig, props: np.ndarray) -> Path:
    """Phase 4: write the prior folder from the EMA denoiser and the autoencoder."""
    from designer_app.models.latent_denoiser import DenoiserConfig, LatentDenoiser
    from designer_app.models.latent_diffusion import ScheduleConfig
    from designer_app.models.molecules.prior import LatentStats, MoleculePrior

    state = read_state(work)
    ae = load_autoencoder(work, "cpu", smoothed=True)
    den = LatentDenoiser(DenoiserConfig(**state["dm_config"]))
    load_weights(den, work / "denoiser_ema.safetensors")
    mean, std = property_stats(props)
    prior = MoleculePrior(
        vocab,
        ae,
        den,
        ScheduleConfig(),
        LatentStats(tuple(state["latent_mean"]), tuple(state["latent_std"])),
        extra={
            "descriptor_mean": mean.tolist(),
            "descriptor_std": std.tolist(),
            "pretrain": asdict(cfg),
            "training": {
                "autoencoder_steps": state.get("ae_step"),
                "autoencoder_minutes": round(state.get("ae_seconds", 0) / 60, 1),
                "diffusion_steps": state.get("dm_step"),
                "diffusion_minutes": round(state.get("dm_seconds", 0) / 60, 1),
                "heldout_exact_reconstruction": state.get("ae_heldout_exact_reconstruction"),
                "decoder_smoothing_steps": state.get("smooth_step", 0),
                "decoder_smoothing_minutes": round(state.get("smooth_seconds", 0) / 60, 1),
            },
        },
    )
    return prior.save(out)


def run(data_file: Path, out: Path, cfg: MoleculePretrainConfig, should_stop=lambda: False) -> Iterator[dict]:
    """All phases in order; every phase resumes where an earlier (killed or timed-out) run stopped."""
    from designer_app.models.molecules.prior import MoleculePrior

    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    dataset, vocab = prepare_data(data_file, work, cfg)
    yield {
        "phase": "data",
        "molecules": len(dataset.smiles),
        "vocab": len(vocab),
        "seconds": round(time.monotonic() - t0),
    }
    state = read_state(work)
    ae_left = state.get("ae_seconds", 0.0) < cfg.ae_minutes * 60 and state.get("ae_step", 0) < cfg.ae_steps
    if ae_left or "ae_heldout_exact_reconstruction" not in state:
        yield from train_autoencoder(dataset, vocab, work, cfg, should_stop)
    if should_stop():
        return
    if read_state(work).get("dm_seconds", 0.0) < cfg.diffusion_minutes * 60:
        yield from train_diffusion(dataset, work, cfg, should_stop)
    if should_stop():
        return
    if cfg.decoder_smoothing_minutes > 0:
        from designer_app.pretraining.decoder_smoothing import restart_if_noise_changed, smooth_decoder

        restart_if_noise_changed(work, cfg.decoder_noise)
        if read_state(work).get("smooth_seconds", 0.0) < cfg.decoder_smoothing_minutes * 60:
            yield from smooth_decoder(dataset, work, cfg, should_stop)
            if should_stop():
                return
    state = read_state(work)
    if "featuriser" in state and _calibrated_for(state["featuriser"]) != _smoothed_decoder(state):
        # the calibration pairs were decoded by another decoder: calibrate again
        state.pop("featuriser")
        write_state(work, state)
        (work / "ae_calibrated.safetensors").unlink(missing_ok=True)
    export_prior(work, out, vocab, cfg, dataset.props)
    yield {"phase": "export", "out": str(out)}
    if "featuriser" not in read_state(work):
        prior = MoleculePrior.load(out)
        report = calibrate_featuriser(prior, dataset, cfg, cfg.calibration_pairs, cfg.calibration_steps)
        state = read_state(work)
        report["decoder_smoothing_steps"], report["decoder_smoothing_noise"] = _smoothed_decoder(state)
        # keep the calibrated head only if it predicts decoded molecules better on held-out pairs
        if report["qed_spearman_after"] > report["qed_spearman_before"]:
            prior.extra.setdefault("training", {})["featuriser_calibration"] = report
            prior.save(out)
            save_weights(prior.autoencoder, work / "ae_calibrated.safetensors")
        state["featuriser"] = report
        write_state(work, state)
        yield {"phase": "featuriser", **report}
    elif (work / "ae_calibrated.safetensors").exists():
        prior = MoleculePrior.load(out)
        load_weights(prior.autoencoder, work / "ae_calibrated.safetensors")
        prior.extra.setdefault("training", {})["featuriser_calibration"] = read_state(work)["featuriser"]
        prior.save(out)


def _smoothed_decoder(state: dict) -> tuple[int, float | None]:
    """The decoder the work folder holds now: (smoothing steps, noise ceiling); (0, None) unsmoothed."""
    return state.get("smooth_step", 0), state.get("smooth_noise")


def _calibrated_for(report: dict) -> tuple[int, float | None]:
    """The decoder a featuriser calibration report was made with; stale when it is not the current one."""
    return report.get("decoder_smoothing_steps", 0), report.get("decoder_smoothing_noise")


def pretrain(request) -> Iterator[dict]:
    """`designer-app pretrain molecules`: models.pretrain_request.PretrainRequest -> progress dicts.
    Five sixths of the budget go to the autoencoder, the rest to the latent diffusion model; decoder
    smoothing runs on top of that (`request.smoothing_minutes`, default a quarter of the budget)."""
    from dataclasses import replace

    from designer_app.pretraining.molecule_card import write_card

    if request.data is None:
        raise ValueError(
            "pretrain molecules needs --data: the molsets wheel (pip download --no-deps molsets==0.3.1) "
            "or a CSV/.csv.gz of SMILES"
        )
    smoothing = request.minutes / 4 if request.smoothing_minutes is None else request.smoothing_minutes
    cfg = MoleculePretrainConfig(
        ae_minutes=request.minutes * 5 / 6,
        diffusion_minutes=request.minutes / 6,
        decoder_smoothing_minutes=smoothing,
        seed=request.seed,
    )
    if request.n_train is not None:
        cfg = replace(cfg, n_train=request.n_train)
    if request.ae_steps is not None:
        cfg = replace(cfg, ae_steps=request.ae_steps)
    if request.decoder_noise is not None:
        cfg = replace(cfg, decoder_noise=request.decoder_noise)
    if request.kl_weight is not None:
        cfg = replace(cfg, kl_weight=request.kl_weight)
    yield from run(request.data, request.out, cfg)
    if request.card:
        write_card(request.out, request.data, command=request.command, n_samples=request.eval_samples)
        yield {"phase": "card", "out": str(request.out / "CARD.md")}


def calibrate_featuriser(
    prior,
    dataset: MoleculeDataset,
    cfg: MoleculePretrainConfig,
    n: int = 30_000,
    steps: int = 3000,
    processes: int = 2,
) -> dict:
    """Phase 4: teach the property head what the *decoder* makes of a latent.

    The head was trained on latents of known molecules, but greedy decoding of a latent does not always
    give back that molecule; on the sampler's own latents the head's predicted QED then barely matched
    the QED of the decoded molecule (Spearman 0.04 measured on an early prior). Here the head is trained on
    pairs (latent, descriptors of decode(latent)), half of them prior samples and half posterior samples
    of training molecules, so the featuriser is right about exactly the molecules campaigns make.
    Only the property head changes; encoder, decoder and denoiser are untouched.
    """
    from multiprocessing import get_context

    from designer_app.models.latent_diffusion import sample

    gen = torch.Generator().manual_seed(cfg.seed + 7)
    half = n // 2
    x_prior = sample(prior.denoiser, half, prior.latent_dim, prior.schedule, gen)
    idx = torch.randint(0, len(dataset.ids), (n - half,), generator=gen)
    mu, sd = encode_dataset(prior.autoencoder, dataset.ids[idx.numpy()], "cpu")
    x_post = (mu + sd * torch.randn(mu.shape, generator=gen) - prior.latent_mean) / prior.latent_std
    x = torch.cat([x_prior, x_post])
    smiles = []
    for start in range(0, len(x), 2048):
        smiles += [s or "" for s in prior.decode(x[start : start + 2048])]
    chunks = [smiles[i : i + 2000] for i in range(0, len(smiles), 2000)]
    with get_context("fork").Pool(processes) as pool:
        desc = np.concatenate(pool.map(_descriptors_chunk_all, chunks))
    mean = np.asarray(prior.extra["descriptor_mean"], dtype=np.float32)
    std = np.asarray(prior.extra["descriptor_std"], dtype=np.float32)
    target = torch.from_numpy((desc - mean) / std)
    keep = ~torch.isnan(target).any(dim=1)
    x, target = x[keep], target[keep]
    n_val = max(2, min(2000, len(x) // 5))
    perm = torch.randperm(len(x), generator=gen)
    val, train = perm[:n_val], perm[n_val:]
    head = prior.autoencoder.properties
    head.requires_grad_(True).train()
    opt = torch.optim.Adam(head.parameters(), lr=1e-3)

    def val_spearman() -> float:
        from scipy.stats import spearmanr

        with torch.no_grad():
            pred = prior.featurise(x[val])[:, prior.autoencoder.config.property_hidden]
        return float(spearmanr(pred.numpy(), target[val, 0].numpy()).statistic)

    before = val_spearman()
    for _ in range(steps):
        b = train[torch.randint(0, len(train), (512,), generator=gen)]
        z = x[b] * prior.latent_std + prior.latent_mean
        _, pred = head(z)
        loss = torch.nn.functional.mse_loss(pred, target[b])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    head.requires_grad_(False).eval()
    return {"featuriser_pairs": int(len(x)), "qed_spearman_before": before, "qed_spearman_after": val_spearman()}


def _descriptors_chunk_all(smiles: list[str]) -> np.ndarray:
    return chemistry.descriptor_matrix(smiles)
