"""selection.distil: the latent reward model fine-tuning maximises is fitted on the measured labels and on
samples of the model about to be tuned, labelled by the item model's mean."""

from __future__ import annotations

from conftest import TINY_SETTINGS

from designer_app import campaigns
from designer_app.cli import main
from designer_app.core import loop
from designer_app.events import RewardFitted


def _campaign(home, prior, name, distil):
    argv = ["--home", str(home), "new", name, "--oracle", "qed", "--prior", str(prior), "--rounds", "3"]
    argv += ["--batch-size", "6", "--set", f"selection.distil={distil}", *TINY_SETTINGS]
    assert main(argv) == 0
    return campaigns.load(name, home)


def test_fits_before_a_fine_tune_add_the_item_models_labels_of_fresh_samples(tmp_path, tiny_prior):
    campaign = _campaign(tmp_path, tiny_prior, "d", 24)
    fits = [e for e in loop.run(campaign) if isinstance(e, RewardFitted)]
    store = campaign.store
    measured = [
        sum(c.measured_here and c.score is not None for c in store.candidates() if c.round <= r) for r in (1, 2, 3)
    ]
    distilled = [store.round(r).metrics.get("distilled") for r in (1, 2, 3)]
    # rounds 1 and 2 are followed by a fine-tune: their fits read up to 24 extra labelled samples
    assert all(0 < n <= 24 for n in distilled[:2]) and distilled[2] is None  # the last round tunes nothing
    assert [f.n_train for f in fits] == [measured[0] + distilled[0], measured[1] + distilled[1], measured[2]]


def test_without_distillation_the_fit_reads_the_labels_only(tmp_path, tiny_prior):
    campaign = _campaign(tmp_path, tiny_prior, "plain", 0)
    fits = [e for e in loop.run(campaign, max_rounds=1) if isinstance(e, RewardFitted)]
    assert fits[0].n_train == sum(c.measured_here and c.score is not None for c in campaign.store.candidates())
    assert "distilled" not in campaign.store.round(1).metrics
