"""The sequence prior (DNA, protein, RNA, ...) as a folder: `config.json` + `model.safetensors` (+ `CARD.md`).

It bundles the sequence autoencoder, the latent denoiser, the latent standardisation and the property
statistics. Like the molecule prior, it diffuses standardised posterior-mean latents; a campaign reads
the folder and saves only fine-tuned denoiser weights in its own checkpoints/ folder.
Implements models.diffusion_engine.DiffusionPrior.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from designer_app.models.diffusion_engine import DenoiserCheckpoints
from designer_app.models.latent_denoiser import DenoiserConfig, LatentDenoiser
from designer_app.models.latent_diffusion import ScheduleConfig
from designer_app.models.prior_folder import read_prior_folder, write_prior_folder
from designer_app.models.sequences.autoencoder import SequenceAutoencoder, SequenceAutoencoderConfig
from designer_app.models.sequences.codes import from_codes, to_codes

PRIOR_KIND = "designer-latent-sequences"
FEATURE_PARTS = ("latent", "hidden", "properties", "letters")


@dataclass(frozen=True)
class SequencePriorConfig:
    """What a sequence prior is, beside its weights; saved in config.json.

    Attributes:
        domain: the sequence domain it serves (a registered SequenceDomain: "dna", "protein", "rna", ...).
        alphabet: letters in one-hot order.
        features: which parts the featuriser concatenates, a subset of FEATURE_PARTS in that order:
            "latent" the standardised latent (D), "hidden" the property head's hidden layer,
            "properties" its predicted standardised properties (P), "letters" the decoder's per-position
            letter probabilities (L*V, softmax at `letter_temperature`).
        letter_temperature: softmax temperature of the "letters" part; > 1 keeps its gradient alive
            where the decoder is confident.
        latent_mean / latent_std: standardisation of the diffused latents x = (z - mean) / std.
        allowed_pairs: optional V x V 0/1 matrix of the adjacent letter pairs (a, b) that occur in the
            training data; when given, decode is the most probable sequence under the decoder's
            per-position probabilities that uses only those pairs (Viterbi), instead of the per-position
            argmax. A data-derived constraint: the Ehrlich DMP never makes its banned transitions, so
            the prior learns them from its samples as an autoregressive model would.
    """

    domain: str
    alphabet: str
    features: tuple[str, ...]
    letter_temperature: float
    latent_mean: tuple[float, ...]
    latent_std: tuple[float, ...]
    allowed_pairs: tuple[tuple[int, ...], ...] | None = None

    def __post_init__(self) -> None:
        unknown = [f for f in self.features if f not in FEATURE_PARTS]
        if unknown or not self.features:
            raise ValueError(f"featuriser parts {unknown or '(none)'}: choose from {', '.join(FEATURE_PARTS)}")
        if self.allowed_pairs is not None:
            size = len(self.alphabet)
            if len(self.allowed_pairs) != size or any(len(row) != size for row in self.allowed_pairs):
                raise ValueError(
                    f"allowed_pairs must be a {size} x {size} matrix (one row per letter of {self.alphabet})"
                )


class SequencePrior(DenoiserCheckpoints, nn.Module):
    """Autoencoder + denoiser + statistics; differentiable from standardised latent to features."""

    def __init__(
        self,
        config: SequencePriorConfig,
        autoencoder: SequenceAutoencoder,
        denoiser: LatentDenoiser,
        schedule: ScheduleConfig,
        extra: dict | None = None,
    ):
        super().__init__()
        if len(config.alphabet) != autoencoder.config.vocab_size:
            raise ValueError(
                f"alphabet {config.alphabet} has {len(config.alphabet)} letters, the autoencoder "
                f"{autoencoder.config.vocab_size}"
            )
        self.config = config
        self.autoencoder = autoencoder
        self.denoiser = denoiser
        self.schedule = schedule
        self.extra = dict(extra or {})
        self.register_buffer("latent_mean", torch.tensor(config.latent_mean, dtype=torch.float32))
        self.register_buffer("latent_std", torch.tensor(config.latent_std, dtype=torch.float32))

    @property
    def alphabet(self) -> str:
        return self.config.alphabet

    @property
    def length(self) -> int:
        return self.autoencoder.config.length

    @property
    def latent_dim(self) -> int:
        return self.autoencoder.config.latent_dim

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (self.latent_dim,)

    @property
    def feature_dim(self) -> int:
        c = self.autoencoder.config
        widths = {
            "latent": c.latent_dim,
            "hidden": c.property_hidden,
            "properties": c.n_properties,
            "letters": c.length * c.vocab_size,
        }
        return sum(widths[p] for p in self.config.features)

    # ---- featuriser: the differentiable map the reward model reads --------------------------
    def featurise(self, x: torch.Tensor) -> torch.Tensor:
        """Standardised latents (B, D) -> features (B, feature_dim); gradients flow back to x."""
        z = x * self.latent_std + self.latent_mean
        parts: dict[str, torch.Tensor] = {"latent": x}
        if "hidden" in self.config.features or "properties" in self.config.features:
            parts["hidden"], parts["properties"] = self.autoencoder.properties(z)
        if "letters" in self.config.features:
            logits = self.autoencoder.decode_logits(z) / self.config.letter_temperature  # (B, L, V)
            parts["letters"] = logits.softmax(dim=-1).flatten(1)  # (B, L*V)
        return torch.cat([parts[p] for p in self.config.features], dim=-1)

    # ---- latent <-> sequences -----------------------------------------------------------------
    @torch.no_grad()
    def decode(self, x: torch.Tensor, items_dir: Path | None = None) -> list[str | None]:
        """Standardised latents (B, D) -> sequences of length L (argmax letter per position)."""
        z = x * self.latent_std + self.latent_mean
        if self.config.allowed_pairs is None:
            codes = self.autoencoder.generate(z)
        else:
            codes = constrained_argmax(self.autoencoder.decode_logits(z).log_softmax(-1), self.allowed_pairs)
        return from_codes(codes.cpu().numpy(), self.alphabet)

    @property
    def allowed_pairs(self) -> torch.Tensor:
        """(V, V) bool: which adjacent pairs decode may write."""
        return torch.tensor(self.config.allowed_pairs, dtype=torch.bool, device=self.latent_mean.device)

    @torch.no_grad()
    def encode(self, items: Sequence[str]) -> list[list[float] | None]:
        """Sequences -> standardised posterior-mean latents; None for a wrong length or a letter
        outside the alphabet (lower case is accepted)."""
        codes, ok = to_codes([(s or "").strip().upper() for s in items], self.alphabet, self.length)
        out: list[list[float] | None] = [None] * len(items)
        rows = [i for i, k in enumerate(ok) if k]
        if rows:
            device = self.latent_mean.device
            mu, _ = self.autoencoder.encode(torch.from_numpy(codes[rows]).to(device))
            for i, row in zip(rows, ((mu - self.latent_mean) / self.latent_std).cpu().tolist()):
                out[i] = row
        return out

    # ---- persistence --------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        prior = asdict(self.config)
        return write_prior_folder(
            folder,
            {"autoencoder": self.autoencoder, "denoiser": self.denoiser},
            {
                "kind": PRIOR_KIND,
                "domain": prior.pop("domain"),
                "prior": prior,
                "autoencoder": asdict(self.autoencoder.config),
                "denoiser": asdict(self.denoiser.config),
                "schedule": asdict(self.schedule),
                **self.extra,
            },
        )

    @classmethod
    def load(cls, folder: str | Path, device: torch.device | str = "cpu") -> SequencePrior:
        saved = read_prior_folder(folder, PRIOR_KIND, "a sequence prior")
        cfg = saved.config
        p = cfg["prior"]
        config = SequencePriorConfig(
            domain=cfg["domain"],
            alphabet=p["alphabet"],
            features=tuple(p["features"]),
            letter_temperature=float(p["letter_temperature"]),
            latent_mean=tuple(p["latent_mean"]),
            latent_std=tuple(p["latent_std"]),
            allowed_pairs=None if p.get("allowed_pairs") is None else tuple(tuple(r) for r in p["allowed_pairs"]),
        )
        known = {"kind", "domain", "prior", "autoencoder", "denoiser", "schedule"}
        prior = cls(
            config,
            SequenceAutoencoder(SequenceAutoencoderConfig(**cfg["autoencoder"])),
            LatentDenoiser(DenoiserConfig(**cfg["denoiser"])),
            ScheduleConfig(**cfg["schedule"]),
            extra=saved.extra(known),
        )
        prior.autoencoder.load_state_dict(saved.weights("autoencoder"))
        prior.denoiser.load_state_dict(saved.weights("denoiser"))
        # frozen: fine-tuning trains a copy of the denoiser (DenoiserCheckpoints), never these weights
        return prior.requires_grad_(False).to(device).eval()


def constrained_argmax(log_probs: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """Viterbi: the sequence maximising sum_t log_probs[b, t, x_t] with every (x_t, x_t+1) allowed.

    log_probs (B, L, V); allowed (V, V) bool -> codes (B, L) int64. Where the per-position argmax is
    already allowed this returns exactly it (it is then the unconstrained maximum).
    """
    penalty = torch.where(allowed, 0.0, float("-inf")).to(log_probs)  # (V, V): from letter i to letter j
    score = log_probs[:, 0]  # (B, V) best score of a prefix ending in each letter
    back = []
    for t in range(1, log_probs.shape[1]):
        total = score.unsqueeze(2) + penalty  # (B, V_prev, V_next)
        score, arg = total.max(dim=1)  # (B, V)
        score = score + log_probs[:, t]
        back.append(arg)
    last = score.argmax(dim=1)  # (B,)
    codes = [last]
    for arg in reversed(back):
        last = arg.gather(1, last.unsqueeze(1)).squeeze(1)
        codes.append(last)
    return torch.stack(codes[::-1], dim=1)
