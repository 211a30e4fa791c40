"""SEIKO step 4 (Fine-tune): maximise E_{x~p}[r_tilde(x)] - alpha * KL(p || p_anchor).

Starting from the previous round's denoiser p^(i-1), each optimiser step
1. samples a batch of trajectories from the model being trained (DDIM, eta = 1), keeping the graph
   through the last K steps only (truncated backprop, as DRaFT-K);
2. sums the closed-form per-step Gaussian KL to the frozen anchor along those trajectories;
3. scores the final latents with the optimistic reward r_tilde(featurise(x0));
4. descends on loss = -mean(r_tilde) + alpha * mean(KL).
The featuriser and the reward ensemble are frozen; gradients flow through them into the denoiser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import torch

from designer_app.config import FinetuneConfig
from designer_app.core.protocols import FinetuneStep
from designer_app.models.latent_diffusion import ScheduleConfig, Shape, sample_with_kl
from designer_app.models.reward import RewardEnsemble


def seiko_finetune(
    denoiser: torch.nn.Module,
    anchor: torch.nn.Module,
    featurise: Callable[[torch.Tensor], torch.Tensor],
    reward: RewardEnsemble,
    acquisition,
    alpha: float,
    cfg: FinetuneConfig,
    schedule: ScheduleConfig,
    shape: Shape,
    steps: int,
    seed: int,
    device: torch.device | str = "cpu",
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[FinetuneStep]:
    """Trains `denoiser` in place; yields one FinetuneStep per optimiser step.

    Raises InterruptedError when `should_stop()` turns true (the caller keeps the old checkpoint).
    """
    anchor.eval().requires_grad_(False)
    reward.eval().requires_grad_(False)
    # A denoiser that arrives with some parameters frozen (LoRA adapters on a large UNet) trains only
    # the unfrozen ones; a small denoiser arrives fully frozen from its prior and is trained in full.
    trainable = [p for p in denoiser.parameters() if p.requires_grad]
    if not trainable:
        denoiser.requires_grad_(True)
        trainable = list(denoiser.parameters())
    denoiser.train()
    opt = torch.optim.Adam(trainable, lr=cfg.lr)
    gen = torch.Generator().manual_seed(seed)
    sched_cfg = replace(schedule)
    for step in range(1, steps + 1):
        if should_stop():
            raise InterruptedError("fine-tuning stopped")
        # 1-2. trajectories from the current model, with the per-step KL to the anchor: x0 (B, *shape), kl (B,)
        traj = sample_with_kl(
            denoiser, anchor, cfg.batch_size, shape, sched_cfg, cfg.grad_steps, cfg.min_sigma, gen, device
        )
        # 3. optimistic reward of the final latents: (B,)
        r_tilde = reward.optimistic(featurise(traj.x0), acquisition.kind, beta=acquisition.beta, head=acquisition.head)
        # 4. ascend reward, stay close in KL
        loss = -r_tilde.mean() + alpha * traj.kl.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, cfg.max_grad_norm)
        opt.step()
        yield FinetuneStep(
            step=step,
            reward=float(r_tilde.detach().mean()),
            kl=float(traj.kl.detach().mean()),
            loss=float(loss.detach()),
        )
    denoiser.eval().requires_grad_(False)
