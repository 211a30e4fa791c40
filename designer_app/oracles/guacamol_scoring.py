"""Building blocks of the GuacaMol goal-directed objectives (Brown et al. 2019, J. Chem. Inf. Model. 59, 1096).

Every GuacaMol objective is made the same way: a few raw quantities of a molecule (a fingerprint similarity to
a fixed target, an RDKit descriptor, an element count, the presence of a SMARTS pattern) are each mapped into
[0, 1] by a *modifier* that encodes the wish ("TPSA at least 90", "about two aromatic rings", "similarity up to
0.8 is enough"), and the parts are combined by a geometric or arithmetic mean. This module holds those pieces,
each a small frozen dataclass (hashable, with a readable repr, so a task's definition can be printed and
compared) or a plain function; oracles/guacamol.py assembles them into the published tasks.

Scores take a sanitised RDKit molecule; parsing SMILES and deciding what is invalid is the oracle's job.
RDKit is imported inside the functions, as `designer_app.domains.chemistry` does, so importing this module
stays cheap. Anything derived from a fixed target (its fingerprint, its descriptor value, a compiled SMARTS,
a parsed formula) is computed once per process and cached.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# An RDKit molecule (rdkit.Chem.Mol); typed loosely because RDKit is imported lazily.
Mol = Any
# A part of an objective: molecule -> score in [0, 1] (or a raw quantity, before its modifier).
MolScore = Callable[[Mol], float]
Modifier = Callable[[float], float]

# ----------------------------------------------------------------------------------------------------
# Fingerprints

ECFP4 = "ECFP4"
ECFP6 = "ECFP6"
FCFP4 = "FCFP4"
ATOM_PAIRS = "AP"
PHARMACOPHORE = "PHCO"
FINGERPRINT_KINDS: tuple[str, ...] = (ECFP4, ECFP6, FCFP4, ATOM_PAIRS, PHARMACOPHORE)


@functools.cache
def _count_generator(kind: str) -> Any:
    """The RDKit generator behind a count fingerprint kind, built once (generators are reusable)."""
    from rdkit.Chem import rdFingerprintGenerator as gen

    if kind == ECFP4:
        return gen.GetMorganGenerator(radius=2)
    if kind == ECFP6:
        return gen.GetMorganGenerator(radius=3)
    if kind == FCFP4:
        return gen.GetMorganGenerator(radius=2, atomInvariantsGenerator=gen.GetMorganFeatureAtomInvGen())
    if kind == ATOM_PAIRS:
        return gen.GetAtomPairGenerator(maxDistance=10)
    raise ValueError(f"unknown fingerprint kind {kind!r}; use one of {', '.join(FINGERPRINT_KINDS)}")


def fingerprint(mol: Mol, kind: str) -> Any:
    """The fingerprint GuacaMol compares molecules with.

    GuacaMol's ECFP/FCFP and atom-pair fingerprints are *unfolded counts* (RDKit's sparse int vectors, not
    2048-bit vectors), so Tanimoto is sum(min) / (sum a + sum b - sum(min)) over feature counts and no two
    features collide. ECFP4/ECFP6 are Morgan radius 2/3 with the default atom invariants, FCFP4 is Morgan
    radius 2 on pharmacophoric feature invariants, AP is atom pairs up to 10 bonds apart. PHCO is the Gobbi &
    Poppinger 2D pharmacophore bit fingerprint, the one GuacaMol's scaffold- and decoration-hop tasks use.
    """
    if kind == PHARMACOPHORE:
        from rdkit.Chem.Pharm2D import Generate, Gobbi_Pharm2D

        return Generate.Gen2DFingerprint(mol, Gobbi_Pharm2D.factory)
    return _count_generator(kind).GetSparseCountFingerprint(mol)


def parse_target(smiles: str) -> Mol:
    """A fixed target's molecule; a target that does not parse is a bug in the task table, so it raises."""
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"GuacaMol target {smiles!r} is not a valid molecule")
    return mol


@functools.cache
def target_fingerprint(smiles: str, kind: str) -> Any:
    """The fingerprint of a fixed target, computed once per process: every scored molecule is compared to it."""
    return fingerprint(parse_target(smiles), kind)


def tanimoto(a: Any, b: Any) -> float:
    """Tanimoto similarity of two fingerprints of the same kind (counts or bits), in [0, 1]."""
    from rdkit import DataStructs

    return float(DataStructs.TanimotoSimilarity(a, b))


# ----------------------------------------------------------------------------------------------------
# Modifiers: raw quantity -> desirability in [0, 1]


