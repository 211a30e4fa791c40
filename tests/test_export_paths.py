"""Where `export`, `import-scores`, `bench --out` and `pretrain --out` read and write: folders as OUT,
"~", what an image export could not find, OS errors and a closed stdout as messages, and where
`bench --keep-campaigns` keeps its campaigns."""

import csv
import os
import shutil
import subprocess
import sys
import types

import pytest
from conftest import TINY_SETTINGS
from PIL import Image
from sequence_helpers import build_tiny_sequence_prior

from designer_app import campaigns
from designer_app.cli import main
from designer_app.config import CampaignConfig
from designer_app.core.records import NewCandidate
from designer_app.store import CampaignStore, campaign_dir

DNA = ["--domain", "dna", "--oracle", "tfbind8:SIX6_REF_R1"]


@pytest.fixture(scope="module")
def dna_prior(tmp_path_factory):
    return build_tiny_sequence_prior(tmp_path_factory.mktemp("dna") / "dna-prior", domain="dna")


@pytest.fixture(scope="module")
def finished_home(tmp_path_factory, dna_prior):
    """A data home with 'e1', a finished tiny DNA campaign of 2 rounds x 6 (made once, copied per test)."""
    home = tmp_path_factory.mktemp("finished") / "home"
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                "e1",
                *DNA,
                "--prior",
                str(dna_prior),
                "--rounds",
                "2",
                "--batch-size",
                "6",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    assert main(["--home", str(home), "run", "e1"]) == 0
    return home


@pytest.fixture
def home(finished_home, tmp_path):
    return shutil.copytree(finished_home, tmp_path / "home")


@pytest.fixture
def user_home(tmp_path, monkeypatch):
    """$HOME for "~", and an empty current folder in which no literal "~" folder may appear."""
    fake = tmp_path / "fakehome"
    fake.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(fake))
    monkeypatch.chdir(cwd)
    return fake


def _export(home, *args):
    return main(["--home", str(home), "export", "e1", *args])


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


# ---- bug 2: OUT is a folder -----------------------------------------------------------------------
def test_export_into_an_existing_folder_writes_a_default_named_file_and_never_replaces_one(home, tmp_path, capsys):
    folder = tmp_path / "d1"
    folder.mkdir()
    capsys.readouterr()
    assert _export(home, str(folder)) == 0
    assert len(_rows(folder / "e1.csv")) == 12
    assert f"to {folder / 'e1.csv'}" in capsys.readouterr().out  # says where it wrote
    (folder / "e1.csv").write_text("id,score\n1,0.5\n")  # e.g. the lab filled it in
    assert _export(home, str(folder), "--round", "1") == 0
    assert _export(home, str(folder)) == 0
    assert (folder / "e1.csv").read_text() == "id,score\n1,0.5\n"
    assert len(_rows(folder / "e1-2.csv")) == 12 and len(_rows(folder / "e1_round1.csv")) == 6


