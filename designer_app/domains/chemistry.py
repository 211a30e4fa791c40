"""RDKit chemistry used by the molecule domain, the oracles and the prior's training.

Everything here works on SMILES strings and returns plain Python/NumPy values, so callers never touch
RDKit objects. RDKit is imported lazily: the GUI must open without paying for it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

# Cheap, fast descriptors the prior's auxiliary heads learn to predict from the latent vector, so that
# the latent is organised by the properties a reward model will later need (Gomez-Bombarelli et al. 2018).
DESCRIPTOR_NAMES: tuple[str, ...] = (
    "qed",
    "sa_score",
    "logp",
    "mol_wt",
    "tpsa",
    "h_donors",
    "h_acceptors",
    "rotatable_bonds",
    "rings",
    "aromatic_rings",
    "fraction_csp3",
    "heavy_atoms",
    "heteroatoms",
    "stereo_centers",
)


def mol_from_smiles(smiles: str):
    """A sanitised RDKit molecule, or None when the SMILES does not parse or sanitise."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    if not smiles:
        return None
    mol = Chem.MolFromSmiles(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    return mol


def canonical_smiles(smiles: str) -> str | None:
    """RDKit canonical isomeric SMILES, or None when invalid."""
    from rdkit import Chem

    mol = mol_from_smiles(smiles)
    return None if mol is None else Chem.MolToSmiles(mol)


def smiles_to_selfies(smiles: str) -> str | None:
    import selfies as sf

    try:
        return sf.encoder(smiles)
    except Exception:  # selfies raises EncoderError for unsupported valences and charges
        return None


def selfies_to_smiles(selfies_string: str) -> str | None:
    """Decode SELFIES and canonicalise; None for the empty molecule."""
    import selfies as sf

    try:
        smiles = sf.decoder(selfies_string)
    except Exception:
        return None
    return canonical_smiles(smiles) if smiles else None


@functools.lru_cache(maxsize=1)
def _sascorer():
    from rdkit.Contrib.SA_Score import sascorer  # shipped with the rdkit wheel

    return sascorer


def qed(smiles: str) -> float | None:
    from rdkit.Chem import QED

    mol = mol_from_smiles(smiles)
    return None if mol is None else float(QED.qed(mol))


def sa_score(smiles: str) -> float | None:
    """Ertl & Schuffenhauer synthetic accessibility: 1 (easy) .. 10 (hard)."""
    mol = mol_from_smiles(smiles)
    return None if mol is None else float(_sascorer().calculateScore(mol))


def descriptors(smiles: str) -> list[float] | None:
    """The DESCRIPTOR_NAMES values of one molecule, or None when invalid."""
    from rdkit import Chem
    from rdkit.Chem import QED, Crippen, Descriptors, Lipinski, rdMolDescriptors

    mol = mol_from_smiles(smiles)
    if mol is None:
        return None
    return [
        float(QED.qed(mol)),
        float(_sascorer().calculateScore(mol)),
        float(Crippen.MolLogP(mol)),
        float(Descriptors.MolWt(mol)),
        float(rdMolDescriptors.CalcTPSA(mol)),
        float(Lipinski.NumHDonors(mol)),
        float(Lipinski.NumHAcceptors(mol)),
        float(rdMolDescriptors.CalcNumRotatableBonds(mol)),
        float(rdMolDescriptors.CalcNumRings(mol)),
        float(rdMolDescriptors.CalcNumAromaticRings(mol)),
        float(rdMolDescriptors.CalcFractionCSP3(mol)),
        float(mol.GetNumHeavyAtoms()),
        float(rdMolDescriptors.CalcNumHeteroatoms(mol)),
        float(len(Chem.FindMolChiralCenters(mol, includeUnassigned=True))),
    ]


def descriptor_matrix(smiles_list: Sequence[str]) -> np.ndarray:
    """(N, len(DESCRIPTOR_NAMES)) float32; rows of NaN for invalid molecules."""
    out = np.full((len(smiles_list), len(DESCRIPTOR_NAMES)), np.nan, dtype=np.float32)
    for i, s in enumerate(smiles_list):
        d = descriptors(s)
        if d is not None:
            out[i] = d
    return out


@functools.lru_cache(maxsize=4)
def _morgan_generator(radius: int, size: int):
    from rdkit.Chem import rdFingerprintGenerator

    return rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=size)


def morgan_counts(smiles_list: Sequence[str], radius: int = 2, size: int = 2048) -> np.ndarray:
    """(N, size) float32 Morgan count fingerprints (ECFP4-like at radius 2, folded to `size` bits); a row of
    zeros for an invalid molecule. Counts, not bits: two and three phenyl rings are different molecules."""
    generator = _morgan_generator(radius, size)
    out = np.zeros((len(smiles_list), size), dtype=np.float32)
    for i, smiles in enumerate(smiles_list):
        mol = mol_from_smiles(smiles) if smiles else None
        if mol is not None:
            out[i] = generator.GetCountFingerprintAsNumPy(mol)
    return out


@functools.lru_cache(maxsize=1)
def _pains_catalog():
    from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

    params = FilterCatalogParams()
    params.AddCatalog(FilterCatalogParams.FilterCatalogs.PAINS)
    return FilterCatalog(params)


def passes_medchem_filters(smiles: str) -> bool:
    """Basic medicinal-chemistry filters: no PAINS alert, MW 150..500, logP <= 5, ≤ 10 rotatable bonds,
    no atom outside C N O S F Cl Br H, no charges, no ring larger than 8 (as the MOSES filters do)."""
    from rdkit.Chem import Crippen, Descriptors, rdMolDescriptors

    mol = mol_from_smiles(smiles)
    if mol is None:
        return False
    if any(a.GetSymbol() not in {"C", "N", "O", "S", "F", "Cl", "Br", "H"} for a in mol.GetAtoms()):
        return False
    if any(a.GetFormalCharge() != 0 for a in mol.GetAtoms()):
        return False
    if any(len(r) > 8 for r in mol.GetRingInfo().AtomRings()):
        return False
    if not 150 <= Descriptors.MolWt(mol) <= 500 or Crippen.MolLogP(mol) > 5:
        return False
    if rdMolDescriptors.CalcNumRotatableBonds(mol) > 10:
        return False
    return not _pains_catalog().HasMatch(mol)


def is_finite(value: float | None) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)
