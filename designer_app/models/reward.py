"""Reward model with uncertainty: a bootstrap ensemble of small heads (MLP, or convolutional over letter
probabilities) on the prior's featuriser.

SEIKO step 3 (Fit): fit r_hat and an uncertainty signal g_hat on every scored candidate so far.
- r_hat(x) is the ensemble mean; heads are trained on bootstrap resamples of the labels.
- g_hat(x) is either the Gram-form bonus sqrt(phi^T (Phi^T Phi + lambda I)^-1 phi) on each head's
  last hidden layer phi (it shrinks as data accumulates, as in the paper's UCB analysis), averaged over
  heads, or the ensemble's standard deviation.
The optimistic reward r_tilde used for fine-tuning depends on the method (see `optimistic`).

Both bonuses are capped at the range of the scores seen so far (`bonus_cap`). Why: far from the data the
last-layer features grow and the Gram bonus grows without bound, and fine-tuning, whose whole job is to
maximise r_tilde, finds those regions. Measured on images (jpeg-compressibility, alpha 3e-4): without the cap
seiko-ucb's sampler ran to images whose predicted mean was -68 (true -0.5) because the bonus there was larger
still; KL to the prior 870-1,480 after one round, and one seed's batches fell from -0.49 to -0.61. A design
can be at most "anywhere in the observed range" uncertain; a larger bonus only rewards leaving the data.
The cap is hard (min), so bonuses below it are unchanged.
Inputs are featuriser outputs; everything is differentiable in them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save as st_save
from scipy.stats import spearmanr
from torch import nn

from designer_app.atomic import atomic_write_bytes
from designer_app.config import RewardConfig
from designer_app.core.protocols import FitReport


class _Head(nn.Module):
    def __init__(self, in_dim: int, hidden: int):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(in_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU())
        self.out = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        phi = self.trunk(x)  # (B, hidden): the last-layer features of the Gram bonus
        return self.out(phi).squeeze(-1), phi


class _ConvHead(nn.Module):
    """Dilated 1-D convolutions over per-position letter probabilities, max-pooled over positions.

    Why: a reward made of spaced motifs (Ehrlich) is "letter a here and letter b d positions later,
    anywhere in the sequence"; dilations 1, 2, 4 with kernel 3 see pairs up to 14 apart, and the max over
    positions makes it position-free. Measured on Ehrlich (5-head ensembles, 2,000 held-out sequences):
    held-out Spearman 0.28 / 0.38 at 100 / 500 labels on the protein prior's letter probabilities, against
    0.10 / 0.19 for MLP heads on its latent featuriser and 0.05 / 0.17 for MLP heads on the same letters.
    """

    def __init__(self, length: int, letters: int, channels: int, hidden: int):
        super().__init__()
        self.length, self.letters = length, letters
        self.conv = nn.Sequential(
            nn.Conv1d(letters, channels, 3, padding=1),
            nn.SiLU(),
            nn.Conv1d(channels, channels, 3, padding=2, dilation=2),
            nn.SiLU(),
            nn.Conv1d(channels, channels, 3, padding=4, dilation=4),
            nn.SiLU(),
        )
        self.trunk = nn.Sequential(nn.Linear(channels, hidden), nn.SiLU())
        self.out = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        letters = x[:, -self.length * self.letters :].reshape(-1, self.length, self.letters)  # (B, L, V)
        pooled = self.conv(letters.transpose(1, 2)).amax(-1)  # (B, C)
        phi = self.trunk(pooled)  # (B, hidden): the last-layer features of the Gram bonus
        return self.out(phi).squeeze(-1), phi


class RewardEnsemble(nn.Module):
    def __init__(self, in_dim: int, cfg: RewardConfig):
        super().__init__()
        self.in_dim, self.cfg = in_dim, cfg
        if cfg.conv_length and cfg.conv_length * cfg.conv_letters > in_dim:
            raise ValueError(
                f"reward.conv_length x conv_letters = {cfg.conv_length * cfg.conv_letters} exceeds the "
                f"featuriser's {in_dim} features: convolutional heads need a prior whose featuriser "
                "ends with per-position letter probabilities (sequence priors with the 'letters' part)"
            )
        self.heads = nn.ModuleList(
            _ConvHead(cfg.conv_length, cfg.conv_letters, cfg.conv_channels, cfg.hidden)
            if cfg.conv_length
            else _Head(in_dim, cfg.hidden)
            for _ in range(cfg.n_heads)
        )
        self.register_buffer("x_mean", torch.zeros(in_dim))
        self.register_buffer("x_std", torch.ones(in_dim))
        self.register_buffer("y_mean", torch.zeros(()))
        self.register_buffer("y_std", torch.ones(()))
        self.register_buffer("gram_inv", torch.eye(cfg.hidden).repeat(cfg.n_heads, 1, 1))  # (M, h, h)
        # largest bonus, in reward units: the range of the fitted scores (inf for models saved before it)
        self.register_buffer("bonus_cap", torch.tensor(float("inf")))

    def heads_forward(self, feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """feats (B, F) -> predictions in reward units (M, B) and phi (M, B, h)."""
        x = (feats - self.x_mean) / self.x_std
        preds, phis = zip(*(head(x) for head in self.heads))
        return torch.stack(preds) * self.y_std + self.y_mean, torch.stack(phis)

    def mean_std(self, feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        preds, _ = self.heads_forward(feats)
        return preds.mean(0), preds.std(0, unbiased=False)

    def gram_bonus(self, feats: torch.Tensor) -> torch.Tensor:
        """(B,) sqrt(phi^T A^-1 phi) averaged over heads, in reward units."""
        _, phis = self.heads_forward(feats)
        quad = torch.einsum("mbh,mhk,mbk->mb", phis, self.gram_inv, phis).clamp(min=1e-12)
        return torch.minimum(quad.sqrt().mean(0) * self.y_std, self.bonus_cap)

    def optimistic(self, feats: torch.Tensor, kind: str, beta: float = 1.0, head: int = 0) -> torch.Tensor:
        """r_tilde (B,) for a method's optimism `kind`:
        ucb-gram: mean + beta * Gram bonus; ucb-std: mean + beta * ensemble std;
        max: max over bootstrap heads; head: one head (Thompson); mean: ensemble mean (greedy)."""
        preds, _ = self.heads_forward(feats)
        if kind == "ucb-gram":
            return preds.mean(0) + beta * self.gram_bonus(feats)
        if kind == "ucb-std":
            return preds.mean(0) + beta * torch.minimum(preds.std(0, unbiased=False), self.bonus_cap)
        if kind == "max":
            return preds.max(0).values
        if kind == "head":
            return preds[head % len(self.heads)]
        if kind == "mean":
            return preds.mean(0)
        raise ValueError(f"unknown optimism kind {kind}")

    # ---- persistence (one safetensors file; configuration in its metadata) ---------------------
    def save(self, path: str | Path) -> Path:
        tensors = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
        meta = {"in_dim": str(self.in_dim), "config": json.dumps(asdict(self.cfg))}
        return atomic_write_bytes(path, st_save(tensors, metadata=meta))

    @classmethod
    def load(cls, path: str | Path, device: torch.device | str = "cpu") -> RewardEnsemble:
        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata()
            state = {k: fh.get_tensor(k) for k in fh.keys()}
        state.setdefault("bonus_cap", torch.tensor(float("inf")))  # saved before the cap existed
        model = cls(int(meta["in_dim"]), RewardConfig(**json.loads(meta["config"])))
        model.load_state_dict(state)
        return model.to(device).eval()


def fit_ensemble(
    feats: torch.Tensor, y: torch.Tensor, cfg: RewardConfig, seed: int, should_stop: Callable[[], bool] = lambda: False
) -> tuple[RewardEnsemble, FitReport]:
    """Fit on features (N, F) and labels (N,). Head m trains on a bootstrap resample; the
    out-of-bag predictions give an honest Spearman estimate. Raises InterruptedError when `should_stop()`
    turns true (checked every 10 epochs: a fit takes 2-25 s, Stop must act within a second)."""
    n = feats.shape[0]
    if n < 2:
        raise ValueError(f"the reward model needs at least 2 scored candidates (has {n})")
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = RewardEnsemble(feats.shape[1], cfg).to(feats.device)
    model.x_mean.copy_(feats.mean(0))
    model.x_std.copy_(feats.std(0).clamp(min=1e-4))
    if cfg.conv_length:
        # Letter probabilities stay probabilities: standardising each (position, letter) column blew up
        # columns the decoder is nearly sure of (held-out R² -377 at 100 labels on Ehrlich)
        letters = cfg.conv_length * cfg.conv_letters
        model.x_mean[-letters:] = 0.0
        model.x_std[-letters:] = 1.0
    model.y_mean.copy_(y.mean())
    model.y_std.copy_(y.std().clamp(min=1e-6))
    model.bonus_cap.fill_(float(y.max() - y.min()))
    x = (feats - model.x_mean) / model.x_std
    ys = (y - model.y_mean) / model.y_std
    oob_sum, oob_count = torch.zeros(n), torch.zeros(n)
    for m, head in enumerate(model.heads):
        idx = torch.randint(0, n, (n,), generator=gen) if cfg.n_heads > 1 else torch.arange(n)
        opt = torch.optim.AdamW(head.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        for epoch in range(cfg.epochs):
            if epoch % 10 == 0 and should_stop():
                raise InterruptedError("reward fit stopped")
            pred, _ = head(x[idx])
            loss = (pred - ys[idx]).pow(2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        oob = torch.ones(n, dtype=torch.bool)
        oob[idx] = False
        with torch.no_grad():
            pred_all, phi = head(x)
            oob_sum[oob] += pred_all[oob].cpu()
            oob_count[oob] += 1
            gram = phi.T @ phi + cfg.gram_lambda * torch.eye(cfg.hidden, device=phi.device)
            model.gram_inv[m] = torch.linalg.inv(gram)
    model.eval()
    with torch.no_grad():
        mean, _ = model.mean_std(feats)
    resid = ((mean - y) ** 2).sum()
    total = ((y - y.mean()) ** 2).sum().clamp(min=1e-12)
    has_oob = oob_count > 0
    cv = float("nan")
    if int(has_oob.sum()) >= 5:
        cv = float(spearmanr(oob_sum[has_oob] / oob_count[has_oob], y.cpu()[has_oob]).statistic)
    report = FitReport(
        n_train=n, train_r2=float(1 - resid / total), cv_spearman=cv if math.isfinite(cv) else float("nan")
    )
    return model, report


def heldout_scores(pred: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """R² and Spearman of predictions against held-out truth."""
    resid = float(((pred - truth) ** 2).sum())
    total = float(((truth - truth.mean()) ** 2).sum())
    return {"r2": 1 - resid / total, "spearman": float(spearmanr(pred, truth).statistic)}
