"""The molecule domain: items are canonical SMILES; keys are canonical SMILES; feasibility means RDKit
parses and sanitises the molecule and it has at least two heavy atoms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from designer_app.domains import chemistry
from designer_app.domains.base import STRUCTURE, Domain


@dataclass(frozen=True)
class MoleculeDomain(Domain):
    """Small molecules as SMILES (RDKit behind designer_app.domains.chemistry, imported lazily)."""

    def canonical_item(self, text: str) -> tuple[str | None, str]:
        """(canonical SMILES, "") or (None, what is wrong)."""
        text = (text or "").strip()
        if not text:
            return None, "empty SMILES"
        smiles = chemistry.canonical_smiles(text)
        if smiles is None:
            return None, f"'{text}' is not a valid SMILES (RDKit cannot parse or sanitise it)"
        return smiles, ""

    def feasibility(self, item: str | None) -> tuple[bool, str]:
        """Whether a decoded item may be sent to the oracle, and why not."""
        if item is None:
            return False, "decoded to an empty molecule"
        mol = chemistry.mol_from_smiles(item)
        if mol is None:
            return False, "RDKit cannot sanitise the molecule"
        if mol.GetNumHeavyAtoms() < 2:
            return False, "fewer than two heavy atoms"
        return True, ""

    def key(self, item: str | None) -> str:
        return item or ""

    def item_features(self, items: Sequence[str]) -> np.ndarray:
        """Morgan count fingerprints, radius 2, 2,048 folded bits (what a Tanimoto-kernel GP reads)."""
        return chemistry.morgan_counts(items)


MOLECULES = MoleculeDomain(
    name="molecules",
    description="small molecules (SMILES), drawn as 2D structures",
    default_prior="molecules-moses",
    export_formats=("csv", "sdf"),
    import_formats=("csv", "sdf"),
    depiction=STRUCTURE,
    pretrainer="designer_app.pretraining.molecules",
    item_label="SMILES",
    order=10,
)
