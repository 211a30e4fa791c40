"""A small SELFIES variational autoencoder with auxiliary property heads.

The molecule prior is a *latent* diffusion model, the same shape as Stable Diffusion in the SEIKO paper:
this autoencoder maps SELFIES token sequences to a compact latent vector and back, a diffusion model
learns the distribution of those vectors, and the reward model reads the latent, so reward gradients
reach the sampler without passing through any discrete step.

Encoder: token embedding -> bidirectional GRU -> (mu, log_var).
Decoder: autoregressive GRU whose initial state comes from z and which also sees z at every step
         (so the decoder cannot ignore the latent).
Property heads: MLP z -> standardised RDKit descriptors. Trained jointly, they make the latent smooth
                in the properties a reward model must learn, and later serve as the pretrained
                differentiable featuriser.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence


@dataclass(frozen=True)
class AutoencoderConfig:
    """Shape of the autoencoder; saved to config.json beside the weights.

    Attributes:
        vocab_size: number of tokens including pad/begin/end.
        max_len: longest token sequence without the end token.
        embed_dim: token embedding width.
        encoder_hidden: hidden width per direction of the bidirectional encoder GRU.
        decoder_hidden: hidden width of the decoder GRU.
        latent_dim: width of the latent vector the diffusion model samples.
        n_properties: number of auxiliary descriptor targets.
        property_hidden: width of the property MLP (also the featuriser's embedding width).
    """

    vocab_size: int
    max_len: int
    embed_dim: int = 64
    encoder_hidden: int = 192
    decoder_hidden: int = 384
    latent_dim: int = 64
    n_properties: int = 14
    property_hidden: int = 128


class PropertyHead(nn.Module):
    """z (B, D) -> (embedding (B, H), standardised descriptors (B, P))."""

    def __init__(self, latent_dim: int, hidden: int, n_properties: int):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(latent_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU())
        self.out = nn.Linear(hidden, n_properties)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.trunk(z)
        return h, self.out(h)


class SelfiesAutoencoder(nn.Module):
    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        self.config = config
        c = config
        self.embed = nn.Embedding(c.vocab_size, c.embed_dim, padding_idx=0)
        self.encoder = nn.GRU(c.embed_dim, c.encoder_hidden, batch_first=True, bidirectional=True)
        self.to_stats = nn.Linear(2 * c.encoder_hidden, 2 * c.latent_dim)
        self.z_to_h = nn.Linear(c.latent_dim, c.decoder_hidden)
        self.decoder = nn.GRU(c.embed_dim + c.latent_dim, c.decoder_hidden, batch_first=True)
        self.to_logits = nn.Linear(c.decoder_hidden, c.vocab_size)
        self.properties = PropertyHead(c.latent_dim, c.property_hidden, c.n_properties)

    def to_json(self) -> dict:
        return asdict(self.config)

    # ---- encoder -------------------------------------------------------------------------------
    def encode(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """ids (B, T) with end token and zero padding -> mu, log_var (B, D)."""
        lengths = (ids != 0).sum(dim=1).clamp(min=1).cpu()
        packed = pack_padded_sequence(self.embed(ids), lengths, batch_first=True, enforce_sorted=False)
        _, h = self.encoder(packed)  # h: (2, B, H) final states of both directions
        stats = self.to_stats(torch.cat([h[0], h[1]], dim=-1))
        mu, log_var = stats.chunk(2, dim=-1)
        return mu, log_var.clamp(-12.0, 6.0)

    # ---- decoder -------------------------------------------------------------------------------
    def decode_logits(self, z: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """Teacher forcing. z (B, D), target ids (B, T) -> logits (B, T, V)."""
        bos = torch.full_like(ids[:, :1], 1)
        inputs = torch.cat([bos, ids[:, :-1]], dim=1)  # shift right: predict token t from tokens < t
        x = torch.cat([self.embed(inputs), z.unsqueeze(1).expand(-1, ids.shape[1], -1)], dim=-1)
        h0 = torch.tanh(self.z_to_h(z)).unsqueeze(0)  # (1, B, H)
        out, _ = self.decoder(x, h0)
        return self.to_logits(out)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
        """Greedy decoding. z (B, D) -> ids (B, max_len + 1); positions after the end token are 0."""
        max_len = (max_len or self.config.max_len) + 1
        batch = z.shape[0]
        h = torch.tanh(self.z_to_h(z)).unsqueeze(0)
        token = torch.full((batch, 1), 1, dtype=torch.long, device=z.device)
        out = torch.zeros(batch, max_len, dtype=torch.long, device=z.device)
        done = torch.zeros(batch, dtype=torch.bool, device=z.device)
        for t in range(max_len):
            x = torch.cat([self.embed(token), z.unsqueeze(1)], dim=-1)
            y, h = self.decoder(x, h)
            logits = self.to_logits(y[:, -1])
            logits[:, :2] = float("-inf")  # never emit pad or begin
            token = logits.argmax(dim=-1, keepdim=True)
            out[:, t] = torch.where(done, torch.zeros_like(token[:, 0]), token[:, 0])
            done |= token[:, 0] == 2
            if bool(done.all()):
                break
        return out

    # ---- training objective --------------------------------------------------------------------
    def loss(
        self, ids: torch.Tensor, props: torch.Tensor, kl_weight: float, prop_weight: float
    ) -> dict[str, torch.Tensor]:
        """ELBO with weighted KL plus masked property regression.

        ids (B, T); props (B, P) standardised, NaN where RDKit failed.
        """
        mu, log_var = self.encode(ids)
        z = mu + torch.randn_like(mu) * (0.5 * log_var).exp()
        logits = self.decode_logits(z, ids)
        recon = F.cross_entropy(logits.transpose(1, 2), ids, ignore_index=0, reduction="sum") / ids.shape[0]
        kl = 0.5 * (mu.pow(2) + log_var.exp() - 1.0 - log_var).sum(dim=1).mean()
        # The heads read the same noisy z the decoder reconstructs from, so that what they predict for
        # a latent matches the molecule the decoder makes of it (reading mu made them disagree on samples).
        _, pred = self.properties(z)
        mask = ~torch.isnan(props)
        prop = F.mse_loss(pred[mask], props[mask]) if bool(mask.any()) else pred.sum() * 0.0
        total = recon + kl_weight * kl + prop_weight * prop
        with torch.no_grad():
            tokens = ids != 0
            correct = (logits.argmax(-1) == ids) | ~tokens
            exact = correct.all(dim=1).float().mean()
            token_acc = (logits.argmax(-1) == ids)[tokens].float().mean()
        return {"loss": total, "recon": recon, "kl": kl, "prop": prop, "exact": exact, "token_acc": token_acc}
