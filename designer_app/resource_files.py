"""Where the files shipped with Designer are: the priors, small data tables and icons under resources/.

Neutral ground (imports nothing of designer_app): the oracles read their data tables and the models their
priors through it.
"""

from __future__ import annotations

from pathlib import Path


def resources_dir() -> Path:
    """designer_app/resources inside an installed wheel; the repository's resources/ when running
    from a source checkout or an editable install."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "resources", package.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no resources folder next to {package}; reinstall designer-app")


def shipped_models_dir() -> Path:
    return resources_dir() / "models"
