"""Opening a campaign in the window never runs the campaign's oracle code (a folder from a colleague)."""

from conftest import build_tiny_prior

from designer_app import campaigns
from designer_app.config import CampaignConfig
from designer_app.gui.snapshot import load_snapshot


def test_loading_a_snapshot_does_not_import_the_oracle_file(tmp_path):
    marker = tmp_path / "oracle-code-ran"
    oracle = tmp_path / "oracle.py"
    oracle.write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('ran')\n"
        "def score(items):\n    return [0.5 for _ in items]\n"
        "score.optimum = 1.0\n"
    )
    prior = build_tiny_prior(tmp_path / "prior")
    cfg = CampaignConfig(name="c", prior=str(prior), oracle=f"python:{oracle}:score", rounds=2, batch_size=4)
    folder = campaigns.create(cfg, tmp_path / "home")  # creating it may run the code: the user chose it
    marker.unlink(missing_ok=True)

    snapshot = load_snapshot(folder)

    assert not marker.exists()
    assert snapshot.config.oracle == cfg.oracle
    assert snapshot.optimum == 1.0  # found at creation and stored, not by importing the file again
