"""Hand edits of scores and their undo: append-only, history kept, undo restores the previous value."""

import sqlite3

import pytest

from designer_app import editing
from designer_app.core.protocols import OracleResult
from designer_app.core.records import NewCandidate
from designer_app.editing import EditError, ScoreEdit, edit_score, edit_scores, parse_score_text, undo_edit
from designer_app.store import CampaignStore


@pytest.fixture
def store(tmp_path):
    s = CampaignStore.create(tmp_path / "c", "c", "molecules", {"name": "c"})
    s.add_round(
        1,
        4,
        [
            NewCandidate("CCO", "CCO", True),
            NewCandidate("CCN", "CCN", True),
            NewCandidate("CCO", "CCO", True),  # duplicate of candidate 1
            NewCandidate(None, "", False, reason="decoding failed"),
        ],
        None,
        0.1,
    )
    yield s
    s.close()


def score(store, cid):
    c = next(c for c in store.candidates() if c.id == cid)
    return c.score, c.score_status


def n_rows(store):
    return store.db.execute("SELECT COUNT(*) FROM measurements").fetchone()[0]


def test_edit_appends_a_row_that_replaces_the_current_one(store):
    first = store.record_measurements([(2, OracleResult(0.2))], "oracle:qed")[0]
    mid = edit_score(store, 2, 0.7, note="re-measured")
    assert score(store, 2) == (pytest.approx(0.7), "ok")
    rows = store.measurements(2)
    assert [r.id for r in rows] == [first, mid]  # history kept
    assert rows[-1].replaces == first and rows[-1].source == editing.EDIT_SOURCE and rows[-1].note == "re-measured"


def test_undo_restores_the_previous_value_by_appending(store):
    store.record_measurements([(2, OracleResult(0.2))], "oracle:qed")
    edit_score(store, 2, 0.7)
    edit_score(store, 2, 0.9)
    before = n_rows(store)
    assert undo_edit(store, 2) is True
    assert score(store, 2) == (pytest.approx(0.7), "ok")
    assert undo_edit(store, 2) is True
    assert score(store, 2) == (pytest.approx(0.2), "ok")
    assert n_rows(store) == before + 2  # undo is itself append-only
    assert undo_edit(store, 2) is False  # the oracle's value is not an edit
    assert score(store, 2) == (pytest.approx(0.2), "ok")


def test_undo_of_first_entry_makes_the_candidate_pending_again(store):
    edit_score(store, 2, 0.5)
    assert score(store, 2) == (pytest.approx(0.5), "ok")
    assert undo_edit(store, 2)
    assert score(store, 2) == (None, "pending")
    assert undo_edit(store, 2) is False


def test_edit_after_undo_and_undo_again(store):
    edit_score(store, 2, 0.5)
    undo_edit(store, 2)
    edit_score(store, 2, 0.6)
    assert score(store, 2) == (pytest.approx(0.6), "ok")
    assert undo_edit(store, 2)
    assert score(store, 2) == (None, "pending")


def test_undo_does_not_clobber_a_later_import(store):
    edit_score(store, 2, 0.5)
    head = store.measurements(2)[-1].id
    store.record_measurements([(2, OracleResult(0.8))], "import:lab.csv", replaces={2: head})
    assert undo_edit(store, 2) is False
    assert score(store, 2) == (pytest.approx(0.8), "ok")


def test_duplicate_edits_go_to_the_original(store):
    edit_score(store, 3, 0.4)  # 3 duplicates 1
    assert store.measurements(3) == []
    assert [r.value for r in store.measurements(1)] == [pytest.approx(0.4)]
    assert score(store, 3) == score(store, 1) == (pytest.approx(0.4), "ok")
    assert undo_edit(store, 3) and score(store, 1) == (None, "pending")


def test_failed_and_pending_edits(store):
    edit_score(store, 1, None, status="failed", note="no synthesis")
    assert score(store, 1) == (None, "failed")
    edit_score(store, 1, None, status="pending")
    assert score(store, 1) == (None, "pending")
    assert [r.status for r in editing.history(store, 1)] == ["failed", "pending"]


@pytest.mark.parametrize(
    "cid, value, status, match",
    [
        (4, 0.5, "ok", "infeasible"),
        (99, 0.5, "ok", "does not exist"),
        (1, None, "ok", "finite number"),
        (1, float("nan"), "ok", "finite number"),
        (1, 0.5, "failed", "carries no score"),
        (1, 0.5, "great", "unknown"),
    ],
)
def test_bad_edits_raise_and_store_nothing(store, cid, value, status, match):
    with pytest.raises(EditError, match=match):
        edit_score(store, cid, value, status)
    assert n_rows(store) == 0


def test_batch_edit_is_one_transaction(store):
    with pytest.raises(EditError):
        edit_scores(store, [ScoreEdit(1, 0.1), ScoreEdit(4, 0.2)])
    assert n_rows(store) == 0
    ids = edit_scores(store, [ScoreEdit(1, 0.1), ScoreEdit(2, 0.2)])
    assert len(ids) == 2 and score(store, 2) == (pytest.approx(0.2), "ok")


def test_two_edits_of_one_original_in_a_batch_last_wins(store):
    ids = edit_scores(store, [ScoreEdit(1, 0.1), ScoreEdit(3, 0.3)])
    assert ids[0] == ids[1]
    assert score(store, 1) == (pytest.approx(0.3), "ok")


def test_store_still_refuses_updates(store):
    edit_score(store, 1, 0.1)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE measurements SET value = 2")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0.5", (0.5, "ok")),
        (" 1,25 ", (1.25, "ok")),
        ("-3e-2", (-0.03, "ok")),
        ("failed", (None, "failed")),
        ("F", (None, "failed")),
        ("", (None, "pending")),
        ("pending", (None, "pending")),
    ],
)
def test_parse_score_text(text, expected):
    value, status = parse_score_text(text)
    assert status == expected[1]
    assert value is None if expected[0] is None else value == pytest.approx(expected[0])


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "1,000.5"])
def test_parse_score_text_rejects(text):
    with pytest.raises(EditError):
        parse_score_text(text)


def test_edit_replaces_every_replicate_and_undo_brings_back_the_latest(store):
    store.record_measurements([(2, OracleResult(0.2))], "import:a.csv")
    store.record_measurements([(2, OracleResult(0.4))], "import:b.csv")  # a replicate
    assert score(store, 2) == (pytest.approx(0.3), "ok")
    edit_score(store, 2, 0.9)
    candidate = next(c for c in store.candidates() if c.id == 2)
    assert (candidate.score, candidate.n_replicates) == (pytest.approx(0.9), 1)  # not averaged with 0.2
    assert undo_edit(store, 2)
    assert score(store, 2) == (pytest.approx(0.4), "ok")
    assert [r.source for r in editing.history(store, 2)] == ["import:a.csv", "import:b.csv", "edit", "undo"]
    assert all(r.created_at for r in editing.history(store, 2))  # every row has its time


def test_a_replicate_imported_after_an_edit_is_not_undone(store):
    edit_score(store, 2, 0.5)
    store.record_measurements([(2, OracleResult(0.7))], "import:c.csv")  # replicate of the edited value
    assert undo_edit(store, 2) is False
    assert score(store, 2) == (pytest.approx(0.6), "ok")
