"""`designer-app pretrain dna|protein` end to end with tiny models and budgets: every phase runs, a rerun
resumes instead of retraining, and the card is written from measured numbers."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from designer_app.models.sequences.prior import SequencePrior
from designer_app.pretraining import sequences as ps

TINY = dict(
    latent_dim=4,
    hidden=16,
    property_hidden=8,
    batch_size=64,
    ae_steps=6,
    diffusion_steps=4,
    diffusion_batch=32,
    denoiser_hidden=16,
    denoiser_blocks=1,
    kl_warmup_steps=2,
)


def test_default_configs_differ_by_domain_and_reject_others():
    dna, protein = ps.default_config("dna", 10), ps.default_config("protein", 25)
    assert dna.alphabet == "ACGT" and dna.length == 8 and dna.gc
    assert protein.alphabet == "ACDEFGHIKLMNPQRSTVWY" and protein.length == 32 and not protein.gc
    assert dna.ae_minutes + dna.diffusion_minutes <= 10 and protein.ae_minutes + protein.diffusion_minutes <= 25
    with pytest.raises(ValueError, match="'molecules' domain has no sequence-prior recipe"):
        ps.default_config("molecules", 5)


def test_dna_data_is_the_lower_half_of_the_landscape(tmp_path):
    from designer_app.models.sequences.codes import from_codes
    from designer_app.oracles.tfbind import load_landscape, seq_to_index

    cfg = replace(ps.default_config("dna", 1), **TINY)
    data = ps.prepare_data(tmp_path, cfg)
    values = load_landscape("SIX6_REF_R1")
    assert len(data.codes) + len(data.heldout) == 4**8
    prior_values = values[[seq_to_index(s) for s in from_codes(data.codes[data.prior_mask], "ACGT")]]
    assert prior_values.max() < np.median(values) and 0.45 < data.prior_mask.mean() < 0.55
    assert (tmp_path / "data.npz").exists()


def test_tiny_dna_pretrain_runs_all_phases_resumes_and_writes_a_card(tmp_path):
    from designer_app.config import RewardConfig
    from designer_app.pretraining import sequence_quality

    cfg = replace(ps.default_config("dna", 1), **TINY)
    out = tmp_path / "prior"
    phases = [p["phase"] for p in ps.run(out, cfg)]
    assert phases[0] == "data" and "autoencoder" in phases and "diffusion" in phases and phases[-1] == "export"
    state = json.loads((out / "work" / "state.json").read_text())
    assert state["ae_step"] == 6 and state["dm_step"] == 4 and 0 <= state["ae_heldout_exact_reconstruction"] <= 1
    prior = SequencePrior.load(out)
    assert prior.config.domain == "dna" and prior.length == 8 and prior.latent_dim == 4
    assert len(prior.decode(torch.zeros(3, 4))) == 3
    # a second run resumes: nothing trains again
    assert [p["phase"] for p in ps.run(out, cfg)] == ["data", "export"]
    assert json.loads((out / "work" / "state.json").read_text())["ae_step"] == 6

    report = sequence_quality.write_card(
        out,
        command="designer-app pretrain dna --out X",
        n_samples=200,
        reward=RewardConfig(epochs=5, n_heads=2, hidden=8),
        n_test=300,
    )
    assert set(report["reward_accuracy"]) == {"tfbind8:SIX6_REF_R1", "tfbind8:CRX_REF_R1", "tfbind8:VAX2_REF_R1"}
    assert set(report["reward_accuracy"]["tfbind8:SIX6_REF_R1"]) == {"100", "500"}
    samples, data = report["quality"]["samples"], report["quality"]["data"]
    assert samples["n"] == 200 and data["frac_ge_095"] == 0 and data["best"] < 0.5
    card = (out / "CARD.md").read_text()
    assert "designer-app pretrain dna --out X" in card and "SIX6_REF_R1" in card and "Apache" in card
    assert f"{samples['mean']:.3f}" in card
    assert json.loads((out / "quality.json").read_text())["quality"]["n_samples"] == 200


def test_protein_data_comes_from_the_ehrlich_dmp(tmp_path):
    from designer_app.models.sequences.codes import from_codes
    from designer_app.oracles.ehrlich import EhrlichFunction, EhrlichSpec

    cfg = replace(ps.default_config("protein", 1), n_train=300, n_heldout=50)
    data = ps.prepare_data(tmp_path, cfg)
    assert data.codes.shape == (300, 32) and data.heldout.shape == (50, 32) and data.prior_mask.all()
    fn = EhrlichFunction(EhrlichSpec())
    assert all(fn.is_feasible(s) for s in from_codes(data.codes, cfg.alphabet))


def test_protein_prior_recommends_convolutional_reward_heads_and_its_card_measures_them(tmp_path):
    from designer_app.pretraining import sequence_quality

    cfg = replace(ps.default_config("protein", 1), n_train=300, n_heldout=50, **TINY)
    out = tmp_path / "prior"
    list(ps.run(out, cfg))
    config = json.loads((out / "config.json").read_text())
    assert config["prior"]["features"][-1] == "letters"  # the part the convolutional heads read
    assert config["campaign_defaults"] == {"alpha": 0.001, "reward": {"conv_length": 32, "conv_letters": 20}}
    prior = SequencePrior.load(out)
    assert prior.feature_dim == 4 + 8 + prior.autoencoder.config.n_properties + 32 * 20

    # the card measures the reward model campaigns get (made tiny here through the same settings)
    config["campaign_defaults"]["reward"].update(epochs=3, n_heads=2, hidden=8, conv_channels=4)
    (out / "config.json").write_text(json.dumps(config))
    report = sequence_quality.write_card(
        out, command="designer-app pretrain protein --out X", n_samples=100, n_test=200
    )
    assert report["reward_config"]["conv_length"] == 32 and report["reward_config"]["n_heads"] == 2
    assert "convolutional heads over the letter probabilities" in (out / "CARD.md").read_text()
