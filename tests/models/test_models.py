"""Save/load round trips of every trainable artefact, and the diffusion / reward / fine-tune maths."""

import copy
import math

import pytest
import torch

from designer_app.config import FinetuneConfig, RewardConfig
from designer_app.core.methods import Acquisition
from designer_app.models.finetune import seiko_finetune
from designer_app.models.latent_diffusion import (
    ScheduleConfig,
    round_trip,
    sample,
    sample_with_kl,
    sampling_scheduler,
    step_sigmas,
)
from designer_app.models.molecules.prior import MoleculePrior
from designer_app.models.molecules.vocab import Vocab
from designer_app.models.reward import RewardEnsemble, fit_ensemble
from designer_app.models.serialization import load_weights, save_weights


def test_vocab_round_trip_and_limits():
    vocab = Vocab.build(["[C][O]", "[C][=C][N]"], max_len=3)
    assert vocab.tokens[:3] == ("<pad>", "<bos>", "<eos>")
    ids = vocab.encode("[C][=C][N]")
    assert vocab.decode(ids + [vocab.eos_id, 5]) == "[C][=C][N]"
    assert vocab.encode("[C][C][C][C]") is None  # too long
    assert vocab.encode("[Xe]") is None  # unknown token
    assert Vocab.from_json(vocab.to_json()) == vocab


def test_prior_save_load_gives_identical_outputs(tiny_prior, tmp_path):
    prior = MoleculePrior.load(tiny_prior)
    copy_dir = prior.save(tmp_path / "again")
    again = MoleculePrior.load(copy_dir)
    x = torch.randn(5, prior.latent_dim)
    assert torch.equal(prior.featurise(x), again.featurise(x))
    assert prior.decode(x) == again.decode(x)
    t = torch.tensor([10, 20, 30, 40, 50])
    assert torch.equal(prior.denoiser(x, t), again.denoiser(x, t))
    assert prior.encode(["CCO", "c1ccccc1"]) == again.encode(["CCO", "c1ccccc1"])


def test_denoiser_weights_round_trip(tiny_prior, tmp_path):
    prior = MoleculePrior.load(tiny_prior)
    model = copy.deepcopy(prior.denoiser)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1)
    save_weights(model, tmp_path / "d.safetensors")
    fresh = copy.deepcopy(prior.denoiser)
    load_weights(fresh, tmp_path / "d.safetensors")
    x = torch.randn(3, prior.latent_dim)
    assert torch.equal(fresh(x, 5), model(x, 5))
    assert not torch.equal(fresh(x, 5), prior.denoiser(x, 5))


def test_encode_rejects_unrepresentable_molecules(tiny_prior):
    prior = MoleculePrior.load(tiny_prior)
    latents = prior.encode(["CCO", "[U]", "C" * 60])
    assert latents[0] is not None and len(latents[0]) == prior.latent_dim
    assert latents[1] is None and latents[2] is None


def test_sampling_is_seeded(tiny_prior):
    prior = MoleculePrior.load(tiny_prior)
    a = sample(prior.denoiser, 4, prior.latent_dim, prior.schedule, torch.Generator().manual_seed(1))
    b = sample(prior.denoiser, 4, prior.latent_dim, prior.schedule, torch.Generator().manual_seed(1))
    assert a.shape == (4, prior.latent_dim) and torch.equal(a, b)


def test_round_trip_starts_at_the_kth_last_step_and_moves_further_from_later_steps(tiny_prior):
    prior = MoleculePrior.load(tiny_prior)
    x0 = torch.randn(64, prior.latent_dim, generator=torch.Generator().manual_seed(0))
    timesteps = sampling_scheduler(prior.schedule).timesteps.tolist()
    near, t_near = round_trip(prior.denoiser, x0, prior.schedule, 1, torch.Generator().manual_seed(1))
    far, t_far = round_trip(prior.denoiser, x0, prior.schedule, len(timesteps), torch.Generator().manual_seed(1))
    assert (t_near, t_far) == (timesteps[-1], timesteps[0]) and near.shape == x0.shape
    assert (near - x0).norm(dim=1).mean() < (far - x0).norm(dim=1).mean()


