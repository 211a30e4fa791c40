"""A small variational autoencoder for fixed-length sequences, with an auxiliary property head.

The sequence priors (DNA 8-mers, Ehrlich proteins) are latent diffusion models like the molecule prior:
this autoencoder maps a one-hot sequence (L x V) to a compact latent vector (D) and back, the
diffusion model learns the distribution of those vectors, and the reward model reads features computed
from the latent, so reward gradients reach the sampler without passing through the discrete argmax.

Encoder:  one-hot (B, L, V) -> flatten (B, L*V) -> MLP -> (mu, log_var) (B, D).
Decoder:  z (B, D) -> MLP -> per-position logits (B, L, V); decode = argmax per position. Positions are
          independent given z, so decoding is one matrix product (no autoregression) and every L-mer
          over the alphabet is representable.
Property head: MLP z -> cheap sequence properties (letter and adjacent-pair composition, GC content).
          Trained jointly, it makes the latent smooth in composition, and its hidden layer is part of
          the pretrained differentiable featuriser the reward ensemble reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class SequenceAutoencoderConfig:
    """Shape of the sequence autoencoder; saved in the prior's config.json.

    Attributes:
        length: L, the sequence length (every sequence of the prior has it).
        vocab_size: V, the alphabet size.
        latent_dim: D, width of the latent vector the diffusion model samples.
        hidden: width of the encoder's and decoder's hidden layers.
        hidden_layers: number of hidden layers of the encoder and of the decoder (one trains faster
            on long sequences: measured 82 % vs 71 % held-out letter accuracy after 400 steps at L = 32).
        n_properties: P, number of auxiliary property targets.
        property_hidden: width of the property MLP (also part of the featuriser's embedding).
    """

    length: int
    vocab_size: int
    latent_dim: int = 16
    hidden: int = 256
    hidden_layers: int = 2
    n_properties: int = 21
    property_hidden: int = 64


def _mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers with SiLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


class SequencePropertyHead(nn.Module):
    """z (B, D) -> (embedding (B, H), standardised properties (B, P))."""

    def __init__(self, latent_dim: int, hidden: int, n_properties: int):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(latent_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU())
        self.out = nn.Linear(hidden, n_properties)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.trunk(z)
        return h, self.out(h)


class SequenceAutoencoder(nn.Module):
    def __init__(self, config: SequenceAutoencoderConfig):
        super().__init__()
        self.config = config
        c = config
        hidden = [c.hidden] * c.hidden_layers
        self.encoder = _mlp([c.length * c.vocab_size, *hidden, 2 * c.latent_dim])
        self.decoder = _mlp([c.latent_dim, *hidden, c.length * c.vocab_size])
        self.properties = SequencePropertyHead(c.latent_dim, c.property_hidden, c.n_properties)

    def one_hot(self, codes: torch.Tensor) -> torch.Tensor:
        """Letter codes (B, L) int64 -> one-hot (B, L, V) float."""
        return F.one_hot(codes, self.config.vocab_size).float()

    def encode(self, codes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Letter codes (B, L) -> mu, log_var (B, D)."""
        stats = self.encoder(self.one_hot(codes).flatten(1))
        mu, log_var = stats.chunk(2, dim=-1)
        return mu, log_var.clamp(-12.0, 6.0)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, D) -> per-position logits (B, L, V)."""
        return self.decoder(z).view(-1, self.config.length, self.config.vocab_size)

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """Greedy decoding: z (B, D) -> letter codes (B, L)."""
        return self.decode_logits(z).argmax(dim=-1)

    def loss(
        self, codes: torch.Tensor, props: torch.Tensor, kl_weight: float, prop_weight: float
    ) -> dict[str, torch.Tensor]:
        """ELBO with a weighted KL plus property regression.

        codes (B, L) int64; props (B, P) standardised properties of the sequences.
        """
        mu, log_var = self.encode(codes)
        z = mu + torch.randn_like(mu) * (0.5 * log_var).exp()
        logits = self.decode_logits(z)  # (B, L, V)
        recon = F.cross_entropy(logits.transpose(1, 2), codes, reduction="sum") / codes.shape[0]
        kl = 0.5 * (mu.pow(2) + log_var.exp() - 1.0 - log_var).sum(dim=1).mean()
        # The head reads the same noisy z the decoder reconstructs from, so that what it predicts for a
        # latent matches the sequence the decoder makes of it (as in the molecule autoencoder).
        _, pred = self.properties(z)
        prop = F.mse_loss(pred, props)
        total = recon + kl_weight * kl + prop_weight * prop
        with torch.no_grad():
            correct = logits.argmax(-1) == codes
            exact = correct.all(dim=1).float().mean()
            letter_acc = correct.float().mean()
        return {"loss": total, "recon": recon, "kl": kl, "prop": prop, "exact": exact, "letter_acc": letter_acc}
