import dataclasses
import json
import math

import pytest

from designer_app import config as config_module
from designer_app import config_migrations
from designer_app.config import (
    SCHEMA_VERSION,
    CampaignConfig,
    ConfigError,
    EvolutionConfig,
    FinetuneConfig,
    RewardConfig,
    SelectionConfig,
)


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
        ({"batch_size": 0}, "batch_size must be at least 1"),
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


# ---- types and ranges of every setting ------------------------------------------------------------------


def settings(dotted: str, value) -> dict:
    """{"name": "x"} plus one setting given as `--set` spells it: "finetune.steps" -> {"finetune": {"steps": v}}."""
    data: dict = {"name": "x"}
    *sections, key = dotted.split(".")
    target = data
    for section in sections:
        target = target.setdefault(section, {})
    target[key] = value
    return data


@pytest.mark.parametrize(
    "dotted, value, message",
    [
        ("rounds", True, "rounds must be an integer (got True)"),
        ("rounds", 2.5, "rounds must be an integer (got 2.5)"),
        ("name", 3, "name must be text (got 3)"),
        ("beta", "high", "beta must be a number (got 'high')"),
        ("optimum", "1", "optimum must be a number or null (got '1')"),
        ("exploit_last", "yes", "exploit_last must be true or false (got 'yes')"),
        ("reward.n_heads", "abc", "reward.n_heads must be an integer (got 'abc')"),
        ("reward.lr", "abc", "reward.lr must be a number (got 'abc')"),
        ("finetune.steps", "abc", "finetune.steps must be an integer (got 'abc')"),
        ("finetune.steps", True, "finetune.steps must be an integer (got True)"),
        ("finetune.max_grad_norm", None, "finetune.max_grad_norm must be a number (got None)"),
        ("evolution.min_parents", False, "evolution.min_parents must be an integer (got False)"),
        ("evolution.noise", [0.1], "evolution.noise must be a number (got [0.1])"),
    ],
)
def test_wrong_types_are_refused_with_the_dotted_field(dotted, value, message):
    with pytest.raises(ConfigError) as info:
        CampaignConfig.from_json(settings(dotted, value))
    assert str(info.value) == message


@pytest.mark.parametrize(
    "dotted, value, message",
    [
        ("seed", -1, "seed must be at least 0"),
        ("sample_steps", 1, "sample_steps must be at least 2"),
        ("top_up", 51, "top_up must be between 0 and 50"),
        ("beta", -0.5, "beta must be >= 0"),
        ("reward.n_heads", 0, "reward.n_heads must be at least 1"),
        ("reward.hidden", 0, "reward.hidden must be at least 1"),
        ("reward.epochs", 0, "reward.epochs must be at least 1"),
        ("reward.lr", 0, "reward.lr must be > 0"),
        ("reward.weight_decay", -1e-3, "reward.weight_decay must be >= 0"),
        ("reward.gram_lambda", 0.0, "reward.gram_lambda must be > 0"),
        ("reward.conv_channels", 0, "reward.conv_channels must be at least 1"),
        ("finetune.steps", -3, r"finetune.steps must be at least 0 \(got -3\); 0 turns fine-tuning off"),
        ("finetune.batch_size", 0, "finetune.batch_size must be at least 1"),
        ("finetune.lr", -1e-3, "finetune.lr must be > 0"),
        ("finetune.grad_steps", 0, "finetune.grad_steps must be at least 1"),
        ("finetune.grad_steps", 26, r"finetune.grad_steps \(26\) must be <= sample_steps \(25\)"),
        ("finetune.min_sigma", -0.1, "finetune.min_sigma must be >= 0"),
        ("finetune.max_grad_norm", 0, "finetune.max_grad_norm must be > 0"),
        ("evolution.kappa", 2, r"evolution.kappa must be between 0 and 1 \(got 2\)"),
        ("evolution.min_parents", 0, "evolution.min_parents must be at least 1"),
        ("evolution.recombination_rate", 1.5, "evolution.recombination_rate must be between 0 and 1"),
        ("evolution.mutation_rate", -0.1, "evolution.mutation_rate must be between 0 and 1"),
        ("evolution.noise", -0.2, "evolution.noise must be >= 0"),
        ("evolution.max_tries", 0, "evolution.max_tries must be at least 1"),
    ],
)
def test_out_of_range_values_are_refused_with_the_dotted_field(dotted, value, message):
    with pytest.raises(ConfigError, match=message):
        CampaignConfig.from_json(settings(dotted, value))


