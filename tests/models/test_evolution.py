"""The `ga` baseline's operators (models/evolution.py) and its place in the loop."""

import json
import random

import numpy as np
from conftest import TINY_SETTINGS

from designer_app.cli import main
from designer_app.config import EvolutionConfig
from designer_app.core.protocols import Proposal
from designer_app.domains import chemistry
from designer_app.models import evolution as ev
from designer_app.models.diffusion_engine import DiffusionEngine
from designer_app.store import CampaignStore, campaign_dir


def scored(pairs):
    return [ev.Scored(item, score) for item, score in pairs]


def test_parents_are_within_kappa_of_the_best_topped_up_by_rank():
    pool = scored([("A", 1.0), ("B", 0.96), ("C", 0.5), ("D", 0.0), ("E", 0.94)])
    # range 1.0, kappa 0.05 -> threshold 0.95: A and B
    assert [p.item for p in ev.select_parents(pool, kappa=0.05, min_parents=1)] == ["A", "B"]
    assert [p.item for p in ev.select_parents(pool, kappa=0.05, min_parents=3)] == ["A", "B", "E"]
    assert len(ev.select_parents(pool, kappa=1.0, min_parents=1)) == 5
    assert ev.select_parents([], 0.05, 8) == []


def test_crossover_keeps_equal_lengths_and_mixes_head_and_tail():
    rng = random.Random(0)
    for _ in range(50):
        child = ev.crossover(list("AAAAAAAA"), list("CCCCCCCC"), rng)
        assert len(child) == 8
        cut = child.index("C")
        assert child == ["A"] * cut + ["C"] * (8 - cut) and 1 <= cut <= 7
    assert ev.crossover(list("A"), list("CC"), rng) == ["A"]


def test_mutation_changes_at_least_one_token_and_stays_in_the_alphabet():
    rng = random.Random(1)
    for _ in range(50):
        child = ev.mutate(list("ACGTACGT"), "ACGT", rate=0.0, rng=rng)
        assert sum(a != b for a, b in zip(child, "ACGTACGT")) == 1
    everything = ev.mutate(list("AAAA"), "AC", rate=1.0, rng=rng)
    assert everything == list("CCCC")


def test_evolved_sequences_are_new_unique_and_reproducible():
    parents = scored([("ACGTACGT", 1.0), ("TTTTAAAA", 0.9), ("GGGGCCCC", 0.1)])
    known = {p.item for p in parents}
    cfg = EvolutionConfig(kappa=0.5, min_parents=2)
    codec = ev.LetterCodec(tuple("ACGT"))
    a = ev.evolve_tokens(parents, 20, codec, lambda s: s, known, cfg, random.Random(5))
    b = ev.evolve_tokens(parents, 20, codec, lambda s: s, known, cfg, random.Random(5))
    assert a == b and len(a) == 20 and len(set(a)) == 20
    assert not known & set(a) and all(len(s) == 8 and set(s) <= set("ACGT") for s in a)
    assert a != ev.evolve_tokens(parents, 20, codec, lambda s: s, known, cfg, random.Random(6))
    # one parent, one mutation per child: only 8 * 3 mutants exist, the rest is left to the caller
    few = ev.evolve_tokens(
        parents[:1],
        100,
        codec,
        lambda s: s,
        known,
        EvolutionConfig(min_parents=1, max_tries=5, mutation_rate=1e-9),
        random.Random(0),
    )
    assert len(few) <= 24 and all(sum(x != y for x, y in zip(s, "ACGTACGT")) == 1 for s in few)


def test_evolved_molecules_are_valid_canonical_smiles():
    import selfies as sf

    parents = scored([("CC(=O)Oc1ccccc1C(=O)O", 0.9), ("c1ccncc1", 0.8), ("CCN(CC)CC", 0.5)])
    tokens = sorted({t for p in parents for t in sf.split_selfies(chemistry.smiles_to_selfies(p.item))})
    codec = ev.SelfiesCodec(tuple(tokens), max_len=30)
    kids = ev.evolve_tokens(parents, 10, codec, lambda s: s, set(), EvolutionConfig(kappa=1.0), random.Random(2))
    assert kids and all(chemistry.canonical_smiles(k) == k for k in kids)


