"""Shipped priors (resources/models/<name>/) and user prior folders."""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_PRIORS = {"molecules": "molecules-moses"}


def resources_dir() -> Path:
    """designer_app/resources inside an installed wheel; the repository's resources/ when running
    from a source checkout or an editable install."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "resources", package.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no resources folder next to {package}; reinstall designer-app")


def shipped_models_dir() -> Path:
    return resources_dir() / "models"


def list_priors() -> list[dict]:
    """Name, domain, folder and the card's first lines of every shipped prior."""
    out = []
    root = shipped_models_dir()
    for folder in sorted(p for p in root.iterdir() if (p / "config.json").exists()) if root.exists() else []:
        cfg = json.loads((folder / "config.json").read_text())
        card = folder / "CARD.md"
        summary = ""
        if card.exists():
            lines = [ln.strip() for ln in card.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
            summary = lines[0] if lines else ""
        out.append({"name": folder.name, "domain": cfg.get("domain", "?"), "path": str(folder), "summary": summary})
    return out


def resolve_prior(spec: str, domain: str) -> Path:
    """A shipped prior name, a folder path, or "" for the domain's default."""
    name = spec or DEFAULT_PRIORS.get(domain, "")
    candidate = Path(name).expanduser()
    if candidate.is_dir() and (candidate / "config.json").exists():
        return candidate.resolve()
    shipped = shipped_models_dir() / name
    if (shipped / "config.json").exists():
        return shipped
    known = ", ".join(p["name"] for p in list_priors()) or "none shipped"
    raise FileNotFoundError(
        f"prior '{name}' not found: give a shipped prior name ({known}) or a folder holding config.json"
    )
