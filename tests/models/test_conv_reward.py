"""Convolutional reward heads over per-position letter probabilities (RewardConfig.conv_length)."""

import pytest
import torch
from scipy.stats import spearmanr

from designer_app.config import ConfigError, RewardConfig
from designer_app.models.reward import RewardEnsemble, fit_ensemble

LENGTH, LETTERS, EXTRA = 12, 4, 5  # features: EXTRA latent-like columns, then LENGTH x LETTERS letters
CONV = RewardConfig(n_heads=3, hidden=16, epochs=200, conv_length=LENGTH, conv_letters=LETTERS, conv_channels=16)


def spaced_motif_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random sequences; the score counts which of two spaced pairs occur anywhere: letter 0 then letter 1
    three positions later, and letter 2 then letter 3 two positions later (an Ehrlich-like reward)."""
    gen = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, LETTERS, (n, LENGTH), generator=gen)
    first = ((codes[:, :-3] == 0) & (codes[:, 3:] == 1)).any(1)
    second = ((codes[:, :-2] == 2) & (codes[:, 2:] == 3)).any(1)
    y = first.float() + second.float() + 0.05 * torch.randn(n, generator=gen)
    letters = torch.nn.functional.one_hot(codes, LETTERS).float().flatten(1)  # (n, L*V)
    return torch.cat([torch.randn(n, EXTRA, generator=gen), letters], 1), y


def test_conv_heads_rank_a_spaced_motif_reward_better_than_mlp_heads():
    x, y = spaced_motif_data(700, seed=0)
    held_out = {}
    for name, cfg in {"conv": CONV, "mlp": RewardConfig(n_heads=3, hidden=16, epochs=200)}.items():
        model, report = fit_ensemble(x[:300], y[:300], cfg, seed=0)
        with torch.no_grad():
            pred, std = model.mean_std(x[300:])
        held_out[name] = spearmanr(pred.numpy(), y[300:].numpy()).statistic
        assert report.n_train == 300 and torch.all(std >= 0)
    # measured 0.52 vs 0.24: the MLP must find "pair anywhere" position by position
    assert held_out["conv"] > 0.45 and held_out["conv"] > held_out["mlp"] + 0.15


def test_conv_ensemble_round_trips_and_is_differentiable(tmp_path):
    x, y = spaced_motif_data(200, seed=1)
    model, _ = fit_ensemble(x, y, CONV, seed=0)
    loaded = RewardEnsemble.load(model.save(tmp_path / "reward.safetensors"))
    assert loaded.cfg == CONV
    probe = x[:16].clone().requires_grad_(True)
    with torch.no_grad():
        assert torch.allclose(loaded.optimistic(probe, "ucb-gram"), model.optimistic(probe, "ucb-gram"))
    loaded.optimistic(probe, "ucb-gram").sum().backward()  # fine-tuning back-propagates through the heads
    grad = probe.grad.abs().sum(0)
    assert grad[EXTRA:].sum() > 0 and grad[:EXTRA].sum() == 0  # only the letter block is read


def test_conv_settings_are_checked_with_messages_that_say_what_to_change():
    with pytest.raises(ConfigError, match="go together"):
        RewardConfig(conv_length=32)
    with pytest.raises(ConfigError, match="conv_channels"):
        RewardConfig(conv_length=4, conv_letters=4, conv_channels=0)
    with pytest.raises(ValueError, match="'letters' part"):
        RewardEnsemble(in_dim=20, cfg=RewardConfig(conv_length=32, conv_letters=20))