@dataclass(frozen=True)
class Gaussian:
    """exp(-((x - mu) / sigma)^2 / 2): 1 at the wanted value mu, falling off symmetrically ("about mu")."""

    mu: float
    sigma: float

    def __call__(self, x: float) -> float:
        return math.exp(-0.5 * ((x - self.mu) / self.sigma) ** 2)


@dataclass(frozen=True)
class MinGaussian:
    """1 for x <= mu, the right half of Gaussian(mu, sigma) above it: "at most mu", softly."""

    mu: float
    sigma: float

    def __call__(self, x: float) -> float:
        return Gaussian(self.mu, self.sigma)(max(x, self.mu))


@dataclass(frozen=True)
class MaxGaussian:
    """1 for x >= mu, the left half of Gaussian(mu, sigma) below it: "at least mu", softly."""

    mu: float
    sigma: float

    def __call__(self, x: float) -> float:
        return Gaussian(self.mu, self.sigma)(min(x, self.mu))


@dataclass(frozen=True)
class ClippedLinear:
    """A straight line from 0 at `lower_x` to 1 at `upper_x`, clipped to [0, 1].

    With lower_x = 0 this is GuacaMol's "thresholded" similarity min(x, upper_x) / upper_x: once a molecule
    is similar enough (upper_x) more similarity earns nothing, which leaves room for the other parts.
    """

    upper_x: float
    lower_x: float = 0.0

    def __post_init__(self) -> None:
        if self.upper_x == self.lower_x:
            raise ValueError("ClippedLinear needs upper_x != lower_x")

    def __call__(self, x: float) -> float:
        y = (x - self.lower_x) / (self.upper_x - self.lower_x)
        return min(1.0, max(0.0, y))


def _apply(modifier: Modifier | None, x: float) -> float:
    return float(x) if modifier is None else float(modifier(float(x)))


# ----------------------------------------------------------------------------------------------------
# Descriptors (named functions, so that task definitions print readably)


def logp(mol: Mol) -> float:
    """Crippen logP (the value of RDKit's Descriptors.MolLogP)."""
    from rdkit.Chem import rdMolDescriptors

    return float(rdMolDescriptors.CalcCrippenDescriptors(mol)[0])


def tpsa(mol: Mol) -> float:
    """Topological polar surface area (RDKit CalcTPSA, as Descriptors.TPSA)."""
    from rdkit.Chem import rdMolDescriptors

    return float(rdMolDescriptors.CalcTPSA(mol))


def bertz(mol: Mol) -> float:
    """Bertz CT graph complexity (RDKit BertzCT)."""
    from rdkit.Chem import Descriptors

    return float(Descriptors.BertzCT(mol))


def num_rings(mol: Mol) -> float:
    """Number of SSSR rings (RDKit CalcNumRings)."""
    from rdkit.Chem import rdMolDescriptors

    return float(rdMolDescriptors.CalcNumRings(mol))


def num_aromatic_rings(mol: Mol) -> float:
    """Number of aromatic rings (RDKit CalcNumAromaticRings)."""
    from rdkit.Chem import rdMolDescriptors

    return float(rdMolDescriptors.CalcNumAromaticRings(mol))


def element_counts(mol: Mol) -> Counter[str]:
    """Atoms per element symbol, implicit hydrogens included (isotopes count as their element)."""
    from rdkit import Chem

    return Counter(atom.GetSymbol() for atom in Chem.AddHs(mol).GetAtoms())


@dataclass(frozen=True)
class AtomCount:
    """Number of atoms of one element, hydrogens included when element is "H"."""

    element: str

    def __call__(self, mol: Mol) -> float:
        return float(element_counts(mol)[self.element])


# ----------------------------------------------------------------------------------------------------
# Parts of an objective: molecule -> [0, 1]


@dataclass(frozen=True)
class Similarity:
    """Tanimoto similarity to a fixed target molecule, optionally through a modifier."""

    target: str
    kind: str = ECFP4
    modifier: Modifier | None = None

    def __call__(self, mol: Mol) -> float:
        return _apply(self.modifier, tanimoto(fingerprint(mol, self.kind), target_fingerprint(self.target, self.kind)))


@dataclass(frozen=True)
class Property:
    """A descriptor through a modifier ("TPSA at least 90" = Property(tpsa, MaxGaussian(90, 10)))."""

    descriptor: Callable[[Mol], float]
    modifier: Modifier

    def __call__(self, mol: Mol) -> float:
        return _apply(self.modifier, self.descriptor(mol))


