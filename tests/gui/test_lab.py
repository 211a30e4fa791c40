"""The lab loop in the window: banner, typed and pasted scores, undo, import with mapping, export."""

from __future__ import annotations

import csv

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit

from designer_app import events as ev
from designer_app.gui.candidates_model import SCORE, STATUS
from designer_app.store import CampaignStore

from .gui_helpers import make_campaign, run_and_wait, wait_snapshot


def awaiting(window, qtbot, home, prior, name="lab"):
    """A manual-oracle campaign whose first round waits for scores."""
    folder = make_campaign(home, prior, name, oracle="manual")
    assert window.open_campaign(folder)
    wait_snapshot(qtbot, window)
    events = run_and_wait(qtbot, window, window.campaign_panel.start_button.click)
    assert isinstance(events[-1], ev.ScoresAwaited)
    wait_snapshot(qtbot, window, lambda s: s.state == "awaiting_scores")
    return folder


def pending_ids(window) -> list[int]:
    return [c.id for c in window.session.snapshot.waiting()]


def score_text(window, cid) -> str:
    model = window.candidates_panel.model
    return model.data(model.index(model.row_of(cid), SCORE))


def type_score(qtbot, window, cid: int, text: str) -> None:
    """Type into the Score cell through the table's real editor, as a user does."""
    panel = window.candidates_panel
    assert panel.select_candidate(cid)
    index = panel.table.currentIndex().siblingAtColumn(SCORE)
    panel.table.setCurrentIndex(index)
    panel.table.edit(index)
    editor = panel.table.findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.table.state() != panel.table.State.EditingState)  # the commit is queued


def test_banner_typed_score_undo_redo(window, qtbot, home, tiny_prior):
    folder = awaiting(window, qtbot, home, tiny_prior)
    panel = window.candidates_panel
    waiting = pending_ids(window)
    assert panel.banner.isVisible() and f"{len(waiting)} of" in panel.banner.label.text()
    assert window.campaign_panel.start_button.text() == "Continue"
    cid = waiting[0]
    type_score(qtbot, window, cid, "0.625")
    wait_snapshot(qtbot, window, lambda s: cid not in [c.id for c in s.waiting()])
    assert score_text(window, cid) == "0.625"
    assert panel.model.status_of(panel.model.row_of(cid)) == "scored"
    assert panel.detail.record.id == cid and panel.detail.history.rowCount() == 1
    with CampaignStore.open(folder) as store:
        rows = store.measurements(cid)
    assert [(r.value, r.source) for r in rows] == [(0.625, "edit")]

    type_score(qtbot, window, cid, "0,75")  # decimal comma, as many spreadsheets write it
    wait_snapshot(qtbot, window, lambda s: next(c for c in s.candidates if c.id == cid).score == 0.75)
    assert panel.detail.history.rowCount() == 2  # history kept

    window.undo_action.trigger()  # Ctrl+Z
    wait_snapshot(qtbot, window, lambda s: next(c for c in s.candidates if c.id == cid).score == 0.625)
    window.undo_action.trigger()
    wait_snapshot(qtbot, window, lambda s: cid in [c.id for c in s.waiting()])
    assert score_text(window, cid) == "…"
    window.redo_action.trigger()
    wait_snapshot(qtbot, window, lambda s: next(c for c in s.candidates if c.id == cid).score == 0.625)
    with CampaignStore.open(folder) as store:
        sources = [r.source for r in store.measurements(cid)]
    assert sources == ["edit", "edit", "undo", "undo", "edit"]  # append-only, every step kept

    type_score(qtbot, window, cid, "abc")
    assert "not a score" in window.statusBar().currentMessage()
    assert score_text(window, cid) == "0.625"


