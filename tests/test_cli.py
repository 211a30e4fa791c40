"""The command line as a user scripts it: new, run, status --json, export, import-scores, list."""

import csv
import json

import pytest
from conftest import TINY_SETTINGS

from designer_app.cli import main
from designer_app.store import CampaignStore, campaign_dir


def new(home, name, prior, *extra, oracle="qed", rounds="2", batch="12"):
    args = [
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
        *extra,
    ]
    assert main(args) == 0


def status(home, name, capsys):
    capsys.readouterr()
    assert main(["--home", str(home), "status", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "method", ["seiko-ucb", "seiko-bootstrap", "seiko-ts", "greedy", "non-adaptive", "pretrained", "graph-ga"]
)
def test_every_method_runs_end_to_end(method, tmp_path, tiny_prior, capsys):
    new(tmp_path, "m", tiny_prior, "--method", method, rounds="3", batch="10")
    assert main(["--home", str(tmp_path), "run", "m"]) == 0
    data = status(tmp_path, "m", capsys)
    assert data["state"] == "finished" and data["method"] == method
    # every round measures its full batch of new designs (top-up and selection are on by default)
    assert data["oracle_calls"] == 30 and all(r["n_scored"] - r["n_candidates"] <= 0 for r in data["rounds"])
    measured = [c for c in CampaignStore.open(campaign_dir("m", tmp_path)).candidates() if c.measured_here]
    assert len(measured) == 30 and len({c.key for c in measured}) == 30
    # the methods that select choose rounds 2 and 3 from a pool of 10 x the batch, ranked by the item model
    selects = method not in ("pretrained", "graph-ga")
    for r in data["rounds"][1:]:
        assert (r["selection"].get("pool_size", 0) >= 100) == selects, r["selection"]
        if selects:
            assert r["selection"]["ranking_model"] == "items" and r["n_candidates"] == 10
    assert data["oracle_calls"] == sum(r["n_scored"] for r in data["rounds"]) - _duplicates_scored(tmp_path)
    assert data["regret"] == pytest.approx(data["optimum"] - data["best_so_far"])
    for key in ("index", "status", "n_candidates", "n_scored", "n_feasible", "best", "mean"):
        assert key in data["rounds"][0]
    store = CampaignStore.open(campaign_dir("m", tmp_path))
    kinds = [c.kind for c in store.checkpoints()]
    if method == "pretrained":
        assert kinds == []
        assert all(r["kl_to_prior"] is None for r in data["rounds"])
    else:
        assert "reward" in kinds and ("denoiser" in kinds) == (method != "graph-ga")  # the GA never fine-tunes
        if method != "graph-ga":
            assert data["rounds"][0]["kl_to_prior"] >= 0  # over-optimisation watch is recorded
        later = [r for r in data["rounds"][1:] if r["predicted_mean"] is not None]
        assert later and all(
            r["prediction_gap"] == pytest.approx(r["predicted_mean"] - r["mean"], abs=1e-9) for r in later
        )


def _duplicates_scored(home):
    store = CampaignStore.open(campaign_dir("m", home))
    return sum(1 for c in store.candidates() if c.duplicate_of is not None and c.score_status in ("ok", "failed"))


def test_run_rounds_limits_new_rounds(tmp_path, tiny_prior, capsys):
    new(tmp_path, "r", tiny_prior, rounds="3")
    assert main(["--home", str(tmp_path), "run", "r", "--rounds", "1"]) == 0
    assert [r["status"] for r in status(tmp_path, "r", capsys)["rounds"]] == ["done"]
    assert main(["--home", str(tmp_path), "run", "r"]) == 0
    assert status(tmp_path, "r", capsys)["state"] == "finished"


def test_manual_lab_round_trip(tmp_path, tiny_prior, capsys):
    new(tmp_path, "lab", tiny_prior, oracle="manual")
    assert main(["--home", str(tmp_path), "run", "lab"]) == 0
    data = status(tmp_path, "lab", capsys)
    assert data["state"] == "awaiting_scores" and data["rounds"][0]["status"] == "awaiting_scores"
    # the table shows a dash where nothing is measured yet, never Python's None
    assert main(["--home", str(tmp_path), "status", "lab"]) == 0
    table = capsys.readouterr().out
    assert "None" not in table and "best so far –" in table
    batch = tmp_path / "batch.csv"
    assert main(["--home", str(tmp_path), "export", "lab", str(batch), "--round", "1"]) == 0
    rows = list(csv.DictReader(batch.open()))
    assert {"id", "round", "item", "score", "status", "predicted_mean", "predicted_std", "feasible"} <= set(rows[0])
    # the lab fills in a score for every pending molecule (here: its length)
    for row in rows:
        if row["status"] == "pending":
            row["score"] = str(len(row["item"]) / 100)
    with batch.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["--home", str(tmp_path), "import-scores", "lab", str(batch)]) == 0
    # importing the same file again changes nothing
    n_before = len(CampaignStore.open(campaign_dir("lab", tmp_path)).measurements())
    assert main(["--home", str(tmp_path), "import-scores", "lab", str(batch)]) == 0
    assert len(CampaignStore.open(campaign_dir("lab", tmp_path)).measurements()) == n_before
    assert main(["--home", str(tmp_path), "run", "lab"]) == 0  # fits, fine-tunes, proposes round 2, awaits
    data = status(tmp_path, "lab", capsys)
    assert [r["status"] for r in data["rounds"]] == ["done", "awaiting_scores"]
    kinds = [c.kind for c in CampaignStore.open(campaign_dir("lab", tmp_path)).checkpoints()]
    assert kinds == ["reward", "denoiser"]


