"""The reward model's ranking of each new batch before it is measured (issue 21's honest figure): the same
number in status --json, the status table, the ScoresRecorded event and the window's campaign summary."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import TINY_SETTINGS

from designer_app import campaigns
from designer_app import events as ev
from designer_app.cli import main
from designer_app.core import metrics

ORACLE = "def score(items):\n    return [len(s) / 40 + s.count('C') / 10 for s in items]\n"


@pytest.fixture
def ranked_campaign(tmp_path, tiny_prior):
    (tmp_path / "oracle.py").write_text(ORACLE)
    args = [
        "--home",
        str(tmp_path),
        "new",
        "rank",
        "--oracle",
        f"python:{tmp_path / 'oracle.py'}:score",
        "--prior",
        str(tiny_prior),
        "--rounds",
        "3",
        "--batch-size",
        "10",
        "--method",
        "greedy",
        *TINY_SETTINGS,
    ]
    assert main(args) == 0
    events = list(campaigns.run("rank", tmp_path))
    return tmp_path, events


def test_status_reports_each_batchs_ranking_as_computed_by_hand(ranked_campaign, capsys):
    home, events = ranked_campaign
    capsys.readouterr()
    assert main(["--home", str(home), "status", "rank", "--json"]) == 0
    rounds = json.loads(capsys.readouterr().out)["rounds"]
    assert rounds[0]["prediction_spearman"] is None  # no reward model before round 1
    assert main(["--home", str(home), "export", "rank", str(home / "all.csv")]) == 0
    rows = list(csv.DictReader((home / "all.csv").open()))
    scored = {r["round"]: [] for r in rows}
    for r in rows:
        if r["predicted_mean"] and r["score"] and not r["duplicate_of"]:
            scored[r["round"]].append((float(r["predicted_mean"]), float(r["score"])))
    for index in (2, 3):
        pairs = scored[str(index)]
        expected = metrics.spearman([p for p, _ in pairs], [y for _, y in pairs])
        assert expected is not None and rounds[index - 1]["prediction_spearman"] == pytest.approx(expected)
        (event,) = [e for e in events if isinstance(e, ev.ScoresRecorded) and e.round == index]
        assert event.spearman == pytest.approx(expected, abs=1e-4)
    assert main(["--home", str(home), "status", "rank"]) == 0
    text = capsys.readouterr().out
    assert "rank_r" in text and "Spearman" in text  # the column and the line that explains it


def test_the_campaign_summary_in_the_window_shows_the_latest_ranking(ranked_campaign):
    pytest.importorskip("PySide6")
    from designer_app.gui.campaign_panel import ranking_text, summary_html
    from designer_app.gui.snapshot import load_snapshot

    home, _ = ranked_campaign
    snap = load_snapshot(home / "campaigns" / "rank")
    rankings = snap.batch_rankings()
    assert [i for i, _ in rankings] == [2, 3]
    html = summary_html(snap.config, snap)
    assert "Reward model ranking" in html and f"Spearman {rankings[-1][1]:.2f} on round 3" in html
    assert (
        ranking_text([(2, 0.31), (3, 0.42)])
        == "Spearman 0.42 on round 3's batch, before it was measured (round 2: 0.31)"
    )
