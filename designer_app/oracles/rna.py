"""`rna-mfe` and `rna-structure:<TARGET>`: built-in RNA oracles computed with ViennaRNA.

Items are RNA sequences over A, C, G, U (upper case, as the rna domain writes them). Both oracles fold
each item with `RNA.fold` (minimum free energy, Turner 2004 parameters at 37 °C, ViennaRNA's defaults):

* `rna-mfe` scores -MFE / length in kcal/mol per nucleotide: more stable folds score higher, and the
  division lets sequences of different lengths compare. No optimum is known.
* `rna-structure:<TARGET>` scores how well the MFE structure matches a target dot-bracket structure
  (1.0 exactly when they are equal, the optimum). TARGET is a preset name (see `PRESETS`) or a
  dot-bracket string.

`RNA` is imported only when an oracle is built, so that importing this module (the window, the CLI's
`list`) stays fast and works without ViennaRNA installed. Folding a 32-mer takes well under a millisecond,
so scoring runs in-process, without a worker pool.

`RNA_MFE` and `RNA_STRUCTURE` describe the two kinds for the oracle registry (entry-point group
`designer_app.oracles`, the same route third-party plug-ins take).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType

from designer_app.core.protocols import OK, Oracle, OracleResult
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.kinds import OracleKind, OracleRequest, plain_kind
from designer_app.oracles.results import describe_exception, failed

DOMAIN = "rna"
ALPHABET = "ACGU"
MFE_KIND = "rna-mfe"
STRUCTURE_KIND = "rna-structure"
# ViennaRNA forbids hairpin loops of fewer than 3 unpaired bases, so a pair (i, j) needs j - i >= 4.
MIN_HAIRPIN = 3

# Preset targets of length 32. Each one was checked to be designable: tests/oracles/test_rna.py holds
# a sequence (found with RNA.inverse_fold) whose MFE structure is exactly the preset.
PRESETS: dict[str, str] = {
    # one long stem of 12 pairs closed by a tetraloop
    "hairpin32": "..((((((((((((....))))))))))))..",
    # two 5-pair stems with tetraloops, side by side
    "double-hairpin32": ".(((((....)))))..(((((....))))).",
    # a three-way junction: an outer 3-pair stem enclosing two 4-pair hairpins with triloops
    "multiloop32": "(((.((((...))))..((((...)))).)))",
}


# ---------------------------------------------------------------------------------------------------
# ViennaRNA, imported lazily


def import_vienna() -> ModuleType:
    """The `RNA` module; OracleSpecError telling how to install it when it is missing (build time)."""
    try:
        import RNA  # type: ignore[import-untyped]  # no stubs shipped
    except ImportError as exc:
        raise OracleSpecError(
            f"the rna oracles need ViennaRNA's Python module `RNA`, which cannot be imported ({exc}); "
            "pip install viennarna"
        ) from None
    return RNA


def fold(rna: ModuleType, sequence: str) -> tuple[str, float]:
    """(MFE structure, MFE in kcal/mol) of `sequence`.

    ViennaRNA computes energies as whole dcal/mol and hands them back as a float32 (-4.9 comes back as
    -4.900000095...); rounding to 0.01 kcal/mol returns the exact energy it computed.
    """
    structure, mfe = rna.fold(sequence)
    return str(structure), round(float(mfe), 2)


# ---------------------------------------------------------------------------------------------------
# Items and targets


def sequence_problem(item: object) -> str:
    """Why `item` is not an RNA sequence over ACGU ("" when it is one).

    T is refused rather than read as U: a DNA sequence sent to an RNA oracle is most likely a mistake
    (wrong domain, wrong file), and scoring it silently would hide that.
    """
    if not isinstance(item, str):
        return f"an RNA sequence must be a string, got {type(item).__name__}"
    if not item:
        return "the sequence is empty"
    bad = sorted(set(item) - set(ALPHABET))
    if bad:
        hint = " (RNA has U where DNA has T)" if "T" in bad else ""
        hint += " (write upper case)" if any(b.islower() for b in bad) else ""
        return f"{_preview(item)} contains {', '.join(repr(b) for b in bad)}; only A, C, G, U are allowed{hint}"
    return ""


def base_pairs(structure: str) -> set[tuple[int, int]]:
    """The pairs (i, j), 0-based with i < j, of a dot-bracket structure; ValueError naming the position
    (1-based) of the first problem: another letter, an unmatched bracket, or a hairpin loop shorter
    than MIN_HAIRPIN."""
    open_positions: list[int] = []
    pairs: set[tuple[int, int]] = set()
    for j, char in enumerate(structure):
        if char == "(":
            open_positions.append(j)
        elif char == ")":
            if not open_positions:
                raise ValueError(f"')' at position {j + 1} closes no '('")
            i = open_positions.pop()
            if j - i - 1 < MIN_HAIRPIN:
                raise ValueError(
                    f"the pair of positions {i + 1} and {j + 1} encloses {j - i - 1} unpaired bases; a hairpin "
                    f"loop needs at least {MIN_HAIRPIN} (ViennaRNA cannot fold tighter ones)"
                )
            pairs.add((i, j))
        elif char != ".":
            raise ValueError(f"{char!r} at position {j + 1}; a dot-bracket target has only '(', ')' and '.'")
    if open_positions:
        raise ValueError(f"'(' at position {open_positions[-1] + 1} is never closed")
    return pairs


def parse_target(body: str) -> str:
    """The dot-bracket target named or written in `body` (preset names are case-insensitive).

    Raises:
        OracleSpecError: not a preset and not a valid dot-bracket structure with at least one pair.
    """
    text = body.strip()
    preset = PRESETS.get(text.lower())
    if preset is not None:
        return preset
    try:
        pairs = base_pairs(text)
    except ValueError as exc:
        raise OracleSpecError(f"{STRUCTURE_KIND} target {_preview(text)}: {exc}. {_target_help()}") from None
    if not pairs:
        raise OracleSpecError(
            f"{STRUCTURE_KIND} target {_preview(text)} has no base pair, so there is nothing to design. "
            f"{_target_help()}"
        )
    return text


def pair_f1(folded: str, target: str) -> float:
    """1 - bp_distance(folded, target) / (pairs in target + pairs in folded).

    bp_distance counts the pairs in one structure and not the other (the symmetric difference), so it
    is at most the total number of pairs and the score lies in [0, 1]. It equals 2·|shared| / (|target| +
    |folded|), the F1 score of the folded pairs against the target's: 1.0 exactly when the structures
    are equal, 0.0 when they share no pair, and it penalises missing and extra pairs alike (a normalisation
    by the target's pairs alone would let an over-paired fold go negative). `target` must have a pair.
    """
    target_pairs = base_pairs(target)
    folded_pairs = base_pairs(folded)
    distance = len(target_pairs ^ folded_pairs)
    return 1.0 - distance / (len(target_pairs) + len(folded_pairs))


# ---------------------------------------------------------------------------------------------------
# Oracles


class RnaMfeOracle:
    """-MFE / length (kcal/mol per nucleotide) of RNA sequences; maximised, no known optimum."""

    is_manual = False

    def __init__(self, *, name: str = MFE_KIND) -> None:
        self.name: str = name
        self.optimum: float | None = None
        self._rna = import_vienna()  # at build time, so a missing ViennaRNA fails at spec time

    def __repr__(self) -> str:
        return f"RnaMfeOracle(name={self.name!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        return [_guarded(self._score_one, item) for item in items]

    def _score_one(self, item: str) -> OracleResult:
        problem = sequence_problem(item)
        if problem:
            return OracleResult(value=None, status=OK, note=f"infeasible: {problem}")
        structure, mfe = fold(self._rna, item)
        return OracleResult(value=-mfe / len(item) + 0.0, status=OK, note=f"MFE {mfe:.2f} kcal/mol {structure}")


class RnaStructureOracle:
    """How well the MFE structure of an RNA sequence matches a target structure (`pair_f1`); optimum 1.0.

    Args:
        target: a valid dot-bracket structure with at least one pair (see `parse_target`).
        name: the spec this oracle was made from.
    """

    is_manual = False

    def __init__(self, target: str, *, name: str | None = None) -> None:
        self.target: str = parse_target(target)
        self.name: str = name or f"{STRUCTURE_KIND}:{self.target}"
        self.optimum: float | None = 1.0
        self._rna = import_vienna()

    def __repr__(self) -> str:
        return f"RnaStructureOracle(name={self.name!r}, target={self.target!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        return [_guarded(self._score_one, item) for item in items]

    def _score_one(self, item: str) -> OracleResult:
        problem = sequence_problem(item)
        if not problem and len(item) != len(self.target):
            problem = f"the sequence has {len(item)} nucleotides but the target structure has {len(self.target)}"
        if problem:
            return OracleResult(value=None, status=OK, note=f"infeasible: {problem}")
        structure, _ = fold(self._rna, item)
        return OracleResult(value=pair_f1(structure, self.target), status=OK, note=f"folds to {structure}")


def _guarded(score_one: Callable[[str], OracleResult], item: str) -> OracleResult:
    """`score_one(item)`, with any exception (from ViennaRNA or a bug of ours) as a failed result, so that
    one bad item never takes the batch down."""
    try:
        return score_one(item)
    except Exception as exc:
        return failed(f"ViennaRNA could not score {_preview(item)}: {describe_exception(exc)}")


# ---------------------------------------------------------------------------------------------------
# Registration


def build_structure(request: OracleRequest) -> Oracle:
    """`rna-structure:<TARGET>`, TARGET a preset name or a dot-bracket string."""
    if request.body is None or not request.body.strip():
        raise OracleSpecError(f"{request.spec!r} must name a target structure. {_target_help()}")
    return RnaStructureOracle(request.body, name=request.spec)


def _target_help() -> str:
    return (
        f"Write {STRUCTURE_KIND}:<TARGET> with TARGET one of {', '.join(PRESETS)} or a dot-bracket string "
        f"of '(', ')' and '.', e.g. {STRUCTURE_KIND}:{PRESETS['hairpin32']}"
    )


def _preview(value: object, limit: int = 60) -> str:
    """A short repr for messages; works on anything, since it also describes items that are not strings."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


RNA_MFE = plain_kind(
    MFE_KIND,
    (DOMAIN,),
    "RNA stability: -MFE / length in kcal/mol per nucleotide (ViennaRNA, 37 °C), no known optimum",
    lambda spec: RnaMfeOracle(name=spec),
    order=40,
)

RNA_STRUCTURE = OracleKind(
    name=STRUCTURE_KIND,
    domains=(DOMAIN,),
    forms=(
        (
            f"{STRUCTURE_KIND}:<TARGET>",
            "RNA folding to a target: base-pair F1 of the ViennaRNA MFE structure against TARGET, optimum "
            f"1.0; TARGET = {', '.join(PRESETS)} or a dot-bracket string",
        ),
    ),
    build=build_structure,
    example=f"{STRUCTURE_KIND}:hairpin32",
    order=41,
)
