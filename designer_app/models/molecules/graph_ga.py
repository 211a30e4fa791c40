"""The `graph-ga` baseline: Jensen's graph-based genetic algorithm on RDKit molecular graphs.

J. H. Jensen, "A graph-based genetic algorithm and generative model/Monte Carlo tree search for the
exploration of chemical space", Chem. Sci. 2019, 10, 3567 (GB-GA). The paper evolves molecules by editing
their graphs, not their strings: a child is the crossover of two parents drawn from a mating pool with
probability proportional to their score, and is then mutated with a small probability. We implement the
algorithm from the paper's description, with our own graph editing (no reaction SMARTS):

- crossover: a non-ring cut or a ring cut, 50/50. A non-ring cut breaks one acyclic single bond in each
  parent and joins one fragment of each with a single bond; a ring cut breaks a ring of each parent at two
  bonds one bond apart and joins a two-atom ring piece of one parent to the rest of the other, closing a new
  ring of the size of the ring it replaces;
- mutation: one of seven graph edits with the paper's probabilities (insert atom 15 %, change bond order,
  delete cyclic bond, add ring, delete atom, change atom 14 % each, append atom 15 %) and its element and
  bond-order choices;
- every child is sanitised by RDKit, must be one connected molecule within the size limits and pass a ring
  plausibility filter (no ring larger than `max_ring_size`, no double bond in a 3- or 4-ring, no triple bond
  or allene in a ring), and is returned as a canonical SMILES without stereochemistry.

The operators work on Kekulé graphs whose hydrogens all follow from valence, so that cutting or adding a
bond never leaves a stale explicit hydrogen count: RDKit's sanitisation fills valences with hydrogens and
rejects what cannot be filled, and re-perceives aromaticity. Stereochemistry is dropped (a graph edit can
make a stereo label meaningless, and the oracles of this project do not see it).

Everything random comes from one `random.Random`; no RDKit call here uses randomness, so a seed reproduces
a batch exactly. Unlike the paper, which runs many generations of 20-100 children, our loop calls this once
per round on all measured molecules, so one round is one generation (see `GraphGAConfig.mutation_rate`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from rdkit import Chem, rdBase
from rdkit.Chem.rdchem import Mol, RWMol

BondOrder = Chem.BondType
T = TypeVar("T")

_ORDERS = {1: BondOrder.SINGLE, 2: BondOrder.DOUBLE, 3: BondOrder.TRIPLE}

# The paper's mutation probabilities, in its order.
MUTATIONS: tuple[tuple[str, float], ...] = (
    ("insert_atom", 0.15),
    ("change_bond_order", 0.14),
    ("delete_cyclic_bond", 0.14),
    ("add_ring", 0.14),
    ("delete_atom", 0.14),
    ("change_atom", 0.14),
    ("append_atom", 0.15),
)

# Element choices of the paper: change atom over C, N, O, F, S, Cl, Br (C and N slightly favoured); a new
# atom is bonded by a single, double or triple bond with 60/35/5 %, from the elements that bond fits.
_CHANGE_ELEMENTS = ((6, 0.15), (7, 0.15), (8, 0.14), (9, 0.14), (16, 0.14), (17, 0.14), (35, 0.14))
_BOND_ORDER_WEIGHTS = ((1, 0.60), (2, 0.35), (3, 0.05))
_APPEND_ELEMENTS = {1: (6, 7, 8, 9, 16, 17, 35), 2: (6, 7, 8), 3: (6, 7)}
_INSERT_ELEMENTS = {1: (6, 7, 8, 16), 2: (6, 7), 3: (6,)}
# Change bond order: to single, single to double, triple to double, to triple.
_BOND_CHANGES = (("to_single", 0.45), ("single_to_double", 0.45), ("triple_to_double", 0.05), ("to_triple", 0.05))
# Add ring: a ring of 3, 4, 5 or 6 atoms; drug-like 5- and 6-rings are favoured.
_RING_SIZES = ((3, 0.05), (4, 0.05), (5, 0.45), (6, 0.45))
# Delete atom: by the atom's degree, the four degrees equally likely; its neighbours are reconnected as a
# chain of single bonds so that the graph stays whole.
_DELETE_DEGREES = ((1, 0.25), (2, 0.25), (3, 0.25), (4, 0.25))

# Mating-pool weight of the worst molecule of the population, relative to the best (1 + this): small, so
# selection follows the score, but not zero, so every member can still be drawn.
_WORST_WEIGHT = 0.01

_BAD_RINGS = tuple(Chem.MolFromSmarts(s) for s in ("[r{3-4}]=[r{3-4}]", "[R]#[R]", "[R]=[R]=[R]"))


@dataclass(frozen=True)
class GraphGAConfig:
    """Parameters of the `graph-ga` baseline.

    Attributes:
        population: how many of the best measured molecules form the population the mating pool is drawn
            from (the paper and GuacaMol use populations of 20-100).
        mutation_rate: probability that a child is mutated after crossover. The paper measured 1 % and 50 %
            and GuacaMol uses 1 %, over tens to hundreds of generations; our loop has one generation per
            round and few rounds, so crossover alone explores little beyond recombined fragments of the
            measured molecules. 0.1 lets about one child in ten add atoms, rings or elements the population
            does not have yet, while crossover stays the main operator as in the paper.
        max_heavy_atoms: children with more heavy atoms are rejected. Crossover lets molecules grow; 38
            bounds them just under the paper's ZINC-sized limit (a cap drawn around 39 ± 3.5 heavy atoms)
            and well above the MOSES prior (about 27 at most), so that growth alone cannot win an additive
            score while drug-sized children stay reachable.
        min_heavy_atoms: children with fewer heavy atoms are rejected (fragments such as methanol say
            little about a campaign's property).
        max_tries: attempts per requested child before giving up: duplicates, known molecules and size
            violations use attempts up, and the caller fills what is missing.
        max_ring_size: rings larger than this are rejected. GB-GA rejects macrocycles, which deleting a
            bond of a fused ring system or a ring crossover would otherwise make; 7 (not 6) keeps the
            azepanes and benzodiazepines that the MOSES prior contains.
    """

    population: int = 100
    mutation_rate: float = 0.1
    max_heavy_atoms: int = 38
    min_heavy_atoms: int = 5
    max_tries: int = 10
    max_ring_size: int = 7


_DEFAULT = GraphGAConfig()
# A crossover or mutation whose random edit RDKit rejects is redrawn, up to this many times, before the
# operator gives up: one unlucky cut (a fused ring, an over-filled valence) should not cost a child.
_OPERATOR_TRIES = 10


# ---- RDKit plumbing ------------------------------------------------------------------------------------
@contextmanager
def quiet_rdkit() -> Iterator[None]:
    """Silence RDKit's log while operators try edits that are expected to fail (a valence error per failed
    try would flood the user's log); the previous log state comes back afterwards."""
    block = rdBase.BlockLogs()
    try:
        yield
    finally:
        del block


def _pick(rng: random.Random, weighted: Sequence[tuple[T, float]]) -> T:
    return rng.choices([item for item, _ in weighted], weights=[w for _, w in weighted])[0]


def prepare(mol: Mol) -> Mol | None:
    """A Kekulé copy of `mol` without stereochemistry whose hydrogens all follow from valence, the form
    every operator edits; None if RDKit cannot kekulise it or it has radicals."""
    try:
        work = Chem.RWMol(mol)
        Chem.RemoveStereochemistry(work)
        Chem.Kekulize(work, clearAromaticFlags=True)
        for atom in work.GetAtoms():
            if atom.GetNumRadicalElectrons():
                return None
            atom.SetNoImplicit(False)
            atom.SetNumExplicitHs(0)
            atom.SetIsotope(0)
            atom.SetAtomMapNum(0)
        work.UpdatePropertyCache(strict=False)
        return work.GetMol()
    except Exception:
        return None


def _rings_ok(mol: Mol, max_ring_size: int) -> bool:
    rings = mol.GetRingInfo().AtomRings()
    if rings and max(len(r) for r in rings) > max_ring_size:
        return False
    return not any(mol.HasSubstructMatch(p) for p in _BAD_RINGS)


def _finish(work: RWMol | Mol, cfg: GraphGAConfig) -> Mol | None:
    """The edited graph as a sanitised molecule that survives a SMILES round trip, or None if RDKit
    rejects it, it is not one real molecule, or it breaks the size or ring limits."""
    try:
        mol = work.GetMol() if isinstance(work, RWMol) else Chem.Mol(work)
        Chem.SanitizeMol(mol)
        if len(Chem.GetMolFrags(mol)) != 1 or any(atom.GetAtomicNum() == 0 for atom in mol.GetAtoms()):
            return None  # fell apart, or carries a dummy atom from a query-like parent
        if not cfg.min_heavy_atoms <= mol.GetNumHeavyAtoms() <= cfg.max_heavy_atoms:
            return None
        if not _rings_ok(mol, cfg.max_ring_size):
            return None
        out = Chem.MolFromSmiles(Chem.MolToSmiles(mol))
        return out
    except Exception:
        return None


def _side(mol: Mol, start: int, cut: set[int]) -> list[int]:
    """Atoms reachable from `start` without crossing the bonds in `cut` (sorted, for determinism)."""
    seen = {start}
    stack = [start]
    while stack:
        atom = mol.GetAtomWithIdx(stack.pop())
        for bond in atom.GetBonds():
            if bond.GetIdx() in cut:
                continue
            other = bond.GetOtherAtomIdx(atom.GetIdx())
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return sorted(seen)


def _assemble(
    a: Mol,
    keep_a: Sequence[int],
    b: Mol,
    keep_b: Sequence[int],
    joins: Sequence[tuple[int, int, int]],
    reorder: dict[tuple[int, int], int] | None = None,
) -> RWMol:
    """A new graph of the atoms `keep_a` of `a` and `keep_b` of `b` with the bonds among them, plus the
    bonds `joins` = (atom of a, atom of b, order) between the two fragments; `reorder` gives new orders
    to bonds (i, j), i < j, of `a`."""
    work = Chem.RWMol()
    index: list[dict[int, int]] = [{}, {}]
    for part, (mol, keep) in enumerate(((a, keep_a), (b, keep_b))):
        kept = set(keep)
        for i in keep:
            index[part][i] = work.AddAtom(mol.GetAtomWithIdx(i))
        for bond in mol.GetBonds():
            i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
            if i in kept and j in kept:
                order = (reorder or {}).get((min(i, j), max(i, j))) if part == 0 else None
                work.AddBond(index[part][i], index[part][j], _ORDERS[order] if order else bond.GetBondType())
    for i, j, order in joins:
        work.AddBond(index[0][i], index[1][j], _ORDERS[order])
    return work


def _order(bond: Chem.Bond) -> int:
    return {BondOrder.DOUBLE: 2, BondOrder.TRIPLE: 3}.get(bond.GetBondType(), 1)


# ---- Crossover -------------------------------------------------------------------------------------------
def _non_ring_fragment(mol: Mol, rng: random.Random) -> tuple[list[int], int] | None:
    """Cut one acyclic single bond and keep one side at random: (its atoms, the atom at the cut)."""
    bonds = [b for b in mol.GetBonds() if b.GetBondType() == BondOrder.SINGLE and not b.IsInRing()]
    if not bonds:
        return None
    bond = rng.choice(bonds)
    end = rng.choice((bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()))
    return _side(mol, end, {bond.GetIdx()}), end


RingCut = tuple[tuple[list[int], int, int], tuple[list[int], int, int], tuple[int, int, int]]


def _ring_cut(mol: Mol, rng: random.Random) -> RingCut | None:
    """Cut a ring at two bonds one bond apart (a0-a1 and a2-a3 along the ring) so that the molecule falls
    into two pieces: the piece holding the ring atoms a1-a2 and the rest, holding a0 and a3. Returns
    (piece atoms, a1, a2), (rest atoms, a0, a3) and the orders of the bonds a0-a1, a1-a2 and a2-a3; None
    if no ring of the molecule can be cut so (a cut through a fused ring system leaves the pieces joined)."""
    places = [(ring, i) for ring in mol.GetRingInfo().AtomRings() for i in range(len(ring))]
    rng.shuffle(places)
    for ring, i in places:
        a0, a1, a2, a3 = (ring[(i + k) % len(ring)] for k in range(4))
        first, second = mol.GetBondBetweenAtoms(a0, a1), mol.GetBondBetweenAtoms(a2, a3)
        if first is None or second is None or first.GetIdx() == second.GetIdx():
            continue
        cut = {first.GetIdx(), second.GetIdx()}
        piece = _side(mol, a1, cut)
        if a0 in piece or a2 not in piece:
            continue
        middle = _order(mol.GetBondBetweenAtoms(a1, a2))
        return (piece, a1, a2), (_side(mol, a0, cut), a0, a3), (_order(first), middle, _order(second))
    return None


def _non_ring_crossover(a: Mol, b: Mol, rng: random.Random, cfg: GraphGAConfig) -> Mol | None:
    """Non-ring crossover: a fragment of each parent cut at an acyclic single bond, joined by a single bond."""
    fa, fb = _non_ring_fragment(a, rng), _non_ring_fragment(b, rng)
    if fa is None or fb is None:
        return None
    return _finish(_assemble(a, fa[0], b, fb[0], [(fa[1], fb[1], 1)]), cfg)


def _ring_crossover(a: Mol, b: Mol, rng: random.Random, cfg: GraphGAConfig) -> Mol | None:
    """Ring crossover: the two-atom ring piece of one parent (x) takes the place of the two-atom piece of
    the other (y), so the new ring has the size of the ring it replaces. Bond orders: first y's Kekule
    pattern for the piece and its two new bonds (an aromatic ring of y stays aromatic), then x's orders
    for the new bonds, then single bonds; the first that RDKit accepts is kept."""
    ca, cb = _ring_cut(a, rng), _ring_cut(b, rng)
    if ca is None or cb is None:
        return None
    (x, cx), (y, cy) = ((a, ca), (b, cb)) if rng.random() < 0.5 else ((b, cb), (a, ca))
    (piece, p1, p2), (rest, r1, r2) = cx[0], cy[1]
    y_first, y_middle, y_second = cy[2]
    if rng.random() < 0.5:  # which way round the piece goes into the ring
        r1, r2, y_first, y_second = r2, r1, y_second, y_first
    middle = (min(p1, p2), max(p1, p2))
    options = (
        ((y_first, y_second), {middle: y_middle}),
        ((cx[2][0], cx[2][2]), None),
        ((1, 1), None),
    )
    for (first, second), reorder in options:
        joins = [(p1, r1, first), (p2, r2, second)]
        child = _finish(_assemble(x, piece, y, rest, joins, reorder), cfg)
        if child is not None:
            return child
    return None


def _crossover_prepared(a: Mol, b: Mol, rng: random.Random, cfg: GraphGAConfig) -> Mol | None:
    for _ in range(_OPERATOR_TRIES):
        try:
            op = _ring_crossover if rng.random() < 0.5 else _non_ring_crossover
            child = op(a, b, rng, cfg)
        except Exception:
            child = None
        if child is not None:
            return child
    return None


def crossover(a: Mol, b: Mol, rng: random.Random, cfg: GraphGAConfig = _DEFAULT) -> Mol | None:
    """Jensen's crossover of two molecules: a non-ring or a ring cut (50/50 per try, up to 10 tries), giving
    a sanitised molecule within `cfg`'s size and ring limits, or None."""
    with quiet_rdkit():
        pa, pb = prepare(a), prepare(b)
        if pa is None or pb is None:
            return None
        return _crossover_prepared(pa, pb, rng, cfg)


# ---- Mutation --------------------------------------------------------------------------------------------
def _hs(atom: Chem.Atom) -> int:
    return atom.GetTotalNumHs()


def _new_atom_bond(rng: random.Random, elements: dict[int, tuple[int, ...]]) -> tuple[int, int]:
    """The paper's choice of a new atom: the bond order first (60/35/5 %), then an element that bond fits."""
    order = _pick(rng, _BOND_ORDER_WEIGHTS)
    return order, rng.choice(elements[order])


def _insert_atom(mol: Mol, rng: random.Random) -> RWMol | None:
    """Insert atom: a bond u-v becomes u-X-v (X of C, N, O, S; one of its bonds may be double or triple)."""
    bonds = list(mol.GetBonds())
    if not bonds:
        return None
    bond = rng.choice(bonds)
    order, element = _new_atom_bond(rng, _INSERT_ELEMENTS)
    u, v = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
    if rng.random() < 0.5:
        u, v = v, u
    work = Chem.RWMol(mol)
    work.RemoveBond(u, v)
    x = work.AddAtom(Chem.Atom(element))
    work.AddBond(u, x, _ORDERS[order])
    work.AddBond(x, v, BondOrder.SINGLE)
    return work


def _change_bond_order(mol: Mol, rng: random.Random) -> RWMol | None:
    """Change bond order: a double or triple bond to single, a single bond between atoms with hydrogens to
    double, a triple to double, or a bond whose atoms have the hydrogens to spare to triple."""
    kind = _pick(rng, _BOND_CHANGES)
    bonds = list(mol.GetBonds())
    if kind == "to_single":
        bonds, new = [b for b in bonds if _order(b) > 1], 1
    elif kind == "single_to_double":
        bonds = [b for b in bonds if _order(b) == 1 and min(_hs(b.GetBeginAtom()), _hs(b.GetEndAtom())) >= 1]
        new = 2
    elif kind == "triple_to_double":
        bonds, new = [b for b in bonds if _order(b) == 3], 2
    else:
        bonds = [b for b in bonds if _order(b) < 3 and min(_hs(b.GetBeginAtom()), _hs(b.GetEndAtom())) >= 3 - _order(b)]
        new = 3
    if not bonds:
        return None
    work = Chem.RWMol(mol)
    work.GetBondWithIdx(rng.choice(bonds).GetIdx()).SetBondType(_ORDERS[new])
    return work


def _delete_cyclic_bond(mol: Mol, rng: random.Random) -> RWMol | None:
    """Delete cyclic bond: open a ring (the molecule stays whole because the bond was in a ring)."""
    bonds = [b for b in mol.GetBonds() if b.IsInRing()]
    if not bonds:
        return None
    bond = rng.choice(bonds)
    work = Chem.RWMol(mol)
    work.RemoveBond(bond.GetBeginAtomIdx(), bond.GetEndAtomIdx())
    return work


def _add_ring(mol: Mol, rng: random.Random) -> RWMol | None:
    """Add ring: bond two acyclic atoms with hydrogens that a path of acyclic atoms joins, closing a ring of
    3-6 atoms (5 and 6 favoured)."""
    size = _pick(rng, _RING_SIZES)
    free = [a.GetIdx() for a in mol.GetAtoms() if not a.IsInRing()]
    distances = Chem.GetDistanceMatrix(mol)
    pairs = []
    for n, i in enumerate(free):
        for j in free[n + 1 :]:
            if distances[i][j] != size - 1 or min(_hs(mol.GetAtomWithIdx(i)), _hs(mol.GetAtomWithIdx(j))) < 1:
                continue
            if all(not mol.GetAtomWithIdx(k).IsInRing() for k in Chem.GetShortestPath(mol, i, j)):
                pairs.append((i, j))
    if not pairs:
        return None
    i, j = rng.choice(pairs)
    work = Chem.RWMol(mol)
    work.AddBond(i, j, BondOrder.SINGLE)
    return work


def _delete_atom(mol: Mol, rng: random.Random) -> RWMol | None:
    """Delete atom: remove an atom of a chosen degree and reconnect its neighbours as a chain of single
    bonds, so that the rest of the molecule stays one piece."""
    degree = _pick(rng, _DELETE_DEGREES)
    atoms = [a for a in mol.GetAtoms() if a.GetDegree() == degree]
    if not atoms or mol.GetNumAtoms() < 2:
        return None
    atom = rng.choice(atoms)
    neighbours = [n.GetIdx() for n in atom.GetNeighbors()]
    rng.shuffle(neighbours)
    work = Chem.RWMol(mol)
    for p, q in zip(neighbours, neighbours[1:]):
        if work.GetBondBetweenAtoms(p, q) is None:
            work.AddBond(p, q, BondOrder.SINGLE)
    work.RemoveAtom(atom.GetIdx())
    return work


def _change_atom(mol: Mol, rng: random.Random) -> RWMol | None:
    """Change atom: an atom of element X becomes element Y (X != Y, both drawn from C, N, O, F, S, Cl, Br)."""
    old = _pick(rng, _CHANGE_ELEMENTS)
    new = old
    while new == old:
        new = _pick(rng, _CHANGE_ELEMENTS)
    atoms = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() == old]
    if not atoms:
        return None
    work = Chem.RWMol(mol)
    atom = work.GetAtomWithIdx(rng.choice(atoms))
    atom.SetAtomicNum(new)
    atom.SetFormalCharge(0)
    return work


