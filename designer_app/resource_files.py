"""Where the files shipped with Designer are: the priors, small data tables and icons under resources/.

Neutral ground (imports nothing of designer_app): the oracles read their data tables, the models their
priors and the window its icon through it. Three layouts are known: an installed wheel
(designer_app/resources), a source checkout or editable install (the repository's resources/), and the
desktop bundle made by packaging/build.sh, where PyInstaller unpacks everything below `sys._MEIPASS`.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder holding models/, data/ and icons/."""
    package = Path(__file__).resolve().parent
    candidates = [package / "resources", package.parent / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:  # the bundle: resources next to the frozen package
        candidates.insert(0, Path(bundle) / "designer_app" / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"no resources folder next to {package} (looked in {', '.join(str(c) for c in candidates)}); "
        "reinstall designer-app"
    )


def shipped_models_dir() -> Path:
    return resources_dir() / "models"


def icon_path(size: int | None = None) -> Path:
    """The application icon: the SVG, or the PNG of `size` pixels (16 ... 512)."""
    icons = resources_dir() / "icons"
    return icons / ("designer-app.svg" if size is None else f"designer-app-{size}.png")