def test_malformed_import_writes_nothing_and_names_the_line(tmp_path, tiny_prior, capsys):
    new(tmp_path, "bad", tiny_prior, oracle="manual")
    main(["--home", str(tmp_path), "run", "bad"])
    ids = [c.id for c in CampaignStore.open(campaign_dir("bad", tmp_path)).candidates() if c.feasible]
    bad = tmp_path / "scores.csv"
    bad.write_text(f"id,score\n{ids[0]},0.5\n{ids[1]},abc\n")
    capsys.readouterr()
    assert main(["--home", str(tmp_path), "import-scores", "bad", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "score" in err and "not a number" in err
    assert CampaignStore.open(campaign_dir("bad", tmp_path)).measurements() == []
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("id,score\n999999,0.5\n")
    assert main(["--home", str(tmp_path), "import-scores", "bad", str(unknown)]) == 2
    assert "999999 is not a candidate" in capsys.readouterr().err
    assert CampaignStore.open(campaign_dir("bad", tmp_path)).measurements() == []


def test_import_by_smiles_and_add_new(tmp_path, tiny_prior, capsys):
    new(tmp_path, "s", tiny_prior, oracle="manual")
    main(["--home", str(tmp_path), "run", "s"])
    store = CampaignStore.open(campaign_dir("s", tmp_path))
    first = next(c for c in store.candidates() if c.feasible)
    f = tmp_path / "smiles.csv"
    f.write_text(f"smiles,score,note\n{first.item},0.7,assay A\nOCCN,0.2,our own\n")
    assert main(["--home", str(tmp_path), "import-scores", "s", str(f)]) == 2
    assert "--add-new" in capsys.readouterr().err
    assert main(["--home", str(tmp_path), "import-scores", "s", str(f), "--add-new"]) == 0
    cands = {c.item: c for c in CampaignStore.open(campaign_dir("s", tmp_path)).candidates()}
    assert cands[first.item].score == pytest.approx(0.7)
    assert cands["NCCO"].source == "user" and cands["NCCO"].score == pytest.approx(0.2)


def test_export_top_and_sdf(tmp_path, tiny_prior):
    new(tmp_path, "e", tiny_prior)
    main(["--home", str(tmp_path), "run", "e"])
    out = tmp_path / "top.csv"
    assert main(["--home", str(tmp_path), "export", "e", str(out), "--top", "3"]) == 0
    scores = [float(r["score"]) for r in csv.DictReader(out.open())]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    sdf = tmp_path / "top.sdf"
    assert main(["--home", str(tmp_path), "export", "e", str(sdf), "--top", "3"]) == 0
    assert sdf.read_text().count("$$$$") == 3


def test_errors_are_messages_not_tracebacks(tmp_path, tiny_prior, capsys):
    assert main(["--home", str(tmp_path), "new", "x", "--oracle", "qde", "--prior", str(tiny_prior)]) == 2
    assert "qed" in capsys.readouterr().err  # suggests the right name
    assert main(["--home", str(tmp_path), "new", "x", "--oracle", "qed", "--prior", str(tmp_path / "nope")]) == 2
    assert "prior" in capsys.readouterr().err
    assert main(["--home", str(tmp_path), "status", "missing"]) == 2
    assert "no campaign named 'missing'" in capsys.readouterr().err
    new(tmp_path, "dup", tiny_prior)
    assert main(["--home", str(tmp_path), "new", "dup", "--oracle", "qed", "--prior", str(tiny_prior)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_an_empty_home_is_refused_not_replaced_by_the_user_data_folder(home, tiny_prior, capsys):
    assert main(["--home", "", "new", "e", "--oracle", "qed", "--prior", str(tiny_prior)]) == 2
    assert "--home is empty" in capsys.readouterr().err
    assert not (home / "campaigns" / "e").exists()


def test_home_from_environment(home, tiny_prior):
    assert main(["new", "env", "--oracle", "qed", "--prior", str(tiny_prior), *TINY_SETTINGS]) == 0
    assert (home / "campaigns" / "env" / "campaign.db").exists()


def test_a_relative_home_runs_fits_and_fine_tunes(tmp_path, tiny_prior, monkeypatch, capsys):
    # `--home data` names the checkpoint files relative to the working folder; they used to be joined to
    # the campaign folder a second time, so the first reward fit failed with "No such file or directory"
    monkeypatch.chdir(tmp_path)
    new("data", "rel", tiny_prior)
    assert main(["--home", "data", "run", "rel"]) == 0
    assert status("data", "rel", capsys)["state"] == "finished"
    kinds = [c.kind for c in CampaignStore.open(tmp_path / "data" / "campaigns" / "rel").checkpoints()]
    assert kinds.count("reward") == 2 and kinds.count("denoiser") == 1


def test_top_up_option_of_new(tmp_path, tiny_prior):
    from designer_app.config import TOP_UP_PASSES

    new(tmp_path, "plain", tiny_prior)
    new(tmp_path, "default-passes", tiny_prior, "--top-up")
    new(tmp_path, "three", tiny_prior, "--top-up", "3")
    new(tmp_path, "off", tiny_prior, "--top-up", "0")
    names = ("plain", "default-passes", "three", "off")
    passes = [CampaignStore.open(campaign_dir(n, tmp_path)).config()["top_up"] for n in names]
    assert passes == [TOP_UP_PASSES, TOP_UP_PASSES, 3, 0]  # on by default for new campaigns
    assert (
        main(["--home", str(tmp_path), "new", "bad", "--oracle", "qed", "--prior", str(tiny_prior), "--top-up", "99"])
        == 2
    )


def test_exploit_last_option_of_new(tmp_path, tiny_prior):
    new(tmp_path, "plain", tiny_prior)
    new(tmp_path, "exploits", tiny_prior, "--exploit-last")
    new(tmp_path, "by-set", tiny_prior, "--set", "exploit_last=true")
    flags = [
        CampaignStore.open(campaign_dir(n, tmp_path)).config()["exploit_last"] for n in ("plain", "exploits", "by-set")
    ]
    assert flags == [False, True, True]
    assert (
        main(
            [
                "--home",
                str(tmp_path),
                "new",
                "bad",
                "--oracle",
                "qed",
                "--prior",
                str(tiny_prior),
                "--set",
                "exploit_last=2",
            ]
        )
        == 2
    )


def test_list_commands(capsys):
    for what in ("methods", "oracles", "priors"):
        assert main(["list", what]) == 0
    out = capsys.readouterr().out
    assert "seiko-ucb" in out and "qed" in out