def test_export_to_the_current_folder(home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _export(home, ".", "--top", "3") == 0
    assert len(_rows(tmp_path / "e1_top3.csv")) == 3


def test_export_to_a_path_ending_in_a_separator_makes_that_folder(home, tmp_path, capsys):
    out = tmp_path / "outdir"
    assert _export(home, str(out) + os.sep, "--format", "fasta", "--round", "2") == 0
    assert out.is_dir() and (out / "e1_round2.fasta").read_text().count(">") == 6
    assert _export(home, str(tmp_path / "other") + "/") == 0
    assert len(_rows(tmp_path / "other" / "e1.csv")) == 12


def test_a_file_path_is_still_a_file(home, tmp_path):
    assert _export(home, str(tmp_path / "plain")) == 0
    assert (tmp_path / "plain").is_file() and len(_rows(tmp_path / "plain")) == 12


def test_os_errors_are_messages_with_status_2(home, tmp_path, capsys):
    (tmp_path / "afile.txt").write_text("x")
    capsys.readouterr()
    assert _export(home, str(tmp_path / "afile.txt" / "x.csv")) == 2  # a file where a folder must be
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "afile.txt" in err and "Traceback" not in err


def test_output_into_a_closed_pipe_is_no_traceback(home):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written, as `status e1 | head -0`
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "designer_app.cli", "--home", str(home), "status", "e1"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == "" and proc.returncode == 141


# ---- bug 3: "~" -------------------------------------------------------------------------------------
def test_tilde_is_expanded_for_export_and_import(home, user_home, capsys):
    assert _export(home, "~/r1.csv", "--round", "1") == 0
    assert len(_rows(user_home / "r1.csv")) == 6
    assert main(["--home", str(home), "import-scores", "e1", "~/r1.csv"]) == 0  # unchanged scores: a no-op
    capsys.readouterr()
    assert main(["--home", str(home), "import-scores", "e1", "~/nothere.csv"]) == 2
    assert f"error: {user_home / 'nothere.csv'}: cannot be read" in capsys.readouterr().err  # the full path
    assert list(os.listdir()) == []  # no folder named "~"


def test_tilde_is_expanded_for_pretrain_out(user_home, monkeypatch):
    from dataclasses import replace

    from designer_app import domains

    seen = []
    fake = types.ModuleType("fake_pretrainer")
    fake.pretrain = lambda request: seen.append(request) or iter(())
    monkeypatch.setitem(sys.modules, "fake_pretrainer", fake)
    real = domains.get_domain
    monkeypatch.setattr(
        domains,
        "get_domain",
        lambda name: replace(real(name), pretrainer="fake_pretrainer") if name == "dna" else real(name),
    )
    assert main(["pretrain", "dna", "--out", "~/prior", "--data", "~/data.whl"]) == 0
    assert seen[0].out == user_home / "prior" and seen[0].data == user_home / "data.whl"


# ---- bugs 3 and 5: bench --out "~", --keep-campaigns --------------------------------------------------
def test_bench_expands_tilde_and_keeps_campaigns_in_out_campaigns(user_home, dna_prior, capsys):
    assert (
        main(
            [
                "bench",
                *DNA,
                "--prior",
                str(dna_prior),
                "--methods",
                "pretrained",
                "--budget",
                "6",
                "--batch-size",
                "6",
                "--seeds",
                "1",
                "--out",
                "~/bout",
                "--keep-campaigns",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    out = user_home / "bout"
    assert (out / "summary.md").exists() and (out / "runs" / "pretrained-s0.json").exists()
    assert (out / "campaigns" / "pretrained-s0" / CampaignStore.DB_NAME).exists()
    assert not (out / "campaigns" / "campaigns").exists()
    assert list(os.listdir()) == []
    capsys.readouterr()
    assert main(["--home", str(out), "status", "pretrained-s0"]) == 0  # the kept campaign opens with --home OUT
    assert "finished" in capsys.readouterr().out


# ---- bug 4: images whose files are gone ----------------------------------------------------------------
def _image_campaign(home):
    """An images campaign with two proposals whose PNGs are in its items/ folder (no model needed)."""
    folder = campaign_dir("im", home)
    cfg = CampaignConfig(name="im", domain="images", oracle="brightness")
    with CampaignStore.create(folder, "im", "images", cfg.to_json()) as store:
        items = []
        for i, name in enumerate(("a.png", "b.png")):
            path = folder / "items" / name
            Image.new("L", (4, 4), 60 * i).save(path)
            items.append(NewCandidate(item=str(path), key=name, feasible=True))
        store.add_round(1, 2, items, None, 0.0)
    return folder


def test_png_export_says_which_images_are_missing(tmp_path, capsys):
    folder = _image_campaign(tmp_path / "h1")
    (folder / "items" / "b.png").unlink()
    capsys.readouterr()
    assert main(["--home", str(tmp_path / "h1"), "export", "im", str(tmp_path / "out"), "--format", "png"]) == 0
    err = capsys.readouterr().err
    assert "1 of 2 images could not be found (candidates 2)" in err and "deleted" in err
    assert len(list((tmp_path / "out").glob("id*.png"))) == 1


def test_png_export_after_the_data_folder_moved_finds_the_images_in_its_items_folder(tmp_path, capsys):
    """Items are recorded as absolute paths; a moved campaign's images are where the campaign is now."""
    _image_campaign(tmp_path / "h1")
    (tmp_path / "h1").rename(tmp_path / "h2")
    with CampaignStore.open(campaign_dir("im", tmp_path / "h2")) as store:
        result = campaigns.export(store, tmp_path / "out", "png")
    assert (result.path, result.count, result.missing, result.warnings) == (tmp_path / "out", 2, (), ())
    assert len(list((tmp_path / "out").glob("id*.png"))) == 2
    rows = (tmp_path / "out" / "candidates.csv").read_text()
    assert str(tmp_path / "h2" / "campaigns" / "im" / "items") in rows and str(tmp_path / "h1") not in rows


def test_png_export_says_which_image_files_are_unreadable(tmp_path):
    folder = _image_campaign(tmp_path / "h1")
    (folder / "items" / "a.png").write_bytes(b"not a png")
    with CampaignStore.open(folder) as store:
        result = campaigns.export(store, tmp_path / "out", "png")
    assert result.missing == (1,) and len(result.warnings) == 1
    assert "1 of 2 image files could not be read as images (candidates 1" in result.warnings[0]


def test_a_moved_images_campaign_reads_its_items_where_it_is_now(tmp_path):
    """Image items are recorded as absolute paths; after a move the store hands out the files in the
    campaign's own items/ folder, so unscored proposals can still be measured."""
    from designer_app.oracles import parse_oracle

    _image_campaign(tmp_path / "h1")
    (tmp_path / "h1").rename(tmp_path / "h2")
    folder = campaign_dir("im", tmp_path / "h2")
    with CampaignStore.open(folder) as store:
        items = [c.item for c in store.candidates()]
    assert items == [str(folder / "items" / "a.png"), str(folder / "items" / "b.png")]
    results = parse_oracle("brightness", domain="images").score(items)
    assert [r.status for r in results] == ["ok", "ok"]
