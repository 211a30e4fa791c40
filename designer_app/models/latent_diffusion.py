"""Diffusion in latent space with diffusers schedulers: training loss, sampling, and the Gaussian
per-step means that SEIKO's KL term needs.

Sampling uses DDIM with eta = 1, so every reverse step is Gaussian,
    x_{t-1} ~ N(mu_theta(x_t, t), sigma_t^2 I),
and two models that share the schedule have the closed-form per-step KL
    KL_t = ||mu_theta(x_t, t) - mu_anchor(x_t, t)||^2 / (2 sigma_t^2).
The scheduler computes mu (we pass zero variance noise to `step`); sigma_t follows from the DDIM
variance formula with eta = 1 on the scheduler's cumulative alphas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from diffusers import DDIMScheduler, DDPMScheduler
from torch.nn import functional as F

Shape = int | tuple[int, ...]  # the shape of one sample: D for latent vectors, (C, H, W) for images


def _dims(n: int, shape: Shape) -> tuple[int, ...]:
    """(n, *shape) for torch.randn."""
    return (n, shape) if isinstance(shape, int) else (n, *shape)


@dataclass(frozen=True)
class ScheduleConfig:
    """Noise schedule shared by pretraining, sampling and fine-tuning.

    Attributes:
        train_timesteps: number of diffusion steps of the forward process.
        beta_schedule: diffusers beta schedule name.
        sample_steps: reverse steps used to sample (DDIM, eta = 1).
    """

    train_timesteps: int = 1000
    beta_schedule: str = "squaredcos_cap_v2"
    sample_steps: int = 25


def training_scheduler(cfg: ScheduleConfig) -> DDPMScheduler:
    return DDPMScheduler(num_train_timesteps=cfg.train_timesteps, beta_schedule=cfg.beta_schedule, clip_sample=False)


def sampling_scheduler(cfg: ScheduleConfig, steps: int | None = None) -> DDIMScheduler:
    sched = DDIMScheduler(
        num_train_timesteps=cfg.train_timesteps,
        beta_schedule=cfg.beta_schedule,
        clip_sample=False,  # latents are standardised, not bounded to [-1, 1]
        set_alpha_to_one=True,
    )
    sched.set_timesteps(steps or cfg.sample_steps)
    return sched


def denoising_loss(model: torch.nn.Module, x0: torch.Tensor, sched: DDPMScheduler) -> torch.Tensor:
    """Epsilon-prediction loss. x0 (B, D) standardised latents."""
    noise = torch.randn_like(x0)
    t = torch.randint(0, sched.config.num_train_timesteps, (x0.shape[0],), device=x0.device)
    xt = sched.add_noise(x0, noise, t)
    return F.mse_loss(model(xt, t), noise)


def step_sigmas(sched: DDIMScheduler) -> list[float]:
    """sigma_t of each reverse step with eta = 1 (0 for the last step, which is deterministic)."""
    ac = sched.alphas_cumprod
    stride = sched.config.num_train_timesteps // sched.num_inference_steps
    sigmas = []
    for t in sched.timesteps.tolist():
        prev = t - stride
        a_t = ac[t]
        a_prev = ac[prev] if prev >= 0 else sched.final_alpha_cumprod
        var = (1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)
        sigmas.append(float(var.clamp(min=0).sqrt()))
    return sigmas


def _mean_step(sched: DDIMScheduler, eps: torch.Tensor, t: int, x: torch.Tensor) -> torch.Tensor:
    """mu_theta(x_t, t): the DDIM eta=1 update without its noise."""
    return sched.step(eps, t, x, eta=1.0, variance_noise=torch.zeros_like(x)).prev_sample


@torch.no_grad()
def sample(
    model: torch.nn.Module,
    n: int,
    shape: Shape,
    cfg: ScheduleConfig,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    should_stop: Callable[[], bool] = lambda: False,
    batch_size: int = 1024,
) -> torch.Tensor:
    """Draw n samples (n, *shape), e.g. standardised latents (n, D) or images (n, C, H, W).
    Stops early (raising InterruptedError) when asked."""
    sched = sampling_scheduler(cfg)
    steps = list(zip(sched.timesteps.tolist(), step_sigmas(sched)))
    out = []
    for start in range(0, n, batch_size):
        m = min(batch_size, n - start)
        x = torch.randn(_dims(m, shape), generator=generator).to(device)
        out.append(_reverse(model, x, sched, steps, generator, should_stop))
    return torch.cat(out)


@torch.no_grad()
def round_trip(
    model: torch.nn.Module, x0: torch.Tensor, cfg: ScheduleConfig, k: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, int]:
    """Noise x0 (B, *shape) to the k-th last sampling step and run the last k reverse steps back.
    Returns the result (B, *shape) and that step's timestep t. How far a model's reverse process moves
    real data from step t shows the scale at which it resolves the data (benchmarks/molecule_prior_diagnostics)."""
    sched = sampling_scheduler(cfg)
    steps = list(zip(sched.timesteps.tolist(), step_sigmas(sched)))[-k:]
    t = steps[0][0]
    x = sched.add_noise(
        x0, torch.randn(x0.shape, generator=generator).to(x0.device), torch.full((len(x0),), t, device=x0.device)
    )
    return _reverse(model, x, sched, steps, generator), t


def _reverse(
    model: torch.nn.Module,
    x: torch.Tensor,
    sched: DDIMScheduler,
    steps: list[tuple[int, float]],
    generator: torch.Generator | None,
    should_stop: Callable[[], bool] = lambda: False,
) -> torch.Tensor:
    """Reverse steps [(t, sigma_t), ...] from x (B, *shape): the DDIM eta = 1 mean plus sigma_t noise."""
    for t, sigma in steps:
        if should_stop():
            raise InterruptedError("sampling stopped")
        x = _mean_step(sched, model(x, t), t, x)
        if sigma > 0:
            x = x + sigma * torch.randn(x.shape, generator=generator).to(x.device)
    return x


@dataclass
class Trajectory:
    """A trajectory sampled from the model being fine-tuned.

    Attributes:
        x0: final samples (B, *shape); carries the graph of the last `grad_steps` steps.
        kl: per-sample KL to the anchor summed over the counted steps (B,), with gradient wrt theta.
        kl_steps: how many steps the KL sum counts.
    """

    x0: torch.Tensor
    kl: torch.Tensor
    kl_steps: int


def sample_with_kl(
    model: torch.nn.Module,
    anchor: torch.nn.Module,
    n: int,
    shape: Shape,
    cfg: ScheduleConfig,
    grad_steps: int,
    min_sigma: float,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> Trajectory:
    """Sample n latents from `model`, keeping the reward gradient through the last `grad_steps`
    reverse steps (DRaFT-K truncation) and the KL to `anchor` at every step with sigma_t >= min_sigma.

    Steps before the last K run without a graph through x_t, but mu_theta(x_t, t) at those steps is
    still computed with grad so the KL pulls every step's parameters towards the anchor.
    Steps with sigma_t < min_sigma (the final, nearly noiseless ones) are left out of the KL: there
    1/(2 sigma^2) explodes (spikes of 1e3 were measured) while the step barely moves the sample.
    """
    sched = sampling_scheduler(cfg)
    sigmas = step_sigmas(sched)
    timesteps = sched.timesteps.tolist()
    x = torch.randn(_dims(n, shape), generator=generator).to(device)
    kl = torch.zeros(n, device=device)
    counted = 0
    first_grad = len(timesteps) - grad_steps
    for i, (t, sigma) in enumerate(zip(timesteps, sigmas)):
        if i < first_grad:
            x = x.detach()
        mu = _mean_step(sched, model(x, t), t, x)
        if sigma >= min_sigma:
            with torch.no_grad():
                mu_anchor = _mean_step(sched, anchor(x, t), t, x)
            kl = kl + (mu - mu_anchor).pow(2).flatten(1).sum(dim=1) / (2 * sigma**2)
            counted += 1
        noise = sigma * torch.randn(_dims(n, shape), generator=generator).to(device) if sigma > 0 else 0.0
        x = mu + noise if i >= first_grad else (mu + noise).detach()
    return Trajectory(x0=x, kl=kl, kl_steps=counted)