@functools.cache
def target_property(descriptor: Callable[[Mol], float], smiles: str) -> float:
    """A descriptor of a fixed target, computed once per process."""
    return float(descriptor(parse_target(smiles)))


@dataclass(frozen=True)
class PropertyLike:
    """Gaussian(descriptor of `target`, sigma): "the same logP as sitagliptin". GuacaMol defines these centres
    as RDKit's value for the target itself rather than as a printed number, so that is what we compute."""

    descriptor: Callable[[Mol], float]
    target: str
    sigma: float

    def __call__(self, mol: Mol) -> float:
        return Gaussian(target_property(self.descriptor, self.target), self.sigma)(self.descriptor(mol))


@functools.cache
def compiled_smarts(smarts: str) -> Mol:
    from rdkit import Chem

    pattern = Chem.MolFromSmarts(smarts)
    if pattern is None:
        raise ValueError(f"GuacaMol SMARTS {smarts!r} does not parse")
    return pattern


@dataclass(frozen=True)
class Substructure:
    """1 when the SMARTS matches the molecule, else 0; `present=False` inverts it (a pattern to avoid)."""

    smarts: str
    present: bool = True

    def __call__(self, mol: Mol) -> float:
        found = bool(mol.HasSubstructMatch(compiled_smarts(self.smarts)))
        return 1.0 if found == self.present else 0.0


_FORMULA_TERM = re.compile(r"([A-Z][a-z]?)(\d*)")


@functools.cache
def parse_formula(formula: str) -> tuple[tuple[str, int], ...]:
    """`C9H10N2O2PF2Cl` -> (("C", 9), ("H", 10), ("N", 2), ("O", 2), ("P", 1), ("F", 2), ("Cl", 1)).

    A repeated element is summed; anything but element symbols and counts is refused."""
    counts: dict[str, int] = {}
    position = 0
    for match in _FORMULA_TERM.finditer(formula):
        if match.start() != position:
            break
        element, digits = match.groups()
        counts[element] = counts.get(element, 0) + (int(digits) if digits else 1)
        position = match.end()
    if position != len(formula) or not counts:
        raise ValueError(f"{formula!r} is not a molecular formula like C11H24 or C9H10N2O2PF2Cl")
    return tuple(counts.items())


@dataclass(frozen=True)
class Isomer:
    """Closeness to a molecular formula, GuacaMol's isomer score.

    One part per element of the formula, Gaussian(mu = its count in the formula, sigma = 1) of the molecule's
    count of that element, plus one part Gaussian(mu = total atoms of the formula, sigma = 2) of the molecule's
    total atom count (hydrogens included). The total-count part is what penalises elements that are not in
    the formula at all. The parts are combined by the geometric mean (GuacaMol v2's default), or the
    arithmetic mean (its v1 suite) with `geometric=False`.
    """

    formula: str
    geometric: bool = True

    def parts(self, mol: Mol) -> list[float]:
        wanted = parse_formula(self.formula)
        counts = element_counts(mol)
        parts = [Gaussian(n, 1.0)(counts[element]) for element, n in wanted]
        parts.append(Gaussian(sum(n for _, n in wanted), 2.0)(sum(counts.values())))
        return parts

    def __call__(self, mol: Mol) -> float:
        parts = self.parts(mol)
        return geometric_mean(parts) if self.geometric else arithmetic_mean(parts)


# ----------------------------------------------------------------------------------------------------
# Combining parts


def geometric_mean(values: Sequence[float]) -> float:
    """(prod values)^(1/n): one part at 0 sinks the whole objective, so every wish must be met a little."""
    if not values:
        raise ValueError("geometric_mean of no values")
    return float(math.prod(values) ** (1.0 / len(values)))


def arithmetic_mean(values: Sequence[float]) -> float:
    """sum(values) / n: parts trade off against each other (used where a part is a 0/1 SMARTS test)."""
    if not values:
        raise ValueError("arithmetic_mean of no values")
    return float(sum(values) / len(values))


@dataclass(frozen=True)
class GeometricMean:
    """The geometric mean of several parts of an objective."""

    parts: tuple[MolScore, ...]

    def __call__(self, mol: Mol) -> float:
        return geometric_mean([part(mol) for part in self.parts])


@dataclass(frozen=True)
class ArithmeticMean:
    """The arithmetic mean of several parts of an objective."""

    parts: tuple[MolScore, ...]

    def __call__(self, mol: Mol) -> float:
        return arithmetic_mean([part(mol) for part in self.parts])