@pytest.mark.parametrize("dotted", ["alpha", "beta", "optimum", "reward.lr", "finetune.min_sigma", "evolution.noise"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**400])
def test_non_finite_numbers_are_refused(dotted, value):
    with pytest.raises(ConfigError, match=f"{dotted} must be a finite number"):
        CampaignConfig.from_json(settings(dotted, value))


def test_every_section_checks_its_fields_when_built_directly():
    """Not only from_json: construction and dataclasses.replace are checked too (the GUI and bench use both)."""
    with pytest.raises(ConfigError, match="reward.n_heads must be an integer"):
        RewardConfig(n_heads=True)
    with pytest.raises(ConfigError, match="finetune.steps must be at least 0"):
        FinetuneConfig(steps=-3)
    with pytest.raises(ConfigError, match="evolution.max_tries must be an integer"):
        EvolutionConfig(max_tries="20")
    with pytest.raises(ConfigError, match="beta must be a finite number"):
        dataclasses.replace(CampaignConfig(name="x"), beta=math.inf)
    with pytest.raises(ConfigError, match="reward must be a RewardConfig section"):
        CampaignConfig(name="x", reward={"n_heads": 3})


def test_whole_numbers_for_float_fields_are_stored_as_floats():
    cfg = CampaignConfig.from_json(
        {"name": "x", "beta": 2, "optimum": 1, "reward": {"lr": 1}, "evolution": {"kappa": 0}}
    )
    for value in (cfg.beta, cfg.optimum, cfg.reward.lr, cfg.evolution.kappa):
        assert type(value) is float
    assert json.loads(json.dumps(cfg.to_json()))["beta"] == 2.0
    assert CampaignConfig(name="x", optimum=None).optimum is None
    assert type(FinetuneConfig(lr=1).lr) is float


def test_json_round_trip_of_a_config_far_from_the_defaults():
    cfg = CampaignConfig(
        name="far",
        domain="dna",
        oracle="tfbind8:SIX6_REF_R1",
        method="ga",
        rounds=7,
        batch_size=3,
        batch_schedule="doubling",
        alpha=0,
        beta=2,
        bonus="ensemble-std",
        exploit_last=True,
        anchor="prior",
        seed=5,
        optimum=0.9,
        sample_steps=10,
        top_up=8,
        workdir="/tmp",
        reward=RewardConfig(n_heads=1, hidden=4, conv_length=8, conv_letters=4, conv_channels=2),
        finetune=FinetuneConfig(steps=0, grad_steps=10, min_sigma=0),
        evolution=EvolutionConfig(kappa=1, recombination_rate=0, mutation_rate=1, noise=0, max_tries=1),
    )
    data = json.loads(json.dumps(cfg.to_json()))
    assert data["schema_version"] == SCHEMA_VERSION
    assert CampaignConfig.from_json(data) == cfg
    assert CampaignConfig.from_json(data).to_json() == data


def test_every_number_setting_has_a_range():
    """A numeric setting added without a Bound would accept any value again; optimum may be any finite score."""
    for cls in (CampaignConfig, RewardConfig, FinetuneConfig, EvolutionConfig):
        for f in dataclasses.fields(cls):
            if f.type in ("int", "float") and f.name != "schema_version":
                assert "bound" in f.metadata, f"{cls.__name__}.{f.name} has no range"


def test_unknown_settings_list_the_valid_keys_of_their_section():
    with pytest.raises(ConfigError) as info:
        CampaignConfig.from_json({"name": "x", "finetune": {"stepz": 3}})
    assert str(info.value) == (
        "unknown FinetuneConfig setting(s): finetune.stepz; "
        "valid: steps, batch_size, lr, grad_steps, min_sigma, max_grad_norm"
    )
    with pytest.raises(ConfigError, match="unknown CampaignConfig setting.*: top_upp; valid: name, domain, "):
        CampaignConfig.from_json({"name": "x", "top_upp": 8})


def test_a_section_given_as_a_value_and_a_missing_name_are_config_errors():
    with pytest.raises(ConfigError, match="finetune must be a section of settings"):
        CampaignConfig.from_json({"name": "x", "finetune": 3})
    with pytest.raises(ConfigError, match="missing setting.*: name"):
        CampaignConfig.from_json({"rounds": 2})
    with pytest.raises(ConfigError, match="JSON object"):
        CampaignConfig.from_json(["name", "x"])


# ---- schema versions and migrations ---------------------------------------------------------------------

