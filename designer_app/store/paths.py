"""Where campaigns live: `<data>/campaigns/<NAME>/`, with `<data>` from --home, DESIGNER_APP_HOME, or
the platform's user data folder (appdirs)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "designer-app"


def data_home(home: str | Path | None = None) -> Path:
    if home:
        return Path(home).expanduser().absolute()
    env = os.environ.get("DESIGNER_APP_HOME")
    if env:
        return Path(env).expanduser().absolute()
    import appdirs

    return Path(appdirs.user_data_dir(APP_NAME, appauthor=False))


def campaigns_dir(home: str | Path | None = None) -> Path:
    return data_home(home) / "campaigns"


def campaign_dir(name: str, home: str | Path | None = None) -> Path:
    if not name or "/" in name or "\\" in name or name in {".", ".."}:
        raise ValueError(f"'{name}' is not a campaign name; use letters, digits, _ . -")
    return campaigns_dir(home) / name
