"""`guacamol:<task>`: the GuacaMol goal-directed objectives (Brown et al. 2019, J. Chem. Inf. Model. 59, 1096).

GuacaMol's goal-directed suite (v2) is the field's common yardstick for molecule optimisers: rediscover a
known drug, find molecules like a drug but with other properties (the MPO tasks), hop a scaffold or a
decoration, match a formula. Offering its tasks as a built-in oracle lets a campaign be compared with
published numbers. The tasks are rebuilt here from their published definitions out of the building blocks in
guacamol_scoring.py (targets, fingerprints, modifiers and how parts are combined are listed in `TASKS`).

Every task scores in [0, 1]. `optimum = 1.0` is the upper bound of every task; only the rediscoveries are
known to reach it (with the target itself), so regret on the MPO tasks is measured against a bound, not a
known molecule. An invalid SMILES is infeasible (status ok, value None, builtin.INVALID_NOTE) as with the
other molecule built-ins, and an RDKit error on a parsable molecule is a failed measurement, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from designer_app.core.protocols import OK, OracleResult
from designer_app.domains import chemistry
from designer_app.oracles.builtin import INVALID_NOTE
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.guacamol_scoring import (
    ATOM_PAIRS,
    ECFP4,
    ECFP6,
    FCFP4,
    PHARMACOPHORE,
    ArithmeticMean,
    AtomCount,
    ClippedLinear,
    Gaussian,
    GeometricMean,
    Isomer,
    MaxGaussian,
    MinGaussian,
    Mol,
    Property,
    PropertyLike,
    Similarity,
    Substructure,
    bertz,
    logp,
    num_aromatic_rings,
    num_rings,
    tpsa,
)
from designer_app.oracles.kinds import OracleKind, OracleRequest
from designer_app.oracles.results import describe_exception, failed

KIND = "guacamol"


@dataclass(frozen=True)
class GuacaMolTask:
    """One goal-directed task.

    Attributes:
        name: the spec word after `guacamol:` ("fexofenadine-mpo").
        description: one line: what the task asks for.
        objective: molecule -> score in [0, 1], built from guacamol_scoring parts (its repr is the definition).
    """

    name: str
    description: str
    objective: Callable[[Mol], float]

    def fn(self, smiles: str) -> float | None:
        """SMILES -> score in [0, 1]; None for a SMILES that does not parse (an infeasible molecule)."""
        mol = chemistry.mol_from_smiles(smiles)
        return None if mol is None else float(self.objective(mol))


# The published targets (as SMILES written in GuacaMol's task definitions).
CELECOXIB = "CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F"
TROGLITAZONE = "Cc1c(C)c2OC(C)(COc3ccc(CC4SC(=O)NC4=O)cc3)CCc2c(C)c1O"
THIOTHIXENE = "CN(C)S(=O)(=O)c1ccc2Sc3ccccc3C(=CCCN4CCN(C)CC4)c2c1"
ARIPIPRAZOLE = "Clc4cccc(N3CCN(CCCCOc2ccc1c(NC(=O)CC1)c2)CC3)c4Cl"
ALBUTEROL = "CC(C)(C)NCC(O)c1ccc(O)c(CO)c1"
MESTRANOL = "COc1ccc2[C@H]3CC[C@@]4(C)[C@@H](CC[C@@]4(O)C#C)[C@@H]3CCc2c1"
CAMPHOR = "CC1(C)C2CCC1(C)C(=O)C2"
MENTHOL = "CC(C)C1CCC(C)CC1O"
TADALAFIL = "O=C1N(CC(N2C1CC3=C(C2C4=CC5=C(OCO5)C=C4)NC6=C3C=CC=C6)=O)C"
SILDENAFIL = "CCCC1=NN(C2=C1N=C(NC2=O)C3=C(C=CC(=C3)S(=O)(=O)N4CCN(CC4)C)OCC)C"
OSIMERTINIB = "COc1cc(N(C)CCN(C)C)c(NC(=O)C=C)cc1Nc2nccc(n2)c3cn(C)c4ccccc34"
FEXOFENADINE = "CC(C)(C(=O)O)c1ccc(cc1)C(O)CCCN2CCC(CC2)C(O)(c3ccccc3)c4ccccc4"
RANOLAZINE = "COc1ccccc1OCC(O)CN2CCN(CC(=O)Nc3c(C)cccc3C)CC2"
PERINDOPRIL = "O=C(OCC)C(NC(C(=O)N1C(C(=O)O)CC2CCCCC12)C)CCC"
AMLODIPINE = r"Clc1ccccc1C2C(=C(/N/C(=C2/C(=O)OCC)COCCN)C)\C(=O)OC"
SITAGLIPTIN = "Fc1cc(c(F)cc1F)CC(N)CC(=O)N3Cc2nnc(n2CC3)C(F)(F)F"
# The valsartan task writes sitagliptin another way; same molecule, kept as published (BertzCT differs in
# the last bits between the two atom orders).
SITAGLIPTIN_VALSARTAN = "NC(CC(=O)N1CCn2c(nnc2C(F)(F)F)C1)Cc1cc(F)c(F)cc1F"
ZALEPLON = "O=C(C)N(CC)C1=CC=CC(C2=CC=NC3=C(C=NN23)C#N)=C1"
HOP_START = "CCCOc1cc2ncnc(Nc3ccc4ncsc4c3)c2cc1S(=O)(=O)C(C)(C)C"

VALSARTAN_SMARTS = "CN(C=O)Cc1ccc(c2ccccc2)cc1"
# The quinazoline core of HOP_START with its amine and ether attachment points.
HOP_SCAFFOLD = "[#7]-c1n[c;h1]nc2[c;h1]c(-[#8])[c;h0][c;h1]c12"
HOP_DECORATION = "[#6]-[#6]-[#6]-[#8]-[#6]~[#6]~[#6]~[#6]~[#6]-[#7]-c1ccc2ncsc2c1"
HOP_SULFONE = "CS([#6])(=O)=O"
HOP_AMINOBENZOTHIAZOLE = "[#7]-c1ccc2ncsc2c1"


def _task(name: str, description: str, objective: Callable[[Mol], float]) -> tuple[str, GuacaMolTask]:
    return name, GuacaMolTask(name=name, description=description, objective=objective)


# GuacaMol v2's twenty goal-directed tasks, in its order.
TASKS: dict[str, GuacaMolTask] = dict(
    [
        _task("celecoxib-rediscovery", "ECFP4 Tanimoto to celecoxib", Similarity(CELECOXIB, ECFP4)),
        _task("troglitazone-rediscovery", "ECFP4 Tanimoto to troglitazone", Similarity(TROGLITAZONE, ECFP4)),
        _task("thiothixene-rediscovery", "ECFP4 Tanimoto to thiothixene", Similarity(THIOTHIXENE, ECFP4)),
        _task(
            "aripiprazole-similarity",
            "ECFP4 Tanimoto to aripiprazole, full marks from 0.75",
            Similarity(ARIPIPRAZOLE, ECFP4, ClippedLinear(0.75)),
        ),
        _task(
            "albuterol-similarity",
            "FCFP4 Tanimoto to albuterol, full marks from 0.75",
            Similarity(ALBUTEROL, FCFP4, ClippedLinear(0.75)),
        ),
        _task(
            "mestranol-similarity",
            "atom-pair Tanimoto to mestranol, full marks from 0.75",
            Similarity(MESTRANOL, ATOM_PAIRS, ClippedLinear(0.75)),
        ),
        _task("isomers-c11h24", "closeness to the formula C11H24", Isomer("C11H24")),
        _task("isomers-c9h10n2o2pf2cl", "closeness to the formula C9H10N2O2PF2Cl", Isomer("C9H10N2O2PF2Cl")),
        _task(
            "median-molecules-1",
            "geometric mean of ECFP4 Tanimoto to camphor and to menthol",
            GeometricMean((Similarity(CAMPHOR, ECFP4), Similarity(MENTHOL, ECFP4))),
        ),
        _task(
            "median-molecules-2",
            "geometric mean of ECFP6 Tanimoto to tadalafil and to sildenafil",
            GeometricMean((Similarity(TADALAFIL, ECFP6), Similarity(SILDENAFIL, ECFP6))),
        ),
        _task(
            "osimertinib-mpo",
            "like osimertinib (FCFP4 up to 0.8) but not too alike (ECFP6 at most 0.85), TPSA >= 100, logP <= 1",
            GeometricMean(
                (
                    Similarity(OSIMERTINIB, FCFP4, ClippedLinear(0.8)),
                    Similarity(OSIMERTINIB, ECFP6, MinGaussian(0.85, 0.1)),
                    Property(tpsa, MaxGaussian(100, 10)),
                    Property(logp, MinGaussian(1, 1)),
                )
            ),
        ),
        _task(
            "fexofenadine-mpo",
            "like fexofenadine (atom pairs up to 0.8), TPSA >= 90, logP <= 4",
            GeometricMean(
                (
                    Similarity(FEXOFENADINE, ATOM_PAIRS, ClippedLinear(0.8)),
                    Property(tpsa, MaxGaussian(90, 10)),
                    Property(logp, MinGaussian(4, 1)),
                )
            ),
        ),
        _task(
            "ranolazine-mpo",
            "like ranolazine (atom pairs up to 0.7), logP >= 7, TPSA >= 95, one fluorine",
            GeometricMean(
                (
                    Similarity(RANOLAZINE, ATOM_PAIRS, ClippedLinear(0.7)),
                    Property(logp, MaxGaussian(7, 1)),
                    Property(AtomCount("F"), Gaussian(1, 1)),
                    Property(tpsa, MaxGaussian(95, 20)),
                )
            ),
        ),
        _task(
            "perindopril-mpo",
            "like perindopril (ECFP4) with two aromatic rings",
            GeometricMean((Similarity(PERINDOPRIL, ECFP4), Property(num_aromatic_rings, Gaussian(2, 0.5)))),
        ),
        _task(
            "amlodipine-mpo",
            "like amlodipine (ECFP4) with three rings",
            GeometricMean((Similarity(AMLODIPINE, ECFP4), Property(num_rings, Gaussian(3, 0.5)))),
        ),
        _task(
            "sitagliptin-mpo",
            "unlike sitagliptin (ECFP4 near 0) with its logP, TPSA and formula C16H15F6N5O",
            GeometricMean(
                (
                    Similarity(SITAGLIPTIN, ECFP4, Gaussian(0, 0.1)),
                    PropertyLike(logp, SITAGLIPTIN, 0.2),
                    PropertyLike(tpsa, SITAGLIPTIN, 5),
                    Isomer("C16H15F6N5O"),
                )
            ),
        ),
        _task(
            "zaleplon-mpo",
            "like zaleplon (ECFP4) with the formula C19H17N3O2",
            GeometricMean((Similarity(ZALEPLON, ECFP4), Isomer("C19H17N3O2"))),
        ),
        _task(
            "valsartan-smarts",
            "contains valsartan's biphenylmethyl-formamide SMARTS, with sitagliptin's logP, TPSA and Bertz CT",
            GeometricMean(
                (
                    Substructure(VALSARTAN_SMARTS),
                    PropertyLike(logp, SITAGLIPTIN_VALSARTAN, 0.2),
                    PropertyLike(tpsa, SITAGLIPTIN_VALSARTAN, 5),
                    PropertyLike(bertz, SITAGLIPTIN_VALSARTAN, 30),
                )
            ),
        ),
        _task(
            "deco-hop",
            "keep the quinazoline scaffold and pharmacophore (PHCO up to 0.85), drop the sulfone and "
            "aminobenzothiazole decorations",
            ArithmeticMean(
                (
                    Similarity(HOP_START, PHARMACOPHORE, ClippedLinear(0.85)),
                    Substructure(HOP_SULFONE, present=False),
                    Substructure(HOP_AMINOBENZOTHIAZOLE, present=False),
                    Substructure(HOP_SCAFFOLD),
                )
            ),
        ),
        _task(
            "scaffold-hop",
            "keep the decorations and pharmacophore (PHCO up to 0.75), replace the quinazoline scaffold",
            ArithmeticMean(
                (
                    Similarity(HOP_START, PHARMACOPHORE, ClippedLinear(0.75)),
                    Substructure(HOP_DECORATION),
                    Substructure(HOP_SCAFFOLD, present=False),
                )
            ),
        ),
    ]
)
TASK_NAMES: tuple[str, ...] = tuple(TASKS)


def check_task(body: str | None) -> str:
    """The task a spec body names: case-insensitive, '_' read as '-'. Raises ValueError listing the tasks."""
    key = (body or "").strip().lower().replace("_", "-")
    if key in TASKS:
        return key
    given = f"'{KIND}:{body}' names no GuacaMol task" if key else f"'{KIND}' needs a task after ':'"
    raise ValueError(f"{given}; write {KIND}:<task> with task one of {', '.join(TASK_NAMES)}")


class GuacaMolOracle:
    """Scores molecules (SMILES) with one GuacaMol task; never raises from `score`.

    Args:
        task: a task name (see TASK_NAMES) or a GuacaMolTask.
        name: the spec this oracle was made from; defaults to `guacamol:<task>`.
    """

    optimum: float | None = 1.0
    is_manual = False

    def __init__(self, task: str | GuacaMolTask, *, name: str | None = None) -> None:
        self.task: GuacaMolTask = task if isinstance(task, GuacaMolTask) else TASKS[check_task(task)]
        self.name: str = name or f"{KIND}:{self.task.name}"

    def __repr__(self) -> str:
        return f"GuacaMolOracle(name={self.name!r}, task={self.task.name!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        return [self._score_one(item) for item in items]

    def _score_one(self, item: str) -> OracleResult:
        if not isinstance(item, str) or not item:
            return OracleResult(value=None, status=OK, note=INVALID_NOTE)
        try:
            value = self.task.fn(item)
        except Exception as exc:  # RDKit can throw on odd-but-parsable molecules
            return failed(f"{self.task.name}: {describe_exception(exc)}")
        if value is None:
            return OracleResult(value=None, status=OK, note=INVALID_NOTE)
        return OracleResult(value=value, status=OK)


def _build(request: OracleRequest) -> GuacaMolOracle:
    try:
        task = check_task(request.body)
    except ValueError as exc:
        raise OracleSpecError(str(exc)) from None
    return GuacaMolOracle(task, name=request.spec)


GUACAMOL = OracleKind(
    name=KIND,
    domains=("molecules",),
    build=_build,
    example=f"{KIND}:fexofenadine-mpo",
    order=13,
    forms=(
        (
            f"{KIND}:<task>",
            "GuacaMol goal-directed objective (Brown et al. 2019), 0..1, optimum 1.0; task = " + ", ".join(TASK_NAMES),
        ),
    ),
)