def _append_atom(mol: Mol, rng: random.Random) -> RWMol | None:
    """Append atom: bond a new atom (single: C, N, O, F, S, Cl, Br; double: C, N, O; triple: C, N) to an
    atom with the hydrogens to replace."""
    order, element = _new_atom_bond(rng, _APPEND_ELEMENTS)
    atoms = [a.GetIdx() for a in mol.GetAtoms() if _hs(a) >= order]
    if not atoms:
        return None
    work = Chem.RWMol(mol)
    x = work.AddAtom(Chem.Atom(element))
    work.AddBond(rng.choice(atoms), x, _ORDERS[order])
    return work


_OPERATIONS: dict[str, Callable[[Mol, random.Random], RWMol | None]] = {
    "insert_atom": _insert_atom,
    "change_bond_order": _change_bond_order,
    "delete_cyclic_bond": _delete_cyclic_bond,
    "add_ring": _add_ring,
    "delete_atom": _delete_atom,
    "change_atom": _change_atom,
    "append_atom": _append_atom,
}


def _mutate_prepared(mol: Mol, rng: random.Random, cfg: GraphGAConfig, operation: str | None = None) -> Mol | None:
    for _ in range(_OPERATOR_TRIES):
        name = operation or _pick(rng, MUTATIONS)
        try:
            edited = _OPERATIONS[name](mol, rng)
            child = _finish(edited, cfg) if edited is not None else None
        except Exception:
            child = None
        if child is not None:
            return child
    return None


