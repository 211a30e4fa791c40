"""The molecule prior as a folder: `config.json` + `model.safetensors` (+ `CARD.md`).

It bundles the SELFIES autoencoder, the latent denoiser, the latent standardisation, and the
descriptor statistics of the featuriser. A campaign copies nothing: it reads the prior folder and
saves only fine-tuned denoiser weights in its own checkpoints/ folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from designer_app.domains import chemistry
from designer_app.models.diffusion_engine import DenoiserCheckpoints
from designer_app.models.latent_denoiser import DenoiserConfig, LatentDenoiser
from designer_app.models.latent_diffusion import ScheduleConfig
from designer_app.models.molecules.autoencoder import AutoencoderConfig, SelfiesAutoencoder
from designer_app.models.molecules.vocab import Vocab
from designer_app.models.prior_folder import read_prior_folder, write_prior_folder

PRIOR_KIND = "designer-latent-molecules"


@dataclass(frozen=True)
class LatentStats:
    """Per-dimension mean and std of the autoencoder's latents; the diffusion model works on
    standardised latents x = (z - mean) / std."""

    mean: tuple[float, ...]
    std: tuple[float, ...]


class MoleculePrior(DenoiserCheckpoints, nn.Module):
    """Autoencoder + denoiser + statistics. Differentiable from standardised latent to features.
    Implements models.diffusion_engine.DiffusionPrior."""

    def __init__(
        self,
        vocab: Vocab,
        autoencoder: SelfiesAutoencoder,
        denoiser: LatentDenoiser,
        schedule: ScheduleConfig,
        latent_stats: LatentStats,
        extra: dict | None = None,
    ):
        super().__init__()
        self.vocab = vocab
        self.autoencoder = autoencoder
        self.denoiser = denoiser
        self.schedule = schedule
        self.extra = dict(extra or {})
        self.register_buffer("latent_mean", torch.tensor(latent_stats.mean, dtype=torch.float32))
        self.register_buffer("latent_std", torch.tensor(latent_stats.std, dtype=torch.float32))

    @property
    def latent_dim(self) -> int:
        return self.autoencoder.config.latent_dim

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (self.latent_dim,)

    @property
    def feature_dim(self) -> int:
        c = self.autoencoder.config
        return c.property_hidden + c.n_properties

    # ---- featuriser: the differentiable map the reward model reads --------------------------
    def featurise(self, x: torch.Tensor) -> torch.Tensor:
        """Standardised latents (B, D) -> features (B, property_hidden + n_properties).

        The features are the property head's hidden layer and its predicted standardised RDKit
        descriptors, pretrained on the prior's data. Gradients flow back to x.
        """
        z = x * self.latent_std + self.latent_mean
        hidden, props = self.autoencoder.properties(z)
        return torch.cat([hidden, props], dim=-1)

    # ---- latent <-> molecules -----------------------------------------------------------------
    @torch.no_grad()
    def decode(self, x: torch.Tensor, items_dir: Path | None = None) -> list[str | None]:
        """Standardised latents (B, D) -> canonical SMILES (None when the decoded molecule is empty)."""
        z = x * self.latent_std + self.latent_mean
        ids = self.autoencoder.generate(z).tolist()
        return [chemistry.selfies_to_smiles(self.vocab.decode(row)) for row in ids]

    @torch.no_grad()
    def encode(self, smiles: Sequence[str]) -> list[list[float] | None]:
        """SMILES -> standardised posterior-mean latents; None for molecules the vocabulary cannot
        represent (unknown token or too long)."""
        selfies = [chemistry.smiles_to_selfies(s) or "" for s in smiles]
        ids, keep = self.vocab.encode_batch(selfies)
        out: list[list[float] | None] = [None] * len(smiles)
        rows = [i for i, k in enumerate(keep) if k and selfies[i]]
        if rows:
            device = self.latent_mean.device
            mu, _ = self.autoencoder.encode(torch.from_numpy(ids[rows]).to(device))
            x = ((mu - self.latent_mean) / self.latent_std).cpu().tolist()
            for i, row in zip(rows, x):
                out[i] = row
        return out

    # ---- persistence --------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        return write_prior_folder(
            folder,
            {"autoencoder": self.autoencoder, "denoiser": self.denoiser},
            {
                "kind": PRIOR_KIND,
                "domain": "molecules",
                "vocab": self.vocab.to_json(),
                "autoencoder": asdict(self.autoencoder.config),
                "denoiser": asdict(self.denoiser.config),
                "schedule": asdict(self.schedule),
                "latent_mean": self.latent_mean.tolist(),
                "latent_std": self.latent_std.tolist(),
                "descriptor_names": list(chemistry.DESCRIPTOR_NAMES),
                **self.extra,
            },
        )

    @classmethod
    def load(cls, folder: str | Path, device: torch.device | str = "cpu") -> MoleculePrior:
        saved = read_prior_folder(folder, PRIOR_KIND, "a molecule prior")
        cfg = saved.config
        known = {"kind", "domain", "vocab", "autoencoder", "denoiser", "schedule", "latent_mean", "latent_std"}
        prior = cls(
            vocab=Vocab.from_json(cfg["vocab"]),
            autoencoder=SelfiesAutoencoder(AutoencoderConfig(**cfg["autoencoder"])),
            denoiser=LatentDenoiser(DenoiserConfig(**cfg["denoiser"])),
            schedule=ScheduleConfig(**cfg["schedule"]),
            latent_stats=LatentStats(tuple(cfg["latent_mean"]), tuple(cfg["latent_std"])),
            extra=saved.extra(known),
        )
        prior.autoencoder.load_state_dict(saved.weights("autoencoder"))
        prior.denoiser.load_state_dict(saved.weights("denoiser"))
        return prior.to(device).eval()