def test_paste_a_column_then_continue(window, qtbot, home, tiny_prior):
    awaiting(window, qtbot, home, tiny_prior)
    panel = window.candidates_panel
    panel.status_filter.setCurrentIndex(panel.status_filter.findData("pending"))
    waiting = pending_ids(window)
    assert panel.proxy.rowCount() == len(waiting)
    panel.table.setCurrentIndex(panel.proxy.index(0, SCORE))
    values = [0.1 * (i + 1) for i in range(len(waiting))]
    QGuiApplication.clipboard().setText("\n".join(f"{v:.1f}\tignored" for v in values) + "\n")
    window.paste_action.trigger()
    snap = wait_snapshot(qtbot, window, lambda s: not s.waiting())
    shown = sorted(waiting)  # the view was sorted by id
    assert [next(c for c in snap.candidates if c.id == i).score for i in shown] == [round(v, 1) for v in values]
    assert "All scores of round 1 are in" in panel.banner.label.text()
    window.undo_action.trigger()  # the paste is one undo step
    snap = wait_snapshot(qtbot, window, lambda s: len(s.waiting()) == len(waiting))
    window.redo_action.trigger()
    wait_snapshot(qtbot, window, lambda s: not s.waiting())
    panel.status_filter.setCurrentIndex(0)
    events = run_and_wait(qtbot, window, panel.banner.continue_button.click)
    kinds = [type(e).__name__ for e in events]
    assert "RewardFitted" in kinds and "RoundFinished" in kinds and kinds[-1] == "ScoresAwaited"
    snap = wait_snapshot(qtbot, window, lambda s: len(s.rounds) == 2)
    assert snap.rounds[0].status == "done" and snap.awaiting_round.index == 2
    assert panel.banner.isVisible() and "Round 2" in panel.banner.label.text()


def test_paste_refuses_bad_input_without_storing(window, qtbot, home, tiny_prior):
    awaiting(window, qtbot, home, tiny_prior)
    panel = window.candidates_panel
    panel.status_filter.setCurrentIndex(panel.status_filter.findData("pending"))
    panel.table.setCurrentIndex(panel.proxy.index(0, SCORE))
    assert panel.paste_scores("0.5\nnot-a-number\n") == 0
    assert "nothing pasted" in window.statusBar().currentMessage()
    assert panel.paste_scores("\n".join(["1"] * 100)) == 0
    assert "do not fit" in window.statusBar().currentMessage()
    assert window.undo_stack.count() == 0 and window.session.store.measurements() == []


def test_import_with_column_mapping_preview(window, qtbot, home, tiny_prior, tmp_path):
    awaiting(window, qtbot, home, tiny_prior)
    waiting = pending_ids(window)
    path = tmp_path / "plate 7.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["well", "cand", "readout", "score"])  # 'score' is NOT the readout here
        for i, cid in enumerate(waiting):
            w.writerow([f"A{i}", cid, f"0,{i + 1}", "999"])
    dialog = window.import_scores(path)
    assert dialog.isVisible() and dialog.preview.rowCount() == len(waiting)
    assert dialog.preview.item(0, 2).text() == "0,1"
    assert dialog.mapping()["score"] == 3 and dialog.mapping()["id"] is None  # the importer's own guess
    dialog.set_mapping("score", None)
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and "scores" in dialog.error.text()  # validated before importing
    dialog.set_mapping("id", "cand")
    dialog.set_mapping("score", "readout")
    dialog.buttons.accepted.emit()
    assert not dialog.isVisible()
    snap = wait_snapshot(qtbot, window, lambda s: not s.waiting())
    by_id = {c.id: c for c in snap.candidates}
    assert [by_id[cid].score for cid in waiting] == [round(0.1 * (i + 1), 1) for i in range(len(waiting))]
    assert "imported plate 7.csv" in window.log_panel.toPlainText()
    sources = {m.source for m in window.session.store.measurements()}
    assert sources == {"import:plate 7.csv"}


def test_import_error_shows_dialog_and_stores_nothing(window, qtbot, home, tiny_prior, tmp_path):
    awaiting(window, qtbot, home, tiny_prior)
    path = tmp_path / "bad.csv"
    path.write_text("id,score\n99999,0.5\n")
    dialog = window.import_scores(path)
    dialog.buttons.accepted.emit()
    assert window.last_error is not None and window.last_error.isVisible()
    assert "99999" in window.last_error.message
    assert window.session.store.measurements() == [] and window.session.is_open
    window.last_error.close()