# The stored config of tests/fixtures/campaigns_v0_1/old-dna/campaign.db (table `campaign`, column
# config_json), written by Designer 0.1.0 with schema 1.
OLD_DNA_V1 = {
    "name": "old-dna",
    "domain": "dna",
    "oracle": "tfbind8:SIX6_REF_R1",
    "prior": "",
    "method": "seiko-ucb",
    "rounds": 2,
    "batch_size": 8,
    "batch_schedule": "constant",
    "alpha": 0.001,
    "beta": 2.0,
    "bonus": "gram",
    "exploit_last": False,
    "anchor": "previous",
    "seed": 1,
    "optimum": None,
    "sample_steps": 25,
    "top_up": 8,
    "workdir": "/tmp/oldcamp",
    "reward": {
        "n_heads": 5,
        "hidden": 8,
        "epochs": 20,
        "lr": 0.003,
        "weight_decay": 0.001,
        "gram_lambda": 1.0,
        "conv_length": 0,
        "conv_letters": 0,
        "conv_channels": 32,
    },
    "finetune": {"steps": 2, "batch_size": 8, "lr": 0.001, "grad_steps": 5, "min_sigma": 0.05, "max_grad_norm": 1.0},
    "evolution": {
        "kappa": 0.05,
        "min_parents": 8,
        "recombination_rate": 0.5,
        "mutation_rate": 0.0,
        "noise": 0.2,
        "max_tries": 20,
    },
    "schema_version": 1,
}


def test_the_schema_version_was_bumped_and_every_older_version_has_a_step():
    assert SCHEMA_VERSION == 3
    assert CampaignConfig(name="x").to_json()["schema_version"] == SCHEMA_VERSION
    assert all(v in config_migrations.MIGRATIONS for v in range(1, SCHEMA_VERSION))


def test_a_v1_campaign_config_migrates_and_loads_unchanged():
    stored = json.loads(json.dumps(OLD_DNA_V1))
    cfg = CampaignConfig.from_json(stored)
    assert stored == OLD_DNA_V1  # the caller's dict is not changed
    # a campaign from before the pool selection keeps sampling its batch directly (the 2 -> 3 step)
    old_selection = {**dataclasses.asdict(SelectionConfig()), "pool": 1, "diversity": 0.0, "model": "latent"}
    assert (old_selection["distil"], old_selection["local"]) == (0, 0.0)
    expected = {**OLD_DNA_V1, "selection": old_selection, "schema_version": SCHEMA_VERSION}
    assert cfg.to_json() == expected
    assert (cfg.top_up, cfg.workdir, cfg.finetune.steps, cfg.reward.hidden) == (8, "/tmp/oldcamp", 2, 8)


def test_a_v1_config_from_before_the_later_fields_loads_with_the_defaults():
    later = {"exploit_last", "top_up", "workdir", "evolution"}
    first_release = {k: v for k, v in OLD_DNA_V1.items() if k not in later and k != "schema_version"}
    first_release["reward"] = {k: v for k, v in OLD_DNA_V1["reward"].items() if not k.startswith("conv_")}
    cfg = CampaignConfig.from_json(first_release)  # no schema_version: the first format
    defaults = CampaignConfig(name="x")
    assert (cfg.exploit_last, cfg.top_up, cfg.workdir) == (False, 0, "")
    assert cfg.evolution == defaults.evolution
    assert (cfg.reward.conv_length, cfg.reward.conv_letters, cfg.reward.conv_channels) == (0, 0, 32)
    assert cfg.reward.hidden == 8 and cfg.schema_version == SCHEMA_VERSION


def test_the_v1_step_keeps_what_is_stored():
    step = config_migrations.MIGRATIONS[1]
    migrated = step({"name": "x", "top_up": 8, "reward": {"conv_length": 4, "conv_letters": 4}})
    assert migrated["top_up"] == 8 and migrated["reward"]["conv_length"] == 4
    assert migrated["evolution"]["max_tries"] == 20


def test_a_newer_schema_is_refused_before_its_unknown_fields():
    newer = {
        **OLD_DNA_V1,
        "schema_version": SCHEMA_VERSION + 1,
        "shiny_new_setting": 1,
        "finetune": {**OLD_DNA_V1["finetune"], "warmup": 3},
    }
    with pytest.raises(ConfigError) as info:
        CampaignConfig.from_json(newer)
    assert str(info.value) == (
        f"this campaign was written by a newer Designer (config schema {SCHEMA_VERSION + 1} > "
        f"{SCHEMA_VERSION}); upgrade designer-app to open it"
    )


