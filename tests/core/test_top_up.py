"""config `top_up`: a round replaces repeats and infeasible proposals by further samples, so it measures
`batch_size` new designs."""

import json

from conftest import TINY_SETTINGS
from sequence_helpers import build_tiny_sequence_prior

from designer_app.cli import main
from designer_app.core.loop import _top_up
from designer_app.core.protocols import Proposal
from designer_app.store import CampaignStore, campaign_dir


def _proposal(items, feasible=None):
    feasible = feasible or [True] * len(items)
    return Proposal(
        list(items), [[float(i)] for i in range(len(items))], list(feasible), ["" if ok else "bad" for ok in feasible]
    )


def test_top_up_replaces_repeats_and_infeasible_proposals_from_extra_draws():
    first = _proposal(["a", "b", "b", "x", None], [True, True, True, False, False])  # 2 new of 5
    extra_draws = iter([_proposal(["a", "c", "c", "d", "e", "f"]), _proposal(["g"] * 8)])
    asked = []

    def draw(n, seed, known):
        asked.append((n, seed, set(known)))
        return next(extra_draws)

    out, short = _top_up(first, batch=5, stored_keys={"Z"}, passes=3, seed=7, draw=draw, key=str.upper)
    # the first draw is kept whole (its repeats stay visible as duplicates); new designs are appended
    # until the batch holds 5 new ones: c, d, e (f is not needed, the second c is a repeat)
    assert out.items == ["a", "b", "b", "x", None, "c", "d", "e"]
    assert out.feasible[-3:] == [True, True, True] and len(out.latents) == len(out.reasons) == 8
    assert short == 0
    # one extra pass, over-drawn (2 x the shortfall of 3, at least 8), told which designs are known
    assert [(n, known) for n, _, known in asked] == [(8, {"Z", "A", "B"})]
    assert asked[0][1] != 7


def test_top_up_reports_the_shortfall_when_the_sampler_only_repeats():
    draws = []

    def draw(n, seed, known):
        draws.append(seed)
        return _proposal(["a"] * n)

    out, short = _top_up(_proposal(["a", "a"]), batch=4, stored_keys=set(), passes=3, seed=1, draw=draw, key=str.upper)
    assert out.items == ["a", "a"] and short == 3
    assert len(draws) == 3 and len(set(draws)) == 3  # every pass samples with its own seed


ORACLE = "def score(items):\n    return [s.count('G') / len(s) for s in items]\n"


def _measured_per_round(home, name, top_up, prior, oracle):
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                name,
                "--domain",
                "dna",
                "--oracle",
                f"python:{oracle}:score",
                "--prior",
                str(prior),
                "--rounds",
                "3",
                "--batch-size",
                "6",
                "--method",
                "greedy",
                *TINY_SETTINGS,
                "--set",
                f"top_up={top_up}",
            ]
        )
        == 0
    )
    assert main(["--home", str(home), "run", name]) == 0
    store = CampaignStore.open(campaign_dir(name, home))
    rounds = [[c for c in store.candidates(r) if c.duplicate_of is None and c.score_status == "ok"] for r in (1, 2, 3)]
    keys = [c.key for r in rounds for c in r]
    assert len(keys) == len(set(keys))  # nothing is measured twice
    return [len(r) for r in rounds], store


def test_a_campaign_with_top_up_measures_a_full_batch_of_new_designs_every_round(tmp_path, capsys):
    # 3-mers: 32 designs up to reverse complement, so 3 rounds of 6 from a small prior repeat themselves
    prior = build_tiny_sequence_prior(tmp_path / "prior", domain="dna", length=3)
    oracle = tmp_path / "oracle.py"
    oracle.write_text(ORACLE)
    without, _ = _measured_per_round(tmp_path, "plain", 0, prior, oracle)
    with_top_up, store = _measured_per_round(tmp_path, "topped", 10, prior, oracle)
    assert sum(without) < 18  # the plain campaign lost measurements to repeats
    assert with_top_up == [6, 6, 6]
    capsys.readouterr()
    assert main(["--home", str(tmp_path), "status", "topped", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["oracle_calls"] == 18