def test_array_evolution_recombines_rows_and_respects_bounds():
    parents = np.stack([np.full((1, 4, 4), -1.0, np.float32), np.full((1, 4, 4), 1.0, np.float32)])
    cfg = EvolutionConfig(recombination_rate=1.0, noise=0.0)
    kids = ev.evolve_arrays(parents, 30, cfg, random.Random(0), bounds=(-1.0, 1.0))
    assert kids.shape == (30, 1, 4, 4)
    mixed = [k for k in kids if k.min() == -1.0 and k.max() == 1.0]
    assert mixed and all((k == k[:, :, :1]).all() for k in mixed)  # the cut runs between rows
    noisy = ev.evolve_arrays(parents, 5, EvolutionConfig(noise=5.0), random.Random(0), bounds=(-1.0, 1.0))
    assert noisy.min() >= -1.0 and noisy.max() <= 1.0
    assert np.array_equal(
        noisy, ev.evolve_arrays(parents, 5, EvolutionConfig(noise=5.0), random.Random(0), (-1.0, 1.0))
    )


class _Letters:
    """A fake sequence domain and prior: evolution in letters, prior samples for the fill."""

    alphabet = "ACGT"

    def canonical_item(self, text):
        return text, ""

    def feasibility(self, item):
        return bool(item), ""

    def key(self, item):
        return item


class _Engine:
    def __init__(self):
        self.cfg = type("C", (), {"evolution": EvolutionConfig(min_parents=1, max_tries=2, mutation_rate=1e-9)})()
        self.domain, self.prior, self.filled = _Letters(), object(), 0

    def canonical_item(self, text):
        return text, ""

    def encode_items(self, items):
        return [[float("ACGT".index(c)) for c in s] for s in items]

    def checked(self, items, latents):  # the real engine's rule: each item judged by the domain
        return DiffusionEngine.checked(self, items, latents)

    def propose(self, n, model_path, seed, should_stop):
        self.filled += n
        return Proposal(["AAAA"] * n, [[0.0] * 4] * n, [True] * n, [""] * n)


def test_evolve_proposal_encodes_children_and_fills_the_batch_from_the_prior():
    engine = _Engine()
    proposal = ev.evolve_proposal(engine, 20, scored([("ACGT", 1.0)]), {"ACGT"}, seed=0)
    assert len(proposal.items) == len(proposal.latents) == 20
    bred = proposal.items[: 20 - engine.filled]
    assert bred and all(sum(a != b for a, b in zip(s, "ACGT")) == 1 for s in bred)
    assert all(lat == engine.encode_items([s])[0] for s, lat in zip(bred, proposal.latents))
    assert engine.filled == 20 - len(bred) > 0  # 12 single mutants exist, 2 tries each cannot make 20


def test_ga_campaign_evolves_without_finetuning(tmp_path, tiny_prior, capsys):
    argv = [
        "--home",
        str(tmp_path),
        "new",
        "g",
        "--oracle",
        "qed",
        "--prior",
        str(tiny_prior),
        "--method",
        "ga",
        "--rounds",
        "3",
        "--batch-size",
        "10",
        *TINY_SETTINGS,
    ]
    assert main(argv) == 0 and main(["--home", str(tmp_path), "run", "g"]) == 0
    capsys.readouterr()
    assert main(["--home", str(tmp_path), "status", "g", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["state"] == "finished" and data["oracle_calls"] == 30  # three full batches of new designs
    assert all(r["n_candidates"] >= 10 for r in data["rounds"])
    assert all(0 <= r["infeasible_fraction"] <= 1 for r in data["rounds"])
    store = CampaignStore.open(campaign_dir("g", tmp_path))
    assert {c.kind for c in store.checkpoints()} == {"reward"}
    assert all(c.latent is not None for c in store.candidates())
    assert all(r["kl_to_prior"] is None for r in data["rounds"])
