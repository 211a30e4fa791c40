"""The sequence prior: featuriser, encode/decode, save/load (exact), engine wiring; a smoke test of the
shipped sequence priors' files."""

import json

import pytest
import torch
from sequence_helpers import build_tiny_sequence_prior

from designer_app.models.priors import load_prior, prior_kind
from designer_app.models.sequences.autoencoder import SequenceAutoencoder, SequenceAutoencoderConfig
from designer_app.models.sequences.codes import from_codes, to_codes
from designer_app.models.sequences.prior import SequencePrior
from designer_app.pretraining.sequence_data import all_kmers, property_names, sequence_properties
from designer_app.resource_files import shipped_models_dir


@pytest.fixture(scope="module")
def dna_prior(tmp_path_factory):
    return SequencePrior.load(build_tiny_sequence_prior(tmp_path_factory.mktemp("p") / "dna"))


def test_codes_round_trip_and_reject_bad_sequences():
    codes, ok = to_codes(["ACGT", "acgt", "ACG", "ACGN", None], "ACGT", 4)
    assert ok.tolist() == [True, False, False, False, False]  # to_codes expects canonical (upper-case) input
    assert codes[0].tolist() == [0, 1, 2, 3]
    assert from_codes(codes[:1], "ACGT") == ["ACGT"]
    kmers = all_kmers(3, 4)
    assert kmers.shape == (64, 3) and from_codes(kmers[[0, 1, 63]], "ACGT") == ["AAA", "AAC", "TTT"]


def test_sequence_properties_are_kmer_compositions():
    codes, _ = to_codes(["AACG", "GGGG"], "ACGT", 4)
    props = sequence_properties(codes, 4, kmers=(1, 2, 3), gc=True)
    names = property_names("ACGT", kmers=(1, 2, 3), gc=True)
    assert props.shape == (2, len(names)) == (2, 4 + 16 + 64 + 1)
    row = dict(zip(names, props[0]))
    assert row["kmer_A"] == pytest.approx(0.5) and row["kmer_T"] == 0
    assert row["kmer_AA"] == pytest.approx(1 / 3) and row["kmer_CG"] == pytest.approx(1 / 3)
    assert row["kmer_AAC"] == pytest.approx(0.5) and row["kmer_ACG"] == pytest.approx(0.5)
    assert row["gc"] == pytest.approx(0.5) and dict(zip(names, props[1]))["gc"] == pytest.approx(1.0)


def test_both_strand_properties_are_the_same_for_a_sequence_and_its_reverse_complement():
    from designer_app.domains.sequences import reverse_complement

    seqs = ["AACGTTGA", reverse_complement("AACGTTGA")]
    codes, _ = to_codes(seqs, "ACGT", 8)
    both = sequence_properties(codes, 4, kmers=(1, 2, 3, 4), gc=True, both_strands=True)
    one = sequence_properties(codes, 4, kmers=(1, 2, 3, 4), gc=True)
    assert both[0] == pytest.approx(both[1]) and not one[0] == pytest.approx(one[1])
    assert dict(zip(property_names("ACGT", (1,), False), both[0]))["kmer_A"] == pytest.approx((3 / 8 + 2 / 8) / 2)


def test_featurise_is_differentiable_and_has_the_declared_width(dna_prior):
    x = torch.randn(5, *dna_prior.sample_shape, requires_grad=True)
    feats = dna_prior.featurise(x)
    assert feats.shape == (5, dna_prior.feature_dim) == (5, 6 + 8 + 8 * 4)
    feats.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_decode_gives_sequences_of_the_prior_length(dna_prior):
    seqs = dna_prior.decode(torch.randn(7, 6))
    assert len(seqs) == 7 and all(len(s) == 8 and set(s) <= set("ACGT") for s in seqs)


def test_encode_then_decode_is_the_identity_for_a_trained_autoencoder():
    torch.manual_seed(0)
    ae = SequenceAutoencoder(
        SequenceAutoencoderConfig(length=4, vocab_size=4, latent_dim=6, hidden=64, n_properties=4, property_hidden=8)
    )
    codes = torch.from_numpy(all_kmers(4, 4))
    props = torch.from_numpy(sequence_properties(codes.numpy(), 4, kmers=(1,), gc=False))
    opt = torch.optim.Adam(ae.parameters(), lr=3e-3)
    for _ in range(400):
        out = ae.loss(codes, props, kl_weight=0.0, prop_weight=1.0)
        opt.zero_grad()
        out["loss"].backward()
        opt.step()
    mu, _ = ae.encode(codes)
    assert bool((ae.generate(mu) == codes).all())  # all 256 4-mers come back exactly


def test_encode_rejects_wrong_length_and_letters_and_accepts_lower_case(dna_prior):
    latents = dna_prior.encode(["ACGTACGT", "acgtacgt", "ACGT", "ACGTACGN", ""])
    assert latents[0] is not None and len(latents[0]) == 6
    assert latents[1] == pytest.approx(latents[0])
    assert latents[2:] == [None, None, None]


def test_encode_is_standardised_with_the_prior_statistics(dna_prior):
    x = torch.tensor(dna_prior.encode(["ACGTACGT"]))
    mu, _ = dna_prior.autoencoder.encode(torch.tensor([[0, 1, 2, 3, 0, 1, 2, 3]]))
    assert torch.allclose(x, (mu - 0.1) / 1.5, atol=1e-6)


