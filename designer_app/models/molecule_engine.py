"""The molecule engine: implements core.protocols.Engine with the latent-diffusion molecule prior.

Denoiser checkpoints are the only thing fine-tuning changes, so a campaign stores just the denoiser
weights per round (a few MB); the autoencoder and featuriser always come from the prior folder.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable, Iterator, Sequence

import torch

from designer_app.config import CampaignConfig
from designer_app.core.protocols import FitReport, FinetuneStep, Prediction, Proposal
from designer_app.domains import molecules
from designer_app.models.finetune import seiko_finetune
from designer_app.models.latent_diffusion import sample, sample_with_kl
from designer_app.models.molecule_prior import MoleculePrior
from designer_app.models.reward import RewardEnsemble, fit_ensemble
from designer_app.models.serialization import load_weights, pick_device, save_weights


class MoleculeEngine:
    def __init__(self, prior_dir: str | Path, cfg: CampaignConfig, device: torch.device | None = None):
        self.prior_dir = Path(prior_dir)
        self.cfg = cfg
        self.device = device or pick_device()
        self._prior: MoleculePrior | None = None

    @property
    def prior(self) -> MoleculePrior:
        if self._prior is None:
            self._prior = MoleculePrior.load(self.prior_dir, self.device)
            self._prior.requires_grad_(False)
        return self._prior

    @property
    def schedule(self):
        from dataclasses import replace

        return replace(self.prior.schedule, sample_steps=self.cfg.sample_steps)

    def _denoiser(self, path: str | None) -> torch.nn.Module:
        """The prior's denoiser, or a copy loaded from a round checkpoint."""
        if path is None:
            return self.prior.denoiser
        model = copy.deepcopy(self.prior.denoiser)
        load_weights(model, path, self.device)
        return model.eval()

    # ---- SEIKO step 1: Propose ---------------------------------------------------------------
    def propose(self, n: int, model_path: str | None, seed: int, should_stop: Callable[[], bool]) -> Proposal:
        gen = torch.Generator().manual_seed(seed)
        x = sample(self._denoiser(model_path), n, self.prior.latent_dim, self.schedule, gen, self.device, should_stop)
        items = self.prior.decode(x)  # (n,) canonical SMILES or None
        checks = [molecules.feasibility(item) for item in items]
        return Proposal(
            items=items,
            latents=x.cpu().tolist(),
            feasible=[ok for ok, _ in checks],
            reasons=[why for _, why in checks],
        )

    def canonical_item(self, text: str) -> tuple[str | None, str]:
        return molecules.canonical_item(text)

    def encode_items(self, items: Sequence[str]) -> list[list[float] | None]:
        """Items that did not come from the sampler (imported by the user) in the sampler's space."""
        return self.prior.encode(list(items))

    # ---- SEIKO step 3: Fit ---------------------------------------------------------------------
    @torch.no_grad()
    def _features(self, latents: list[list[float]]) -> torch.Tensor:
        return self.prior.featurise(torch.tensor(latents, dtype=torch.float32, device=self.device))

    def fit_reward(self, latents: list[list[float]], values: list[float], out_path: str, seed: int) -> FitReport:
        feats = self._features(latents)
        y = torch.tensor(values, dtype=torch.float32, device=self.device)
        model, report = fit_ensemble(feats, y, self.cfg.reward, seed)
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
        trainee = copy.deepcopy(self._denoiser(model_path))
        anchor = self._denoiser(anchor_path)
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
            self.prior.latent_dim,
            steps,
            seed,
            self.device,
            should_stop,
        )
        save_weights(trainee, out_path)

    @torch.no_grad()
    def kl_to_prior(self, model_path: str, seed: int, n: int = 64) -> float:
        """Mean summed per-step KL of a fine-tuned denoiser to the prior's, on its own trajectories."""
        model = self._denoiser(model_path)
        gen = torch.Generator().manual_seed(seed)
        traj = sample_with_kl(model, self.prior.denoiser, n, self.prior.latent_dim, self.schedule,
                              grad_steps=0, min_sigma=self.cfg.finetune.min_sigma, generator=gen, device=self.device)
        return float(traj.kl.mean())
