"""A campaign measures with the oracle and samples from the prior it was created with, wherever it is run
from: relative paths in `--oracle` and `--prior` are resolved against the folder `new` ran in (config
`workdir`), not against the folder of each later `run`."""

import json
import shutil
import sys

from conftest import TINY_SETTINGS

from designer_app.cli import main
from designer_app.store import CampaignStore, campaign_dir

SCORE = "def score(items):\n    return [{value} for _ in items]\n"
COMMAND = """import csv, sys
rows = list(csv.reader(sys.stdin))[1:]
print("id,score")
for row in rows:
    print(f"{{row[0]}},{value}")
"""


def _scores(home, name):
    store = CampaignStore.open(campaign_dir(name, home))
    return {c.score for c in store.candidates() if c.duplicate_of is None}


def _two_folders(tmp_path, monkeypatch, write):
    """`made` (where the campaign is created, with the right oracle file) and `elsewhere` (a same-named
    file that scores differently); the working folder starts in `made`."""
    made, elsewhere = tmp_path / "made", tmp_path / "elsewhere"
    made.mkdir(), elsewhere.mkdir()
    write(made, 0.25)
    write(elsewhere, -100.0)
    monkeypatch.chdir(made)
    return made, elsewhere


def test_a_relative_python_oracle_is_the_one_next_to_new(tmp_path, tiny_prior, monkeypatch):
    made, elsewhere = _two_folders(
        tmp_path, monkeypatch, lambda d, v: (d / "score.py").write_text(SCORE.format(value=v))
    )
    home = tmp_path / "home"
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                "p",
                "--oracle",
                "python:score.py:score",
                "--prior",
                str(tiny_prior),
                "--rounds",
                "1",
                "--batch-size",
                "6",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    assert CampaignStore.open(campaign_dir("p", home)).config()["workdir"] == str(made)
    monkeypatch.chdir(elsewhere)  # its own score.py would give -100
    assert main(["--home", str(home), "run", "p"]) == 0
    assert _scores(home, "p") == {0.25}


def test_a_relative_command_oracle_runs_in_the_folder_of_new(tmp_path, tiny_prior, monkeypatch, capsys):
    made, elsewhere = _two_folders(
        tmp_path, monkeypatch, lambda d, v: (d / "cmd.py").write_text(COMMAND.format(value=v))
    )
    home = tmp_path / "home"
    oracle = f"command:{sys.executable} cmd.py"
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                "c",
                "--oracle",
                oracle,
                "--prior",
                str(tiny_prior),
                "--rounds",
                "2",
                "--batch-size",
                "6",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    monkeypatch.chdir(elsewhere)
    assert main(["--home", str(home), "run", "c", "--rounds", "1"]) == 0
    assert _scores(home, "c") == {0.25}
    # the folder it runs in is gone: a clear refusal instead of a round of failed calls
    shutil.rmtree(made)
    capsys.readouterr()
    assert main(["--home", str(home), "run", "c"]) == 2
    err = capsys.readouterr().err
    assert str(made) in err and "is not on this machine" in err
    assert _scores(home, "c") == {0.25}  # round 1 is kept


def test_a_relative_prior_folder_is_the_one_next_to_new(tmp_path, tiny_prior, monkeypatch, capsys):
    made, elsewhere = tmp_path / "made", tmp_path / "elsewhere"
    made.mkdir(), elsewhere.mkdir()
    shutil.copytree(tiny_prior, made / "myprior")
    monkeypatch.chdir(made)
    home = tmp_path / "home"
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                "r",
                "--oracle",
                "qed",
                "--prior",
                "./myprior",
                "--rounds",
                "1",
                "--batch-size",
                "6",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    monkeypatch.chdir(elsewhere)  # no myprior here
    assert main(["--home", str(home), "run", "r"]) == 0
    capsys.readouterr()
    assert main(["--home", str(home), "status", "r", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "finished"