@pytest.mark.parametrize("version", ["2", True, 0, -1, 1.0, None, [1]])
def test_a_damaged_schema_version_is_named(version):
    with pytest.raises(ConfigError, match="schema_version must be a whole number"):
        CampaignConfig.from_json({"name": "x", "schema_version": version})


def test_a_config_object_is_always_of_the_current_schema():
    with pytest.raises(ConfigError, match="schema_version must be 3"):
        CampaignConfig(name="x", schema_version=2)


def test_from_json_applies_the_registered_steps_in_order(monkeypatch):
    """A pretend schema 4 that renamed finetune.steps: a schema 1 dict goes through steps 1, 2 and then 3."""
    calls = []

    def rename_steps(data):
        calls.append(data["schema_version"])
        data["finetune"]["steps"] = data["finetune"].pop("optimiser_steps")
        return data

    monkeypatch.setattr(config_module, "SCHEMA_VERSION", 4)
    monkeypatch.setitem(config_migrations.MIGRATIONS, 3, rename_steps)
    old = {"name": "x", "schema_version": 1, "finetune": {"optimiser_steps": 7}}
    cfg = CampaignConfig.from_json(old)
    assert calls == [3]  # steps 1 and 2 ran first and set version 3
    assert cfg.finetune.steps == 7 and cfg.schema_version == 4 and cfg.top_up == 0


def test_a_missing_step_is_reported(monkeypatch):
    monkeypatch.setattr(config_module, "SCHEMA_VERSION", 4)
    with pytest.raises(ConfigError, match="no migration from config schema 3 to 4"):
        CampaignConfig.from_json({"name": "x", "schema_version": 1})


def test_the_v2_step_keeps_old_campaigns_sampling_their_batch_and_their_top_up():
    step = config_migrations.MIGRATIONS[2]
    migrated = step({"name": "x", "top_up": 0, "schema_version": 2})
    assert (
        migrated["selection"] == {"pool": 1, "diversity": 0.0, "model": "latent", "distil": 0, "local": 0.0}
        and migrated["top_up"] == 0
    )
    kept = step({"name": "x", "top_up": 5, "selection": {"pool": 4}})
    assert (
        kept["selection"] == {"pool": 4, "diversity": 0.0, "model": "latent", "distil": 0, "local": 0.0}
        and kept["top_up"] == 5
    )
    cfg = CampaignConfig.from_json({"name": "x", "schema_version": 2, "top_up": 0})
    assert (cfg.selection.pool, cfg.selection.model, cfg.top_up) == (1, "latent", 0)
    fresh = CampaignConfig(name="x")  # a new campaign: pool selection and top-up on
    assert (fresh.selection.pool, fresh.selection.model, fresh.top_up) == (10, "items", 8)


def test_a_step_cannot_be_registered_twice():
    with pytest.raises(RuntimeError, match="already registered"):
        config_migrations.migration(1)(lambda data: data)


def test_parse_overrides_nests_dotted_keys_and_parses_json_values():
    """The KEY=VALUE rule shared by `--set` (cli._parse_set) and the wizard's advanced settings."""
    assert config_module.parse_overrides(
        ["finetune.steps=20", " reward.n_heads =3", "beta=0.5", "bonus=ensemble-std", "top_up=true", "x.y.z=[1, 2]"],
        lambda i, text: "unused",
    ) == {
        "finetune": {"steps": 20},
        "reward": {"n_heads": 3},
        "beta": 0.5,
        "bonus": "ensemble-std",
        "top_up": True,
        "x": {"y": {"z": [1, 2]}},
    }
    assert config_module.parse_overrides(["oracle=a=b", "name= x "], lambda i, t: "") == {"oracle": "a=b", "name": "x"}
    # the CLI keeps a text value as the shell gave it
    assert config_module.parse_overrides(["name= x "], lambda i, t: "", strip_values=False) == {"name": " x "}
    with pytest.raises(ConfigError, match=r"^item 1: 'steps'$"):
        config_module.parse_overrides(["beta=1", "steps"], lambda i, text: f"item {i}: {text!r}")


def test_cli_parse_set_keeps_its_values_and_message():
    from designer_app.cli import _parse_set

    assert _parse_set(["finetune.steps=3", "beta=0.5", "name= a"]) == {
        "finetune": {"steps": 3},
        "beta": 0.5,
        "name": " a",
    }
    assert _parse_set(None) == {}
    with pytest.raises(ConfigError) as exc:
        _parse_set(["beta=1", "steps"])
    assert str(exc.value) == "--set steps: write KEY=VALUE, e.g. --set finetune.steps=20"
