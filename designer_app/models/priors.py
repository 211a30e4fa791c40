"""Shipped priors (resources/models/<name>/) and user prior folders."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from designer_app.atomic import sha256_file
from designer_app.resource_files import shipped_models_dir

# config.json "kind" -> "module:class" with a `load(folder, device)` classmethod
PRIOR_KINDS = {
    "designer-latent-molecules": "designer_app.models.molecules.prior:MoleculePrior",
    "designer-latent-sequences": "designer_app.models.sequences.prior:SequencePrior",
    "designer-pixel-images": "designer_app.models.images.prior:ImagePrior",
}
# A user's own diffusers folder (a saved DDPM pipeline, or a bare UNet2DModel) has no "kind"; the
# image prior knows how to wrap it.
DIFFUSERS_LOADER = "designer_app.models.images.prior:ImagePrior"


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


def _is_prior_folder(folder: Path) -> bool:
    return folder.is_dir() and ((folder / "config.json").exists() or (folder / "model_index.json").exists())


def resolve_prior(spec: str, domain: str, base: str | Path | None = None) -> Path:
    """A shipped prior name, a folder path (ours, or a diffusers model folder; relative to `base`, a
    campaign's `workdir`, when given, else to the current folder), or "" for the domain's default."""
    name = spec or _default_prior(domain)
    shipped = shipped_models_dir() / name
    # A shipped name wins over a same-named folder in the working directory (the default prior must
    # never depend on where the command runs); write ./NAME to mean the folder.
    looks_like_path = any(sep in name for sep in ("/", "\\")) or name.startswith((".", "~"))
    if (shipped / "config.json").exists() and not looks_like_path:
        return shipped
    candidate = Path(name).expanduser()
    if base and not candidate.is_absolute():
        candidate = Path(base) / candidate
    if _is_prior_folder(candidate):
        return candidate.resolve()
    known = ", ".join(p["name"] for p in list_priors()) or "none shipped"
    where = "" if str(candidate.absolute()) == name else f" (looked in {candidate.absolute()})"
    raise FileNotFoundError(
        f"prior '{name}' not found{where}: give a shipped prior name ({known}) or a folder holding config.json"
        " (a diffusers model folder holds model_index.json or a UNet's config.json)"
    )


def _default_prior(domain: str) -> str:
    from designer_app.domains import get_domain

    try:
        return get_domain(domain).default_prior
    except ValueError:
        return ""


def prior_kind(folder: Path) -> str:
    """The folder's prior kind: ours from config.json, "diffusers" for a user's diffusers folder."""
    config = folder / "config.json"
    if config.exists():
        data = json.loads(config.read_text())
        if isinstance(data, dict) and data.get("kind") in PRIOR_KINDS:
            return data["kind"]
    return "diffusers"


def prior_domain(folder: Path) -> str:
    """The domain a prior folder serves ("images" for a diffusers folder)."""
    kind = prior_kind(folder)
    if kind == "diffusers":
        return "images"
    return json.loads((folder / "config.json").read_text()).get("domain", "?")


# the files that hold a prior's weights (ours: model.safetensors; a diffusers folder: any of these)
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")


def weights_fingerprint(folder: str | Path) -> str:
    """sha256 over a prior folder's weight files (relative path and content digest, in path order), so that two
    runs can tell whether they used the same trained prior. Training work folders (`work/`) are left
    out: they hold checkpoints, not the weights a campaign loads."""
    folder = Path(folder)
    digest = hashlib.sha256()
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in WEIGHT_SUFFIXES and "work" not in p.relative_to(folder).parts[:-1]
    )
    if not files:
        raise FileNotFoundError(f"no weight files ({', '.join(WEIGHT_SUFFIXES)}) in {folder}")
    for path in files:  # (relative path, file digest) pairs, so a renamed file changes the fingerprint too
        digest.update(f"{path.relative_to(folder).as_posix()}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def load_prior(folder: str | Path, domain: str, device: str | None = None):
    """Load the prior in `folder` for a campaign of `domain`, checking they match."""
    import importlib

    from designer_app.models.serialization import pick_device

    folder = Path(folder)
    found = prior_domain(folder)
    if found != domain:
        raise ValueError(f"the prior in {folder} is for the '{found}' domain, not '{domain}'; pick a {domain} prior")
    kind = prior_kind(folder)
    module_name, _, cls_name = (PRIOR_KINDS.get(kind) or DIFFUSERS_LOADER).partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls.load(folder, device or pick_device())
