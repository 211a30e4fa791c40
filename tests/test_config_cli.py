"""`designer-app new` refuses wrong settings with the field named as the user typed it, before anything
is created (no half-made campaign folder to clean up)."""

import pytest

from designer_app.cli import main
from designer_app.store import campaign_dir

NEW_DNA = ["new", "c", "--domain", "dna", "--oracle", "tfbind8:SIX6_REF_R1"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--set", "finetune.steps=abc"], "finetune.steps must be an integer (got 'abc')"),
        (["--set", "reward.lr=abc"], "reward.lr must be a number (got 'abc')"),
        (["--set", "finetune.steps=-3"], "finetune.steps must be at least 0 (got -3)"),
        (["--set", "finetune.steps=2.5"], "finetune.steps must be an integer (got 2.5)"),
        (["--set", "reward.n_heads=true"], "reward.n_heads must be an integer (got True)"),
        (["--set", "evolution.recombination_rate=2"], "evolution.recombination_rate must be between 0 and 1"),
        (["--set", "beta=NaN"], "beta must be a finite number (got nan)"),
        (["--beta", "inf"], "beta must be a finite number (got inf)"),
        (["--set", "finetune.stepz=3"], "unknown FinetuneConfig setting(s): finetune.stepz; valid: steps,"),
        (["--set", "finetune=3"], "finetune must be a section of settings"),
        (["--seed", "-1"], "seed must be at least 0 (got -1)"),
    ],
)
def test_new_refuses_a_bad_setting_and_creates_nothing(home, capsys, extra, message):
    code = main([*NEW_DNA, *extra])
    err = capsys.readouterr().err
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert not campaign_dir("c", home).exists()


def test_a_good_setting_next_to_them_is_accepted(home, capsys):
    """The control: the same command with a valid value makes the campaign, with the value stored."""
    assert main([*NEW_DNA, "--set", "finetune.steps=0", "--set", "reward.lr=1", "--beta", "3"]) == 0
    from designer_app.config import CampaignConfig
    from designer_app.store import CampaignStore

    with CampaignStore.open_for_reading(campaign_dir("c", home)) as store:
        cfg = CampaignConfig.from_json(store.config())
    assert (cfg.finetune.steps, cfg.reward.lr, cfg.beta) == (0, 1.0, 3.0)