def mutate(mol: Mol, rng: random.Random, cfg: GraphGAConfig = _DEFAULT, operation: str | None = None) -> Mol | None:
    """Jensen's mutation: one of the seven graph edits, drawn with the paper's probabilities (or the named
    `operation`, one of `MUTATIONS`), retried up to 10 times; a sanitised molecule within `cfg`'s limits,
    or None."""
    if operation is not None and operation not in _OPERATIONS:
        raise ValueError(f"unknown mutation {operation!r}; expected one of {sorted(_OPERATIONS)}")
    with quiet_rdkit():
        work = prepare(mol)
        return None if work is None else _mutate_prepared(work, rng, cfg, operation)


# ---- The generation ------------------------------------------------------------------------------------
def mating_pool(population: Sequence[tuple[str, float]], k: int, rng: random.Random) -> list[str]:
    """The paper's mating pool: `k` draws with replacement, each member with probability proportional to
    its score. Scores are shifted and scaled so that the worst weighs `_WORST_WEIGHT` and the best
    1 + `_WORST_WEIGHT` (negative scores work; equal scores give a uniform pool)."""
    if not population or k <= 0:
        return []
    scores = [s for _, s in population]
    low, high = min(scores), max(scores)
    span = high - low
    weights = [(s - low) / span + _WORST_WEIGHT if span > 0 else 1.0 for s in scores]
    return rng.choices([m for m, _ in population], weights=weights, k=k)