def test_sampling_honours_stop_flag(tiny_prior):
    prior = MoleculePrior.load(tiny_prior)
    with pytest.raises(InterruptedError):
        sample(prior.denoiser, 4, prior.latent_dim, prior.schedule, should_stop=lambda: True)


def test_kl_is_zero_against_itself_and_positive_after_a_change(tiny_prior):
    prior = MoleculePrior.load(tiny_prior)
    cfg = ScheduleConfig(sample_steps=6)
    gen = torch.Generator().manual_seed(0)
    same = sample_with_kl(prior.denoiser, prior.denoiser, 8, prior.latent_dim, cfg, 2, 0.05, gen)
    assert torch.allclose(same.kl, torch.zeros(8))
    changed = copy.deepcopy(prior.denoiser)
    with torch.no_grad():
        changed.out[1].bias.add_(0.5)
    traj = sample_with_kl(changed, prior.denoiser, 8, prior.latent_dim, cfg, 2, 0.05, gen)
    assert (traj.kl > 0).all()
    sigmas = step_sigmas(sampling_scheduler(cfg))
    assert sigmas[-1] == 0.0  # the final step is deterministic, and left out of the KL
    assert traj.kl_steps == sum(s >= 0.05 for s in sigmas)


def _synthetic_reward(prior, n=64, seed=0):
    """A reward ensemble fitted to y = first feature, so 'better' has a direction."""
    torch.manual_seed(seed)
    x = torch.randn(n, prior.latent_dim)
    with torch.no_grad():
        feats = prior.featurise(x)
    y = feats[:, 0] * 3
    return fit_ensemble(feats, y, RewardConfig(n_heads=3, hidden=16, epochs=150), seed)


def test_reward_ensemble_round_trip_and_fit_quality(tiny_prior, tmp_path):
    prior = MoleculePrior.load(tiny_prior)
    model, report = _synthetic_reward(prior)
    assert report.n_train == 64 and report.train_r2 > 0.8
    model.save(tmp_path / "r.safetensors")
    again = RewardEnsemble.load(tmp_path / "r.safetensors")
    feats = prior.featurise(torch.randn(6, prior.latent_dim))
    for kind in ("ucb-gram", "ucb-std", "max", "head", "mean"):
        assert torch.allclose(model.optimistic(feats, kind, 1.0, 1), again.optimistic(feats, kind, 1.0, 1))


def test_acquisitions_are_ordered_as_defined(tiny_prior):
    prior = MoleculePrior.load(tiny_prior)
    model, _ = _synthetic_reward(prior)
    with torch.no_grad():
        feats = prior.featurise(torch.randn(10, prior.latent_dim))
        mean, std = model.mean_std(feats)
        preds, _ = model.heads_forward(feats)
        assert torch.allclose(model.optimistic(feats, "mean"), mean)
        assert torch.allclose(model.optimistic(feats, "ucb-std", beta=2.0), mean + 2 * std)
        assert torch.allclose(model.optimistic(feats, "max"), preds.max(0).values)
        assert torch.allclose(model.optimistic(feats, "head", head=2), preds[2])
        assert (model.optimistic(feats, "ucb-gram", beta=1.0) > mean).all()


def test_gram_bonus_shrinks_with_more_data(tiny_prior):
    prior = MoleculePrior.load(tiny_prior)
    probe = prior.featurise(torch.randn(32, prior.latent_dim)).detach()
    small, _ = _synthetic_reward(prior, n=16)
    large, _ = _synthetic_reward(prior, n=512)
    # compare in standardised units (y_std differs slightly between fits)
    assert (large.gram_bonus(probe) / large.y_std).mean() < (small.gram_bonus(probe) / small.y_std).mean()