def test_export_top_candidates(window, qtbot, home, tiny_prior, tmp_path):
    folder = make_campaign(home, tiny_prior, "exp")
    window.open_campaign(folder)
    wait_snapshot(qtbot, window)
    run_and_wait(qtbot, window, window.campaign_panel.step_button.click)
    snap = wait_snapshot(qtbot, window, lambda s: s.rounds and s.rounds[0].status == "done")
    scores = sorted((c.score for c in snap.candidates if c.score is not None and c.duplicate_of is None), reverse=True)
    dialog = window.export_top()
    dialog.top.setValue(3)
    out = tmp_path / "top.csv"
    dialog.path.setText(str(out))
    dialog.accept()
    rows = list(csv.DictReader(out.open()))
    assert [float(r["score"]) for r in rows] == scores[:3]

    dialog = window.export_top()
    dialog.top.setValue(0)  # all...
    dialog.use_min.setChecked(True)  # ...that reach the threshold
    dialog.min_score.setValue(scores[1])
    dialog.format.setCurrentText("sdf")
    assert dialog.path.text().endswith("top.sdf")
    sdf = tmp_path / "best.sdf"
    dialog.path.setText(str(sdf))
    dialog.accept()
    assert sdf.read_text().count("$$$$") == sum(1 for s in scores if s >= scores[1])
    assert "exported" in window.statusBar().currentMessage()

    dialog = window.export_top()
    dialog.use_min.setChecked(True)
    dialog.min_score.setValue(scores[0] + 1)
    dialog._accept()
    assert dialog.isVisible() and "No scored candidate" in dialog.error.text()
    dialog.reject()


def test_filters_and_detail_view(window, qtbot, home, tiny_prior):
    folder = make_campaign(home, tiny_prior, "filt")
    window.open_campaign(folder)
    wait_snapshot(qtbot, window)
    run_and_wait(qtbot, window, window.campaign_panel.start_button.click)
    snap = wait_snapshot(qtbot, window, lambda s: s.state == "finished")
    panel = window.candidates_panel
    assert panel.round_filter.count() == 3  # all, round 1, round 2
    panel.round_filter.setCurrentIndex(panel.round_filter.findData(2))
    assert panel.proxy.rowCount() == sum(1 for c in snap.candidates if c.round == 2)
    assert f"{panel.proxy.rowCount()} of {len(snap.candidates)}" in panel.count.text()
    panel.round_filter.setCurrentIndex(0)
    panel.status_filter.setCurrentIndex(panel.status_filter.findData("duplicate"))
    n_dup = sum(1 for c in snap.candidates if c.duplicate_of is not None)
    assert panel.proxy.rowCount() == n_dup
    panel.status_filter.setCurrentIndex(0)
    panel.table.sortByColumn(SCORE, Qt.SortOrder.DescendingOrder)
    best = max(c.score for c in snap.candidates if c.score is not None)
    top = panel.proxy.candidate_id(0)
    assert next(c for c in snap.candidates if c.id == top).score == best
    panel.table.selectRow(0)
    assert panel.detail.record.id == top and panel.detail.history.rowCount() >= 1
    qtbot.waitUntil(lambda: panel.detail.picture.pixmap() is not None and not panel.detail.picture.pixmap().isNull())
    assert panel.proxy.data(panel.proxy.index(0, STATUS)) in ("scored", "duplicate")


def test_an_incomplete_export_says_what_was_left_out(window, qtbot, home, tiny_prior, tmp_path, monkeypatch):
    from designer_app import campaigns

    folder = make_campaign(home, tiny_prior, "inc")
    window.open_campaign(folder)
    wait_snapshot(qtbot, window)
    left_out = "2 images could not be found (their files are missing); they are in candidates.csv only."
    monkeypatch.setattr(
        campaigns, "export", lambda *args: campaigns.ExportResult(tmp_path / "out", 5, (3, 4), (left_out,))
    )
    dialog = window.export_top()
    dialog.path.setText(str(tmp_path / "out.csv"))
    dialog.accept()
    assert "exported 5 candidates" in window.statusBar().currentMessage()
    assert window.last_error is not None and window.last_error.isVisible()
    assert window.last_error.message == left_out
    window.last_error.close()
