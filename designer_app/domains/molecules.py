"""The molecule domain: items are canonical SMILES; keys are canonical SMILES; feasibility means RDKit
parses and sanitises the molecule and it has at least two heavy atoms."""

from __future__ import annotations

from designer_app.domains import chemistry

NAME = "molecules"
DEFAULT_PRIOR = "molecules-moses"
EXPORT_FORMATS = ("csv", "sdf")


def canonical_item(text: str) -> tuple[str | None, str]:
    """(canonical SMILES, "") or (None, what is wrong)."""
    text = (text or "").strip()
    if not text:
        return None, "empty SMILES"
    smiles = chemistry.canonical_smiles(text)
    if smiles is None:
        return None, f"'{text}' is not a valid SMILES (RDKit cannot parse or sanitise it)"
    return smiles, ""


def feasibility(item: str | None) -> tuple[bool, str]:
    """Whether a decoded item may be sent to the oracle, and why not."""
    if item is None:
        return False, "decoded to an empty molecule"
    mol = chemistry.mol_from_smiles(item)
    if mol is None:
        return False, "RDKit cannot sanitise the molecule"
    if mol.GetNumHeavyAtoms() < 2:
        return False, "fewer than two heavy atoms"
    return True, ""


def key(item: str | None) -> str:
    return item or ""
