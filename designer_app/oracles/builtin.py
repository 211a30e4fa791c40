"""Built-in molecule oracles: RDKit QED, synthetic accessibility, and their MPO-style mean.

All built-ins are maximised and score canonical SMILES. An invalid SMILES is *infeasible* (status ok,
value None, note "invalid molecule"), not a failed measurement: the molecule simply does not exist.
RDKit stays behind `designer_app.domains.chemistry`, which imports it lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from designer_app.core.protocols import OK, OracleResult
from designer_app.domains import chemistry
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.kinds import OracleKind, OracleRequest, plain_kind
from designer_app.oracles.results import describe_exception, failed

INVALID_NOTE = "invalid molecule"
MPO_PREFIX = "mpo:"


@dataclass(frozen=True)
class BuiltinScore:
    """One built-in per-molecule score.

    Attributes:
        name: the spec word (`qed`, `sa`).
        description: one line for `designer-app list oracles`.
        optimum: best attainable value (enables regret), or None when unknown.
        fn: SMILES -> score, None for an invalid molecule.
    """

    name: str
    description: str
    optimum: float | None
    fn: Callable[[str], float | None]


def _sa_mapped(smiles: str) -> float | None:
    # The raw SA score runs 1 (easy) .. 10 (hard); (10 - SA) / 9 makes it a maximised score in [0, 1]
    # that can be averaged with QED in an MPO without flipping signs.
    raw = chemistry.sa_score(smiles)
    return None if raw is None else (10.0 - raw) / 9.0


BUILTIN_SCORES: dict[str, BuiltinScore] = {
    "qed": BuiltinScore(
        name="qed",
        description="RDKit QED drug-likeness, 0..1 (best known ≈ 0.948)",
        # 0.948 is the highest QED reported for real molecules (GuacaMol / ZINC), the usual regret target.
        optimum=0.948,
        fn=chemistry.qed,
    ),
    "sa": BuiltinScore(
        name="sa",
        description="RDKit synthetic accessibility mapped to (10 - SA) / 9, 0..1, higher = easier",
        optimum=1.0,
        fn=_sa_mapped,
    ),
}


def parse_mpo_parts(body: str) -> list[str]:
    """`qed+sa` -> ["qed", "sa"]; raises ValueError naming the unknown part and the valid names."""
    parts = [p.strip().lower() for p in body.split("+")]
    if not parts or any(not p for p in parts):
        raise ValueError(f"'mpo:{body}' has an empty part; write built-in names joined by '+', e.g. mpo:qed+sa")
    unknown = [p for p in parts if p not in BUILTIN_SCORES]
    if unknown:
        raise ValueError(
            f"'mpo:{body}' uses unknown score(s) {', '.join(repr(u) for u in unknown)}; "
            f"MPO parts must be built-in names: {', '.join(sorted(BUILTIN_SCORES))} (e.g. mpo:qed+sa)"
        )
    return parts


class BuiltinOracle:
    """Scores molecules with one built-in score, or the mean of several (MPO).

    Args:
        parts: built-in names; one name is a plain oracle, several are averaged (repeats weight a part).
        name: the spec this oracle was made from; defaults to the part name or `mpo:a+b`.
    """

    is_manual = False

    def __init__(self, parts: Sequence[str], *, name: str | None = None) -> None:
        if not parts:
            raise ValueError("BuiltinOracle needs at least one built-in score name")
        unknown = [p for p in parts if p not in BUILTIN_SCORES]
        if unknown:
            raise ValueError(f"unknown built-in score(s) {unknown}; known: {sorted(BUILTIN_SCORES)}")
        self.parts: tuple[str, ...] = tuple(parts)
        self.name: str = name or (parts[0] if len(parts) == 1 else MPO_PREFIX + "+".join(parts))
        # A mean of parts could in principle reach the mean of their optima only if one molecule
        # maximises all parts at once, which is rarely true: an MPO has no known optimum.
        self.optimum: float | None = BUILTIN_SCORES[parts[0]].optimum if len(parts) == 1 else None

    def __repr__(self) -> str:
        return f"BuiltinOracle(name={self.name!r}, optimum={self.optimum!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        return [self._score_one(item) for item in items]

    def _score_one(self, item: str) -> OracleResult:
        if not isinstance(item, str) or not item:
            return OracleResult(value=None, status=OK, note=INVALID_NOTE)
        values: list[float] = []
        for part in self.parts:
            try:
                value = BUILTIN_SCORES[part].fn(item)
            except Exception as exc:  # RDKit can still throw on odd-but-parsable molecules
                return failed(f"{part}: {describe_exception(exc)}")
            if value is None:
                return OracleResult(value=None, status=OK, note=INVALID_NOTE)
            values.append(float(value))
        return OracleResult(value=sum(values) / len(values), status=OK)


def _score_kind(name: str, order: int) -> OracleKind:
    return plain_kind(
        name, ("molecules",), BUILTIN_SCORES[name].description, lambda spec: BuiltinOracle([name], name=spec), order
    )


def _build_mpo(request: OracleRequest) -> BuiltinOracle:
    try:
        parts = parse_mpo_parts((request.body or "").strip())
    except ValueError as exc:
        raise OracleSpecError(str(exc)) from None
    return BuiltinOracle(parts, name=request.spec)


# The built-in molecule oracle kinds; pyproject.toml registers each under its name.
QED = _score_kind("qed", 10)
SA = _score_kind("sa", 11)
MPO = OracleKind(
    name="mpo",
    domains=("molecules",),
    build=_build_mpo,
    example="mpo:qed+sa",
    order=12,
    forms=(("mpo:qed+sa", "mean of built-in molecule scores joined by '+' (MPO)"),),
)
