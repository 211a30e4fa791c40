"""The engine of every domain: implements core.protocols.Engine on top of a diffusion prior.

A domain differs only in its prior (what is diffused, how samples become items, the featuriser the
reward model reads) and its domain object (canonical items, feasibility). Sampling, reward fitting
and SEIKO fine-tuning are the same code for molecules, sequences and images.

Denoiser checkpoints are the only thing fine-tuning changes, so a campaign stores just the denoiser
weights per round (a few MB; LoRA adapters for large UNets); everything else comes from the prior folder.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn

from designer_app.config import CampaignConfig
from designer_app.core.protocols import FinetuneStep, FitReport, Prediction, Proposal, Ranking
from designer_app.models.finetune import seiko_finetune
from designer_app.models.latent_diffusion import ScheduleConfig, sample, sample_with_kl
from designer_app.models.reward import RewardEnsemble, fit_ensemble
from designer_app.models.serialization import load_weights, pick_device, save_weights


class DiffusionPrior(Protocol):
    """What an engine needs from a prior (molecule, sequence and image priors implement it).

    Attributes:
        sample_shape: shape of one sample x the diffusion model draws: (D,) for latent vectors,
            (C, H, W) for images. Candidates keep x flattened in the store.
        denoiser: epsilon_theta(x_t (B, *sample_shape), t) -> (B, *sample_shape), frozen.
        schedule: the noise schedule it was trained with.
    """

    sample_shape: tuple[int, ...]
    denoiser: nn.Module
    schedule: ScheduleConfig

    def featurise(self, x: torch.Tensor) -> torch.Tensor:
        """(B, *sample_shape) -> (B, F) reward-model features; differentiable in x."""
        ...

    def decode(self, x: torch.Tensor, items_dir: Path | None = None) -> list[str | None]:
        """(B, *sample_shape) -> canonical items (None where decoding fails). Priors whose items are
        files (images) write them into `items_dir`."""
        ...

    def encode(self, items: Sequence[str]) -> list[list[float] | None]:
        """Items -> flattened x in the sampler's space (None when the item cannot be represented)."""
        ...


class DenoiserCheckpoints:
    """How a prior loads and saves fine-tuned denoisers: full weights of a copy of its denoiser.
    Priors that fine-tune adapters only (LoRA on a large UNet) override these three methods."""

    denoiser: nn.Module

    def trainable_denoiser(self, path: str | None, device: torch.device) -> nn.Module:
        """A fresh, trainable copy of the round's denoiser (the prior's when `path` is None)."""
        model = copy.deepcopy(self.denoiser)
        if path is not None:
            load_weights(model, path, device)
        return model.requires_grad_(False).eval()

    def load_denoiser(self, path: str | None, device: torch.device) -> nn.Module:
        """The round's denoiser for sampling; the prior's own module when `path` is None."""
        return self.denoiser if path is None else self.trainable_denoiser(path, device)

    def save_denoiser(self, model: nn.Module, path: str) -> None:
        save_weights(model, path)