def test_finetune_raises_the_reward_and_kl_restrains_it(tiny_prior):
    prior = MoleculePrior.load(tiny_prior).requires_grad_(False)
    reward, _ = _synthetic_reward(prior)
    schedule = ScheduleConfig(sample_steps=6)
    cfg = FinetuneConfig(steps=25, batch_size=32, lr=3e-3, grad_steps=3)

    def run(alpha):
        model = copy.deepcopy(prior.denoiser)
        steps = list(
            seiko_finetune(
                model,
                prior.denoiser,
                prior.featurise,
                reward,
                Acquisition("mean"),
                alpha,
                cfg,
                schedule,
                prior.latent_dim,
                cfg.steps,
                seed=0,
            )
        )
        return model, steps

    free, steps = run(0.0)
    assert len(steps) == 25
    gen = torch.Generator().manual_seed(5)
    before = reward.optimistic(prior.featurise(sample(prior.denoiser, 256, prior.latent_dim, schedule, gen)), "mean")
    gen = torch.Generator().manual_seed(5)
    after = reward.optimistic(prior.featurise(sample(free, 256, prior.latent_dim, schedule, gen)), "mean")
    assert after.mean() > before.mean() + 0.1
    _, restrained = run(50.0)
    assert restrained[-1].kl < steps[-1].kl  # a large alpha keeps the model close to the anchor


def test_finetune_stops_when_asked(tiny_prior):
    prior = MoleculePrior.load(tiny_prior).requires_grad_(False)
    reward, _ = _synthetic_reward(prior)
    gen = seiko_finetune(
        copy.deepcopy(prior.denoiser),
        prior.denoiser,
        prior.featurise,
        reward,
        Acquisition("mean"),
        0.1,
        FinetuneConfig(steps=5, batch_size=4, grad_steps=2),
        ScheduleConfig(sample_steps=6),
        prior.latent_dim,
        5,
        0,
        should_stop=lambda: True,
    )
    with pytest.raises(InterruptedError):
        next(gen)


def test_bonus_is_capped_at_the_observed_score_range_far_from_the_data(tiny_prior, tmp_path):
    """Fine-tuning maximises the optimistic reward; an unbounded bonus far from the data would pull the
    sampler there (measured on images: predicted mean -68 where the truth was -0.5)."""
    prior = MoleculePrior.load(tiny_prior)
    model, _ = _synthetic_reward(prior)
    with torch.no_grad():
        near = prior.featurise(torch.randn(8, prior.latent_dim))
        far = near * 1e3  # features far outside anything fitted
        cap = float(model.bonus_cap)
        assert cap > 0 and math.isfinite(cap)
        _, phis = model.heads_forward(far)
        raw = torch.einsum("mbh,mhk,mbk->mb", phis, model.gram_inv, phis).sqrt().mean(0) * model.y_std
        assert (raw > cap).all()  # without the cap the bonus there would exceed the whole score range
        assert torch.allclose(model.gram_bonus(far), torch.full((8,), cap))
        assert float(model.optimistic(far, "ucb-std", beta=1.0).sub(model.optimistic(far, "mean")).max()) <= cap + 1e-5
        # near the data the cap does not bind: the bonus is the plain Gram form
        _, phis = model.heads_forward(near)
        plain = torch.einsum("mbh,mhk,mbk->mb", phis, model.gram_inv, phis).sqrt().mean(0) * model.y_std
        assert (plain < cap).all() and torch.allclose(model.gram_bonus(near), plain)
    # a reward model saved before the cap existed still loads, uncapped, as it behaved then
    from safetensors.torch import load_file, save_file

    model.save(tmp_path / "r.safetensors")
    state = load_file(tmp_path / "r.safetensors")
    state.pop("bonus_cap")
    from safetensors import safe_open

    with safe_open(str(tmp_path / "r.safetensors"), framework="pt") as fh:
        meta = fh.metadata()
    save_file(state, tmp_path / "old.safetensors", metadata=meta)
    assert math.isinf(float(RewardEnsemble.load(tmp_path / "old.safetensors").bonus_cap))
