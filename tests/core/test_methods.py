from designer_app.config import CampaignConfig
from designer_app.core import methods


def plan(method, round_index, **kw):
    return methods.plan(CampaignConfig(name="m", method=method, rounds=3, **kw), round_index)


def test_each_method_uses_its_optimism():
    assert plan("seiko-ucb", 1).acquisition.kind == "ucb-gram"
    assert plan("seiko-ucb", 1, bonus="ensemble-std").acquisition.kind == "ucb-std"
    assert plan("seiko-ucb", 1, beta=2.5).acquisition.beta == 2.5
    assert plan("seiko-bootstrap", 1).acquisition.kind == "max"
    assert plan("seiko-ts", 1).acquisition.kind == "head"
    assert plan("greedy", 1).acquisition.kind == "mean"
    assert plan("non-adaptive", 1).acquisition.kind == "mean"


def test_pretrained_never_fits_or_finetunes():
    p = plan("pretrained", 1)
    assert not p.fit and not p.finetune


def test_last_round_is_fitted_but_not_finetuned():
    assert plan("greedy", 2).finetune and not plan("greedy", 3).finetune
    assert plan("greedy", 3).fit
    # non-adaptive has two rounds whatever K is: prior batch, then the fine-tuned model's batch
    assert plan("non-adaptive", 1).finetune and not plan("non-adaptive", 2).finetune


def test_thompson_head_is_reproducible_and_varies_over_rounds():
    heads = [plan("seiko-ts", r, seed=3).acquisition.head for r in range(1, 4)]
    assert heads == [plan("seiko-ts", r, seed=3).acquisition.head for r in range(1, 4)]
    many = {
        methods.plan(CampaignConfig(name="m", method="seiko-ts", rounds=40), r).acquisition.head for r in range(1, 40)
    }
    assert len(many) > 1 and all(0 <= h < 5 for h in many)


def test_non_adaptive_gets_matched_finetune_compute():
    cfg = CampaignConfig(name="m", method="non-adaptive", rounds=4)
    assert methods.finetune_steps(cfg) == 3 * cfg.finetune.steps
    assert methods.finetune_steps(CampaignConfig(name="m", rounds=4)) == cfg.finetune.steps


def test_ga_samples_the_prior_first_then_evolves_without_finetuning():
    first, later = plan("ga", 1), plan("ga", 2)
    assert not first.evolve and later.evolve
    assert first.fit and later.fit  # fitted for the prediction gap, like every method
    assert not first.finetune and not later.finetune
    assert not any(plan(m, 2).evolve for m in ("seiko-ucb", "greedy", "pretrained", "seiko-ts"))


def test_exploit_last_makes_only_the_last_batch_s_fine_tune_use_the_mean():
    # rounds=3: the fine-tunes after rounds 1 and 2 make the models of batches 2 and 3
    for method, kind in (("seiko-ucb", "ucb-gram"), ("seiko-bootstrap", "max"), ("seiko-ts", "head")):
        assert plan(method, 1, exploit_last=True).acquisition.kind == kind
        last = plan(method, 2, exploit_last=True)
        assert last.finetune and last.acquisition.kind == "mean"
        assert plan(method, 2).acquisition.kind == kind  # off by default
    # the plan follows the campaign's length, so extending a campaign moves the exploiting fine-tune
    longer = methods.plan(CampaignConfig(name="m", rounds=5, exploit_last=True), 2)
    assert longer.acquisition.kind == "ucb-gram"


def test_exploit_last_must_be_a_boolean():
    import pytest

    from designer_app.config import ConfigError

    with pytest.raises(ConfigError, match="exploit_last must be true or false"):
        CampaignConfig(name="m", exploit_last="yes")
