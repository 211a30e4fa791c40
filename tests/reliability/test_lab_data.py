"""Lab-data semantics end to end (CLI and the services the GUI calls): pending, failed and partial rounds,
replicates with their spread, edits with an audit trail and undo, the user's own candidates in every
domain, and rolling a round back without losing a measurement."""

from __future__ import annotations

import csv
import json
import statistics

import pytest
from conftest import TINY_SETTINGS

from designer_app.atomic import sha256_file
from designer_app.cli import main
from designer_app.config import CampaignConfig
from designer_app.core import loop
from designer_app.core.records import NewCandidate
from designer_app.io import ScoreFileError
from designer_app.io.score_apply import apply_scores
from designer_app.store import CampaignStore, campaign_dir


def _new(home, name, prior, oracle="manual", rounds="2", batch="8"):
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                name,
                "--oracle",
                oracle,
                "--prior",
                str(prior),
                "--rounds",
                rounds,
                "--batch-size",
                batch,
                *TINY_SETTINGS,
            ]
        )
        == 0
    )


def _status(home, name, capsys) -> dict:
    capsys.readouterr()
    assert main(["--home", str(home), "status", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _store(home, name) -> CampaignStore:
    return CampaignStore.open(campaign_dir(name, home))


def _originals(store, round_index=None):
    return [c for c in store.candidates(round_index) if c.feasible and c.duplicate_of is None]


@pytest.mark.slow
def test_partial_round_pending_failed_and_late_scores(tmp_path, tiny_prior, capsys):
    _new(tmp_path, "lab", tiny_prior)
    assert main(["--home", str(tmp_path), "run", "lab"]) == 0
    with _store(tmp_path, "lab") as store:
        first = _originals(store, 1)
    assert len(first) >= 5
    f = tmp_path / "r1.csv"
    f.write_text(
        "id,score,status,note\n"
        + "".join(
            [
                f"{first[0].id},0.5,,\n",
                f"{first[1].id},0.6,,\n",
                f"{first[2].id},0.7,,\n",
                f"{first[3].id},,failed,no synthesis\n",
                f"{first[4].id},,pending,sent to CRO\n",
            ]
        )
    )
    assert main(["--home", str(tmp_path), "import-scores", "lab", str(f)]) == 0
    assert main(["--home", str(tmp_path), "run", "lab"]) == 0  # without --allow-partial it keeps waiting
    assert _status(tmp_path, "lab", capsys)["rounds"][0]["status"] == "awaiting_scores"
    assert main(["--home", str(tmp_path), "run", "lab", "--allow-partial"]) == 0
    data = _status(tmp_path, "lab", capsys)
    r1 = data["rounds"][0]
    assert [r["status"] for r in data["rounds"]] == ["done", "awaiting_scores"]
    assert r1["n_failed"] == 1 and r1["n_pending"] == len(first) - 4
    with _store(tmp_path, "lab") as store:
        fitted = [e for e in store.events() if e["kind"] == "RewardFitted"]
        assert fitted[-1]["payload"]["n_train"] == 3  # fitted on what is scored, failed ones excluded
        failed = next(c for c in store.candidates() if c.id == first[3].id)
        assert failed.score_status == "failed" and failed.score is None
        assert store.measurements(first[3].id)[0].note == "no synthesis"  # kept as a feasibility signal
        second = _originals(store, 2)
    late = tmp_path / "late.csv"  # the CRO's result for round 1 arrives with round 2's
    late.write_text("id,score\n" + f"{first[4].id},0.9\n" + "".join(f"{c.id},0.1\n" for c in second))
    assert main(["--home", str(tmp_path), "import-scores", "lab", str(late)]) == 0
    assert main(["--home", str(tmp_path), "run", "lab"]) == 0
    with _store(tmp_path, "lab") as store:
        fitted = [e for e in store.events() if e["kind"] == "RewardFitted"]
        assert fitted[-1]["payload"]["n_train"] == 4 + len(second)
    assert _status(tmp_path, "lab", capsys)["state"] == "finished"


@pytest.mark.slow
def test_replicates_are_averaged_with_their_sd_and_edits_can_be_undone(tmp_path, tiny_prior, capsys):
    _new(tmp_path, "rep", tiny_prior, rounds="1")
    main(["--home", str(tmp_path), "run", "rep"])
    with _store(tmp_path, "rep") as store:
        a, b = _originals(store)[:2]
    for values, extra in [((0.4, 0.2), []), ((0.6, 0.2), ["--replicate"]), ((0.8, 0.2), ["--replicate"])]:
        f = tmp_path / f"rep{values[0]}.csv"
        f.write_text(f"id,score\n{a.id},{values[0]}\n{b.id},{values[1]}\n")
        assert main(["--home", str(tmp_path), "import-scores", "rep", str(f), *extra]) == 0
    out = tmp_path / "out.csv"
    assert main(["--home", str(tmp_path), "export", "rep", str(out)]) == 0
    rows = {int(r["id"]): r for r in csv.DictReader(out.open())}
    assert float(rows[a.id]["score"]) == pytest.approx(0.6) and rows[a.id]["n_replicates"] == "3"
    assert float(rows[a.id]["score_sd"]) == pytest.approx(statistics.stdev([0.4, 0.6, 0.8]))
    # equal values from different files are genuine replicates (the same file twice would not be)
    assert float(rows[b.id]["score"]) == pytest.approx(0.2) and rows[b.id]["n_replicates"] == "3"
    assert float(rows[b.id]["score_sd"]) == pytest.approx(0.0)
    again = tmp_path / "rep0.8.csv"
    assert main(["--home", str(tmp_path), "import-scores", "rep", str(again), "--replicate"]) == 0
    assert "0 measurements (2 unchanged" in capsys.readouterr().out.replace("stored ", "")
    data = _status(tmp_path, "rep", capsys)
    assert data["rounds"][0]["n_replicated"] == 2
    assert data["rounds"][0]["max_score_sd"] == pytest.approx(0.2)
    # an export sent back unchanged does not collapse the replicates into their mean
    assert main(["--home", str(tmp_path), "import-scores", "rep", str(out)]) == 0
    with _store(tmp_path, "rep") as store:
        assert next(c for c in store.candidates() if c.id == a.id).n_replicates == 3
    # a hand edit replaces all replicates; the history keeps them, with time and source; undo restores
    capsys.readouterr()
    assert main(["--home", str(tmp_path), "edit-score", "rep", str(a.id), "0.95", "--note", "re-measured"]) == 0
    history = capsys.readouterr().out
    assert "import:rep0.4.csv" in history and "edit" in history and "re-measured" in history
    with _store(tmp_path, "rep") as store:
        edited = next(c for c in store.candidates() if c.id == a.id)
        assert (edited.score, edited.n_replicates) == (pytest.approx(0.95), 1)
        assert len(store.measurements(a.id)) == 4
    assert main(["--home", str(tmp_path), "edit-score", "rep", str(a.id), "--undo"]) == 0
    with _store(tmp_path, "rep") as store:
        assert next(c for c in store.candidates() if c.id == a.id).score == pytest.approx(0.8)  # the latest replicate
        assert len(store.measurements(a.id)) == 5  # undo appended too


@pytest.mark.slow
def test_rollback_keeps_measurements_and_the_campaign_finishes(tmp_path, tiny_prior, capsys):
    oracle = tmp_path / "oracle.py"
    oracle.write_text("def score(items):\n    return [len(s) / 40 for s in items]\n")
    _new(tmp_path, "rb", tiny_prior, oracle=f"python:{oracle}:score", rounds="3", batch="6")
    assert main(["--home", str(tmp_path), "run", "rb", "--rounds", "2"]) == 0
    folder = campaign_dir("rb", tmp_path)
    with _store(tmp_path, "rb") as store:
        before = {m.id: m for m in store.measurements()}
        checkpoints = store.checkpoints()
    assert main(["--home", str(tmp_path), "rollback", "rb", "--round", "2"]) == 0
    assert "rolled back round(s) 2" in capsys.readouterr().out
    with _store(tmp_path, "rb") as store:
        assert {m.id: m for m in store.measurements()} == before  # not one measurement lost
        assert store.round(2).status == "proposed" and store.round(2).metrics["rollbacks"] == 1
        assert [c.round for c in store.checkpoints()] == [1, 1]  # round 2's models discarded...
        discarded = [c for c in store.checkpoints(include_discarded=True) if c.round == 2]
        assert len(discarded) == 2 and all(c.path.startswith("checkpoints/discarded/") for c in discarded)
        for c in discarded:  # ...but kept, intact, for inspection
            assert sha256_file(folder / c.path) == c.sha256
        assert store.db.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0] == len(checkpoints)
    assert main(["--home", str(tmp_path), "run", "rb"]) == 0
    data = _status(tmp_path, "rb", capsys)
    assert data["state"] == "finished" and data["rounds"][1]["rollbacks"] == 1
    with _store(tmp_path, "rb") as store:
        assert set(before) <= {m.id for m in store.measurements()}
        assert len(store.candidates(2)) == 6  # refilled to its batch size
        assert [c.round for c in store.checkpoints()][:4] == [1, 1, 2, 2]  # round 2 fitted and fine-tuned anew
    with pytest.raises(Exception, match="round 7 does not exist"):
        with _store(tmp_path, "rb") as store:
            from designer_app.store import rollback

            rollback(store, 7)


def _seq_store(tmp_path, domain, items):
    store = CampaignStore.create(tmp_path / "s", "s", domain, {"name": "s", "domain": domain})
    store.add_round(1, len(items), [NewCandidate(i, _key(domain, i), True) for i in items], None, 0.1)
    return store


def _key(domain, item):
    from designer_app.domains import get_domain

    return get_domain(domain).key(item)


def test_own_dna_candidates_are_canonicalised_keyed_and_encoded(tmp_path):
    store = _seq_store(tmp_path, "dna", ["AACGTTGA", "GGGCCCAT"])
    f = tmp_path / "lab.csv"
    # lower case, the reverse complement of a candidate (the same double-stranded design), and a new one
    f.write_text("sequence,score\naacgttga,0.5\nATGGGCCC,0.6\nTTTTAAAA,0.9\n")
    with pytest.raises(ScoreFileError, match="line 4.*--add-new"):
        apply_scores(store, f)
    assert store.measurements() == []
    encoded = []
    report = apply_scores(
        store, f, add_new=True, encode=lambda items: encoded.extend(items) or [[1.0, 2.0]] * len(items)
    )
    assert (report.stored, report.added_candidates) == (3, 1) and encoded == ["TTTTAAAA"]
    by_item = {c.item: c for c in store.candidates()}
    assert by_item["GGGCCCAT"].score == pytest.approx(0.6)  # matched through its reverse complement
    own = by_item["TTTTAAAA"]
    assert own.source == "user" and own.latent == [1.0, 2.0] and own.score == pytest.approx(0.9)

    class Engine:  # the loop trains the reward model on the user's candidate like on any other
        def encode_items(self, items):
            return [[0.0, 0.0] for _ in items]

    campaign = loop.Campaign(CampaignConfig(name="s"), store, Engine(), oracle=None)
    latents, values = loop.training_data(campaign)
    assert sorted(values) == pytest.approx([0.5, 0.6, 0.9]) and [1.0, 2.0] in latents


def test_own_protein_candidates_from_fasta_and_bad_letters(tmp_path):
    store = _seq_store(tmp_path, "protein", ["MKVLA"])
    good = tmp_path / "own.fasta"
    good.write_text(">id=1 score=0.3\nMKVLA\n>name=mine score=0.8\nMKWWY\n")
    report = apply_scores(store, good, add_new=True)
    assert report.added_candidates == 1 and {c.item for c in store.candidates()} == {"MKVLA", "MKWWY"}
    bad = tmp_path / "bad.fasta"
    bad.write_text(">score=0.1\nMKVLA\n>score=0.2\nMKBZL\n")
    n = len(store.measurements())
    with pytest.raises(ScoreFileError) as err:
        apply_scores(store, bad, add_new=True)
    assert str(err.value).startswith("bad.fasta, record 2 (line 3)") and "'B', 'Z'" in str(err.value)
    assert len(store.measurements()) == n
    report = apply_scores(store, bad, add_new=True, valid_only=True)  # "import valid rows"
    assert report.rejected and report.rejected[0][0] == 2 and report.stored == 1


def test_pending_row_never_hides_a_measured_score(tmp_path):
    store = _seq_store(tmp_path, "dna", ["AACGTTGA"])
    f = tmp_path / "a.csv"
    f.write_text("id,score\n1,0.4\n")
    apply_scores(store, f)
    g = tmp_path / "b.csv"
    g.write_text("id,score,status\n1,,pending\n")
    assert apply_scores(store, g).unchanged == 1
    assert store.candidates()[0].score == pytest.approx(0.4)


def test_a_dna_candidate_stored_under_its_plain_sequence_is_still_found_by_its_reverse_complement(tmp_path):
    store = CampaignStore.create(tmp_path / "p", "p", "dna", {"name": "p", "domain": "dna"})
    store.add_round(1, 1, [NewCandidate("TTGACGTT", "TTGACGTT", True)], None, 0.1)  # key = the item itself
    f = tmp_path / "lab.csv"
    f.write_text("id,sequence,score\n1,AACGTCAA,0.5\n")  # id with the other strand: the same design
    assert apply_scores(store, f).stored == 1
    g = tmp_path / "lab2.csv"
    g.write_text("sequence,score\nAACGTCAA,0.6\n")
    assert apply_scores(store, g).stored == 1 and store.candidates()[0].score == pytest.approx(0.6)
