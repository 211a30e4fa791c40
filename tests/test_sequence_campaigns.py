"""Tiny end-to-end DNA and protein campaigns through the command line (create -> run -> status)."""

import json

import pytest
from conftest import TINY_SETTINGS
from sequence_helpers import build_tiny_sequence_prior

from designer_app.cli import main
from designer_app.store import CampaignStore, campaign_dir


def _status(home, name, capsys):
    capsys.readouterr()
    assert main(["--home", str(home), "status", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("method", ["seiko-ucb", "pretrained"])
def test_dna_campaign_runs_two_rounds(method, tmp_path, capsys):
    prior = build_tiny_sequence_prior(tmp_path / "dna-prior", domain="dna")
    assert (
        main(
            [
                "--home",
                str(tmp_path),
                "new",
                "d",
                "--domain",
                "dna",
                "--oracle",
                "tfbind8:SIX6_REF_R1",
                "--prior",
                str(prior),
                "--method",
                method,
                "--rounds",
                "2",
                "--batch-size",
                "10",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    assert main(["--home", str(tmp_path), "run", "d"]) == 0
    data = _status(tmp_path, "d", capsys)
    assert data["state"] == "finished" and data["domain"] == "dna" and data["optimum"] == 1.0
    assert [r["index"] for r in data["rounds"]] == [1, 2]
    # every round measures 10 new designs (top-up keeps a draw's repeats as such, so a round may hold more)
    assert data["oracle_calls"] == 20 and all(r["n_candidates"] >= 10 for r in data["rounds"])
    assert 0 <= data["best_so_far"] <= 1 and data["regret"] == pytest.approx(1 - data["best_so_far"])
    store = CampaignStore.open(campaign_dir("d", tmp_path))
    items = [c.item for c in store.candidates()]
    assert all(len(s) == 8 and set(s) <= set("ACGT") for s in items)
    kinds = [c.kind for c in store.checkpoints()]
    assert ("denoiser" in kinds) == (method == "seiko-ucb")


def test_protein_campaign_scores_infeasible_proposals_as_none(tmp_path, capsys):
    prior = build_tiny_sequence_prior(tmp_path / "protein-prior", domain="protein", length=32)
    assert (
        main(
            [
                "--home",
                str(tmp_path),
                "new",
                "p",
                "--domain",
                "protein",
                "--oracle",
                "ehrlich",
                "--prior",
                str(prior),
                "--rounds",
                "2",
                "--batch-size",
                "10",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    assert main(["--home", str(tmp_path), "run", "p"]) == 0
    data = _status(tmp_path, "p", capsys)
    assert data["state"] == "finished" and data["domain"] == "protein"
    assert [r["n_candidates"] for r in data["rounds"]] == [10, 10]
    store = CampaignStore.open(campaign_dir("p", tmp_path))
    cands = store.candidates()
    assert all(len(c.item) == 32 for c in cands)
    # an untrained prior makes random 32-mers: almost all contain a banned transition, which the
    # oracle reports as an ok measurement without a value
    from designer_app.oracles.ehrlich import EhrlichFunction

    fn = EhrlichFunction()
    for c in cands:
        if c.duplicate_of is None:
            assert (c.score is None) == (not fn.is_feasible(c.item))


def test_sequence_campaign_rejects_a_prior_of_the_other_domain(tmp_path, capsys):
    prior = build_tiny_sequence_prior(tmp_path / "dna-prior", domain="dna")
    assert (
        main(["--home", str(tmp_path), "new", "x", "--domain", "protein", "--oracle", "ehrlich", "--prior", str(prior)])
        == 2
    )
    assert "pick a protein prior" in capsys.readouterr().err
