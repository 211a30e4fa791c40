"""Upgrades of stored campaign configurations: one registered step per config schema version.

A campaign keeps the configuration it was created with (as JSON in its database), so a newer Designer
must read every older format. Each step upgrades a plain dict from one version to the next and is
registered in MIGRATIONS under the version it upgrades *from*; `CampaignConfig.from_json` applies the
steps in order, from the file's version up to `config.SCHEMA_VERSION`, before it builds the dataclasses.

Rules for a new step (when a field is renamed, removed, or gets a default that would change what an
existing campaign does): bump `SCHEMA_VERSION` in config.py, write the step here with the literal values
it needs (never the dataclass defaults of the day: they may change later, the step must not), and keep
every older step. This module imports nothing from designer_app: config.py, the lowest layer, imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Migration = Callable[[dict[str, Any]], dict[str, Any]]
"""A step: takes the dict of version N (a private copy it may change) and returns the dict of N + 1."""

MIGRATIONS: dict[int, Migration] = {}
"""Version a step upgrades from -> the step. Read by `CampaignConfig.from_json`."""


def migration(from_version: int) -> Callable[[Migration], Migration]:
    """Register the decorated function as the step from `from_version` to `from_version + 1`.

    Two steps from the same version would make the upgrade depend on import order, so that is refused.
    """

    def register(step: Migration) -> Migration:
        if from_version in MIGRATIONS:
            raise RuntimeError(f"a config migration from schema {from_version} is already registered")
        MIGRATIONS[from_version] = step
        return step

    return register


# Fields added to schema 1 without a version bump, with the value that reproduces what a campaign written
# before the field existed did (all equal to the defaults of schema 2's first release).
_V1_LATER_FIELDS: dict[str, Any] = {"exploit_last": False, "top_up": 0, "workdir": ""}
_V1_LATER_SECTION_FIELDS: dict[str, dict[str, Any]] = {
    "reward": {"conv_length": 0, "conv_letters": 0, "conv_channels": 32},
    "evolution": {
        "kappa": 0.05,
        "min_parents": 8,
        "recombination_rate": 0.5,
        "mutation_rate": 0.0,
        "noise": 0.2,
        "max_tries": 20,
    },
}


@migration(1)
def _schema_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 grew `exploit_last`, `top_up`, `workdir`, `reward.conv_*` and the `evolution` section
    after its first release; a file written before one of them existed simply lacks it. Write down the
    values those files meant (off / MLP heads / the `ga` defaults) so they keep meaning the same whatever
    later defaults become. Values already present are kept; a section that is not a dict is left for
    validation to report."""
    for key, value in _V1_LATER_FIELDS.items():
        data.setdefault(key, value)
    for section, values in _V1_LATER_SECTION_FIELDS.items():
        settings = data.setdefault(section, {})
        if isinstance(settings, dict):
            for key, value in values.items():
                settings.setdefault(key, value)
    return data


@migration(2)
def _schema_2_to_3(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 3 added the `selection` section (a pool of samples and a choice from it) and turned top-up
    on by default. A schema 2 campaign sampled its batch directly and ranked with the latent model, so it
    gets pool 1, no diversity penalty and the latent model; its stored top_up is kept as it is (schema 2
    files always store it)."""
    settings = data.setdefault("selection", {})
    if isinstance(settings, dict):
        settings.setdefault("pool", 1)
        settings.setdefault("diversity", 0.0)
        settings.setdefault("model", "latent")
        settings.setdefault("distil", 0)
        settings.setdefault("local", 0.0)
    data.setdefault("top_up", 0)
    return data