class DiffusionEngine:
    """core.protocols.Engine for one campaign: a prior, a domain, and the campaign's settings.

    Args:
        prior: a DiffusionPrior that also has the DenoiserCheckpoints methods.
        domain: the domain object (designer_app.domains.get_domain): canonical_item, feasibility.
        cfg: the campaign configuration (sample steps, alpha, reward and fine-tune settings).
        items_dir: where priors whose items are files (images) write them.
        prior_folder: the prior's folder, where the `screen` baseline finds the prior's library.
    """

    def __init__(
        self,
        prior: Any,
        domain: Any,
        cfg: CampaignConfig,
        items_dir: Path | None = None,
        device: torch.device | None = None,
        prior_folder: Path | None = None,
    ):
        self.prior = prior
        self.domain = domain
        self.cfg = cfg
        self.items_dir = items_dir
        self.prior_folder = prior_folder
        self.device = device or pick_device()
        self.prior.to(self.device)

    @property
    def schedule(self) -> ScheduleConfig:
        return replace(self.prior.schedule, sample_steps=self.cfg.sample_steps)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.prior.sample_shape)

    def _x(self, flat: Sequence[Sequence[float]]) -> torch.Tensor:
        """Stored flattened samples (B, prod(shape)) -> (B, *shape) on the engine's device."""
        return torch.tensor(flat, dtype=torch.float32, device=self.device).view(-1, *self.shape)

    # ---- SEIKO step 1: Propose ---------------------------------------------------------------
    def propose(self, n: int, model_path: str | None, seed: int, should_stop: Callable[[], bool]) -> Proposal:
        if n <= 0:  # a pool drawn wholly near the best measured designs (selection.local = 1) has no fresh part
            return Proposal([], [], [], [])
        gen = torch.Generator().manual_seed(seed)
        model = self.prior.load_denoiser(model_path, self.device)
        x = sample(model, n, self.shape, self.schedule, gen, self.device, should_stop)  # (n, *shape)
        return self.decoded(x)

    def decoded(self, x: torch.Tensor) -> Proposal:
        """Samples x (n, *shape) as a proposal: decoded items, their flattened x, feasibility."""
        items = self.prior.decode(x, self.items_dir)
        return self.checked(items, x.flatten(1).cpu().tolist())

    def checked(self, items: Sequence[str | None], latents: Sequence[Any]) -> Proposal:
        """Items with their sampler latents as a proposal, each judged by the domain's feasibility."""
        checks = [self.domain.feasibility(item) for item in items]
        return Proposal(
            items=list(items),
            latents=list(latents),
            feasible=[ok for ok, _ in checks],
            reasons=[why for _, why in checks],
        )

    def propose_near(
        self,
        n: int,
        model_path: str | None,
        starts: Sequence[Sequence[float]],
        strength: float,
        seed: int,
        should_stop: Callable[[], bool],
    ) -> Proposal:
        """`n` samples of the round's model started near `starts` (flattened x of measured designs, the
        best first): each start is noised to the step `strength` of the way back from the end of sampling
        and denoised by the model (SDEdit's partial diffusion), so the tuned model proposes variations of
        what measured well instead of only fresh draws. Starts are used in turn (start i for samples i,
        i + len(starts), ...)."""
        from designer_app.models.latent_diffusion import round_trip

        if n <= 0 or not starts:
            return Proposal([], [], [], [])
        gen = torch.Generator().manual_seed(seed)
        model = self.prior.load_denoiser(model_path, self.device)
        x0 = self._x([starts[i % len(starts)] for i in range(n)])  # (n, *shape)
        k = max(1, min(self.schedule.sample_steps, round(strength * self.schedule.sample_steps)))
        x, _ = round_trip(model, x0, self.schedule, k, gen)
        if should_stop():
            raise InterruptedError("sampling stopped")
        return self.decoded(x)

    def canonical_item(self, text: str) -> tuple[str | None, str]:
        return self.domain.canonical_item(text)

    def key(self, item: str) -> str:
        """The domain's identity of an item: a DNA sequence and its reverse complement, or two PNG files
        with the same pixels, are one design and are measured once."""
        return self.domain.key(item)

    def encode_items(self, items: Sequence[str]) -> list[list[float] | None]:
        """Items that did not come from the sampler (imported by the user) in the sampler's space."""
        return self.prior.encode(list(items))

    def evolve(
        self,
        n: int,
        measured: Sequence[tuple[str, float]],
        known_keys: set[str],
        seed: int,
        should_stop: Callable[[], bool],
        operator: str = "tokens",
    ) -> Proposal:
        """An evolving baseline's proposal: recombine and mutate the best measured (item, score) pairs,
        skipping designs whose key is in `known_keys`: AdaLead-style on tokens (`ga`, models/evolution.py)
        or on molecular graphs (`graph-ga`, models/molecules/graph_ga.py)."""
        from designer_app.models.evolution import Scored, evolve_proposal, graph_proposal

        scored = [Scored(item, float(score)) for item, score in measured]
        if operator == "graph":
            return graph_proposal(self, n, scored, set(known_keys), seed, should_stop)
        return evolve_proposal(self, n, scored, set(known_keys), seed, should_stop)

    def screen(self, n: int, known_keys: set[str], seed: int) -> Proposal:
        """The `screen` baseline's proposal: `n` random, new items of the library (models/library.py), encoded
        into the sampler's space where the prior can represent them."""
        from designer_app.models.library import draw_from_library, library_path, read_library

        path = library_path(self.cfg.selection.library, self.prior_folder, self.cfg.workdir or None)
        items = draw_from_library(
            read_library(path), n, set(known_keys), seed, lambda text: self.canonical_item(text)[0], self.key
        )
        # latents are None where the prior cannot represent an item (screening fits nothing on them)
        return self.checked(items, self.encode_items(items) if items else [])

    # ---- SEIKO step 3: Fit ---------------------------------------------------------------------
    @torch.no_grad()
    def _features(self, latents: Sequence[Sequence[float]]) -> torch.Tensor:
        return self.prior.featurise(self._x(latents))  # (B, F)

    def fit_reward(
        self,
        latents: list[list[float]],
        values: list[float],
        out_path: str,
        seed: int,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> FitReport:
        feats = self._features(latents)
        y = torch.tensor(values, dtype=torch.float32, device=self.device)
        model, report = fit_ensemble(feats, y, self.cfg.reward, seed, should_stop)
        model.save(out_path)
        return report

    def predict(self, reward_path: str, latents: list[list[float]], acquisition) -> Prediction:
        if not latents:
            return Prediction([], [], [])
        reward = RewardEnsemble.load(reward_path, self.device)
        with torch.no_grad():
            feats = self._features(latents)
            mean, std = reward.mean_std(feats)
            acq = reward.optimistic(feats, acquisition.kind, acquisition.beta, acquisition.head)
        return Prediction(mean.cpu().tolist(), std.cpu().tolist(), acq.cpu().tolist())

    def rank(
        self,
        items: Sequence[str],
        latents: list[list[float]],
        measured: Sequence[tuple[str, float]],
        reward_path: str | None,
        acquisition,
        seed: int,
    ) -> Ranking | None:
        """The pool's ranking for the selection (core/selection.py): the item GP where it applies, else the
        latent ensemble with a latent-distance similarity."""
        from designer_app.models.item_model import latent_similarity, rank_items

        if self.cfg.selection.model == "items":
            ranking = rank_items(self.domain, measured, items, acquisition, self.cfg.reward.n_heads, seed)
            if ranking is not None:
                return ranking
        if reward_path is None or not latents:
            return None
        pred = self.predict(reward_path, latents, acquisition)
        return Ranking(pred.mean, pred.std, pred.acquisition, "latent", latent_similarity(latents))

    # ---- SEIKO step 4: Fine-tune ---------------------------------------------------------------
    def finetune(
        self,
        model_path: str | None,
        anchor_path: str | None,
        reward_path: str,
        out_path: str,
        acquisition,
        steps: int,
        seed: int,
        should_stop: Callable[[], bool],
    ) -> Iterator[FinetuneStep]:
        trainee = self.prior.trainable_denoiser(model_path, self.device)
        anchor = self.prior.load_denoiser(anchor_path, self.device)
        reward = RewardEnsemble.load(reward_path, self.device)
        yield from seiko_finetune(
            trainee,
            anchor,
            self.prior.featurise,
            reward,
            acquisition,
            self.cfg.alpha,
            self.cfg.finetune,
            self.schedule,
            self.shape,
            steps,
            seed,
            self.device,
            should_stop,
        )
        self.prior.save_denoiser(trainee, out_path)

    @torch.no_grad()
    def kl_to_prior(self, model_path: str, seed: int, n: int = 64) -> float:
        """Mean summed per-step KL of a fine-tuned denoiser to the prior's, on its own trajectories."""
        model = self.prior.load_denoiser(model_path, self.device)
        gen = torch.Generator().manual_seed(seed)
        traj = sample_with_kl(
            model,
            self.prior.denoiser,
            n,
            self.shape,
            self.schedule,
            grad_steps=0,
            min_sigma=self.cfg.finetune.min_sigma,
            generator=gen,
            device=self.device,
        )
        return float(traj.kl.mean())
