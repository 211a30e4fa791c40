"""The latent denoiser: a residual MLP that predicts the noise in a latent vector at diffusion time t.

Latent vectors are small (D = 64), so an MLP with time-conditioned residual blocks is enough; it
samples hundreds of molecules per second on a CPU and is cheap to back-propagate through, which SEIKO
fine-tuning needs. Time enters through diffusers' sinusoidal embedding and a learned projection, and
modulates each block with a scale and shift (FiLM).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from diffusers.models.embeddings import TimestepEmbedding, get_timestep_embedding
from torch import nn


@dataclass(frozen=True)
class DenoiserConfig:
    """Shape of the latent denoiser; saved in the prior's config.json.

    Attributes:
        latent_dim: width of the vectors being denoised.
        hidden: width of the residual blocks.
        n_blocks: number of residual blocks.
        time_dim: width of the sinusoidal time features.
        dropout: dropout inside blocks during pretraining.
    """

    latent_dim: int = 64
    hidden: int = 384
    n_blocks: int = 3
    time_dim: int = 128
    dropout: float = 0.0


class _Block(nn.Module):
    def __init__(self, hidden: int, time_hidden: int, dropout: float):
        super().__init__()
        self.norm = nn.LayerNorm(hidden)
        self.film = nn.Linear(time_hidden, 2 * hidden)
        self.ff = nn.Sequential(
            nn.Linear(hidden, 2 * hidden), nn.SiLU(), nn.Dropout(dropout), nn.Linear(2 * hidden, hidden)
        )
        nn.init.zeros_(self.ff[-1].weight)  # each block starts as the identity: stable early training
        nn.init.zeros_(self.ff[-1].bias)

    def forward(self, h: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(temb).chunk(2, dim=-1)
        return h + self.ff(self.norm(h) * (1 + scale) + shift)


class LatentDenoiser(nn.Module):
    """epsilon_theta(x_t, t): x_t (B, D), t (B,) or scalar -> predicted noise (B, D)."""

    def __init__(self, config: DenoiserConfig):
        super().__init__()
        self.config = config
        c = config
        self.time_embed = TimestepEmbedding(c.time_dim, c.hidden)
        self.inp = nn.Linear(c.latent_dim, c.hidden)
        self.blocks = nn.ModuleList(_Block(c.hidden, c.hidden, c.dropout) for _ in range(c.n_blocks))
        self.out = nn.Sequential(nn.LayerNorm(c.hidden), nn.Linear(c.hidden, c.latent_dim))

    def to_json(self) -> dict:
        return asdict(self.config)

    def forward(self, x: torch.Tensor, t: torch.Tensor | int) -> torch.Tensor:
        t = torch.as_tensor(t, device=x.device)
        if t.ndim == 0:
            t = t.expand(x.shape[0])
        temb = self.time_embed(get_timestep_embedding(t, self.config.time_dim).to(x.dtype))  # (B, hidden)
        h = self.inp(x)
        for block in self.blocks:
            h = block(h, temb)
        return self.out(h)