def test_save_load_round_trip_is_exact(tmp_path, dna_prior):
    folder = dna_prior.save(tmp_path / "copy")
    again = SequencePrior.load(folder)
    x = torch.randn(4, 6)
    assert torch.equal(dna_prior.featurise(x), again.featurise(x))
    assert dna_prior.decode(x) == again.decode(x)
    t = torch.tensor([3, 500, 999, 10])
    assert torch.equal(dna_prior.denoiser(x, t), again.denoiser(x, t))
    for (k, a), (_, b) in zip(dna_prior.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), k
    assert again.config == dna_prior.config and again.schedule == dna_prior.schedule


def test_load_prior_checks_kind_and_domain(tmp_path):
    folder = build_tiny_sequence_prior(tmp_path / "prot", domain="protein", length=10)
    assert prior_kind(folder) == "designer-latent-sequences"
    prior = load_prior(folder, "protein", device="cpu")
    assert isinstance(prior, SequencePrior) and prior.alphabet == "ACDEFGHIKLMNPQRSTVWY" and prior.length == 10
    with pytest.raises(ValueError, match="'protein' domain, not 'dna'"):
        load_prior(folder, "dna", device="cpu")


def test_bad_feature_part_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="choose from latent, hidden, properties, letters"):
        build_tiny_sequence_prior(tmp_path / "bad", features=("latent", "onehot"))


def test_engine_proposes_fits_and_finetunes(tmp_path, dna_prior):
    from designer_app.config import CampaignConfig, FinetuneConfig, RewardConfig
    from designer_app.core.methods import plan
    from designer_app.domains import get_domain
    from designer_app.models.diffusion_engine import DiffusionEngine

    cfg = CampaignConfig(
        name="t",
        domain="dna",
        oracle="tfbind8:SIX6_REF_R1",
        sample_steps=6,
        reward=RewardConfig(epochs=10, n_heads=2, hidden=8),
        finetune=FinetuneConfig(steps=2, batch_size=4, grad_steps=2),
    )
    engine = DiffusionEngine(dna_prior, get_domain("dna"), cfg, device=torch.device("cpu"))
    proposal = engine.propose(12, None, seed=1, should_stop=lambda: False)
    assert len(proposal.items) == 12 and all(proposal.feasible)
    values = [s.count("G") / 8 for s in proposal.items]
    engine.fit_reward(proposal.latents, values, str(tmp_path / "r.safetensors"), seed=0)
    acq = plan(cfg, 1).acquisition
    steps = list(
        engine.finetune(
            None, None, str(tmp_path / "r.safetensors"), str(tmp_path / "d.safetensors"), acq, 2, 0, lambda: False
        )
    )
    assert len(steps) == 2 and (tmp_path / "d.safetensors").exists()
    tuned = engine.propose(12, str(tmp_path / "d.safetensors"), seed=1, should_stop=lambda: False)
    assert tuned.latents != proposal.latents  # the fine-tuned denoiser samples differently


@pytest.mark.parametrize("name", ["dna-8mer", "protein-ehrlich"])
def test_shipped_sequence_prior_files_are_complete(name):
    """Cheap integrity check of a shipped prior: files, kind, tensor names and shapes (no sampling)."""
    from designer_app.models.serialization import load_tensors

    folder = shipped_models_dir() / name
    if not (folder / "config.json").exists():
        pytest.skip(f"{name} is not trained yet")
    assert {"config.json", "model.safetensors", "CARD.md", "quality.json"} <= {p.name for p in folder.iterdir()}
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["kind"] == "designer-latent-sequences" and cfg["domain"] == name.split("-")[0]
    prior = SequencePrior.load(folder)
    tensors = load_tensors(folder / "model.safetensors")
    assert len(tensors) == len(prior.autoencoder.state_dict()) + len(prior.denoiser.state_dict())
    assert len(prior.config.latent_std) == prior.latent_dim


def test_constrained_argmax_is_the_best_allowed_sequence():
    import itertools

    from designer_app.models.sequences.prior import constrained_argmax

    torch.manual_seed(3)
    log_probs = torch.randn(5, 4, 3).log_softmax(-1)  # 5 sequences of 4 letters over 3 letters
    allowed = torch.tensor([[1, 0, 1], [1, 1, 0], [0, 1, 1]], dtype=torch.bool)
    got = constrained_argmax(log_probs, allowed)
    for b in range(5):
        best = max(
            (seq for seq in itertools.product(range(3), repeat=4) if all(allowed[a, c] for a, c in zip(seq, seq[1:]))),
            key=lambda seq: sum(float(log_probs[b, t, v]) for t, v in enumerate(seq)),
        )
        assert tuple(got[b].tolist()) == best
    everything = torch.ones(3, 3, dtype=torch.bool)
    assert torch.equal(constrained_argmax(log_probs, everything), log_probs.argmax(-1))


def test_prior_with_allowed_pairs_decodes_only_those_pairs(tmp_path):
    from dataclasses import replace

    prior = SequencePrior.load(build_tiny_sequence_prior(tmp_path / "p"))
    pairs = tuple(tuple(0 if (a + 1) % 4 == b else 1 for b in range(4)) for a in range(4))  # ban A>C, C>G, G>T, T>A
    prior.config = replace(prior.config, allowed_pairs=pairs)
    seqs = prior.decode(torch.randn(64, 6) * 3)
    assert not any(pair in s for s in seqs for pair in ("AC", "CG", "GT", "TA"))
    again = SequencePrior.load(prior.save(tmp_path / "q"))
    assert again.config.allowed_pairs == pairs
    with pytest.raises(ValueError, match="4 x 4 matrix"):
        replace(prior.config, allowed_pairs=((1, 1),))
