import pytest

from designer_app.config import CampaignConfig, ConfigError, FinetuneConfig


def test_json_round_trip_keeps_every_field():
    cfg = CampaignConfig(name="demo", method="seiko-ts", alpha=0.5, finetune=FinetuneConfig(steps=7))
    again = CampaignConfig.from_json(cfg.to_json())
    assert again == cfg
    assert again.finetune.steps == 7


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "bad name!"}, "campaign name"),
        ({"method": "magic"}, "method 'magic' is unknown"),
        ({"rounds": 0}, "rounds must be at least 1"),
        ({"batch_size": 0}, "batch size"),
        ({"alpha": -1.0}, "alpha must be >= 0"),
        ({"oracle": " "}, "oracle spec is empty"),
        ({"method": "non-adaptive", "rounds": 1}, "non-adaptive needs at least 2 rounds"),
    ],
)
def test_bad_values_say_what_to_change(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        CampaignConfig(**{"name": "ok", **kwargs})


def test_unknown_setting_is_named():
    with pytest.raises(ConfigError, match="unknown FinetuneConfig setting"):
        CampaignConfig.from_json({"name": "x", "finetune": {"stepz": 3}})


def test_newer_schema_is_refused():
    with pytest.raises(ConfigError, match="newer Designer"):
        CampaignConfig.from_json({"name": "x", "schema_version": 999})


def test_batch_schedules_and_budget():
    assert CampaignConfig(name="a", rounds=3, batch_size=4).batch_sizes() == [4, 4, 4]
    assert CampaignConfig(name="a", rounds=3, batch_size=4, batch_schedule="doubling").batch_sizes() == [4, 8, 16]
    non_adaptive = CampaignConfig(name="a", rounds=4, batch_size=8, method="non-adaptive")
    assert non_adaptive.batch_sizes() == [24, 8]
    assert non_adaptive.budget == CampaignConfig(name="b", rounds=4, batch_size=8).budget == 32