def _population(
    measured: Sequence[tuple[str, float]], size: int
) -> tuple[list[tuple[str, float]], dict[str, Mol], set[str]]:
    """The `size` best distinct, parseable measured molecules (a replicated molecule counts once, with its
    best score), their prepared graphs by SMILES, and the canonical SMILES of every parseable measured
    molecule (a child that re-creates one is not new, whatever the caller's keys say)."""
    best: dict[str, float] = {}
    for smiles, score in measured:
        if smiles and isinstance(score, int | float) and math.isfinite(score):
            best[smiles] = max(score, best.get(smiles, -math.inf))
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    population: list[tuple[str, float]] = []
    graphs: dict[str, Mol] = {}
    canonical: set[str] = set()
    for smiles, score in ranked:
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            continue
        Chem.RemoveStereochemistry(mol)
        canonical.add(Chem.MolToSmiles(mol))
        work = prepare(mol) if len(population) < size else None
        if work is not None:
            population.append((smiles, score))
            graphs[smiles] = work
    return population, graphs, canonical


def graph_ga_children(
    measured: Sequence[tuple[str, float]],
    n: int,
    known_keys: set[str],
    key: Callable[[str], str],
    seed: int,
    cfg: GraphGAConfig = _DEFAULT,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[str]:
    """Up to `n` new canonical SMILES bred by Graph GA from the measured molecules (SMILES, score).

    Population: the `cfg.population` best measured molecules. Mating pool: as many draws from it as it has
    members, proportional to score. Each child is the crossover of two pool members, mutated with
    probability `cfg.mutation_rate`; it is kept if it is valid, within the size limits, and neither it nor
    its `key` was seen (in `known_keys` or earlier in this batch). Gives up after `n * cfg.max_tries`
    attempts and returns what it has (the caller fills the rest); returns early when `should_stop()`."""
    if n <= 0:
        return []
    rng = random.Random(seed)
    out: list[str] = []
    with quiet_rdkit():
        population, graphs, seen_smiles = _population(measured, cfg.population)
        if not population:
            return []
        pool = mating_pool(population, len(population), rng)
        seen_keys = set(known_keys)
        for _ in range(n * cfg.max_tries):
            if len(out) >= n or should_stop():
                break
            try:
                child = _crossover_prepared(graphs[rng.choice(pool)], graphs[rng.choice(pool)], rng, cfg)
                if child is not None and rng.random() < cfg.mutation_rate:
                    work = prepare(child)
                    child = _mutate_prepared(work, rng, cfg) if work is not None else None
                if child is None:
                    continue
                smiles = Chem.MolToSmiles(child)
                if smiles in seen_smiles:
                    continue
                child_key = key(smiles)
            except Exception:
                continue
            if child_key in seen_keys:
                continue
            seen_smiles.add(smiles)
            seen_keys.add(child_key)
            out.append(smiles)
    return out
