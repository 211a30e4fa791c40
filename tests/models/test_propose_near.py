"""Engine.propose_near: the part of a pool the tuned model draws near the best measured designs."""

from __future__ import annotations

import torch

from designer_app.campaigns import make_engine
from designer_app.config import CampaignConfig


def _engine(prior):
    return make_engine(CampaignConfig(name="n", oracle="qed", prior=str(prior), sample_steps=6))


def test_partial_diffusion_stays_near_its_starts_and_a_full_one_does_not(tiny_prior):
    engine = _engine(tiny_prior)
    torch.manual_seed(0)
    fresh = engine.propose(8, None, 1, lambda: False)
    starts = fresh.latents[:2]
    near = engine.propose_near(8, None, starts, 1 / 6, 3, lambda: False)
    far = engine.propose_near(8, None, starts, 1.0, 3, lambda: False)
    assert len(near.items) == len(near.latents) == len(near.feasible) == 8
    x0 = torch.tensor([starts[i % 2] for i in range(8)])

    def distance(p):
        return float((torch.tensor(p.latents) - x0).norm(dim=1).mean())

    assert distance(near) < 0.6 * distance(far)  # one re-run step of six moves far less than all six
    again = engine.propose_near(8, None, starts, 1 / 6, 3, lambda: False)
    assert again.latents == near.latents  # reproducible from the seed
    assert engine.propose_near(0, None, starts, 0.5, 3, lambda: False).items == []
    assert engine.propose(0, None, 3, lambda: False).items == []  # selection.local = 1: no fresh samples
