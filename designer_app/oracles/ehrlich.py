"""`ehrlich[:<num_states>,<dim>,<num_motifs>,<motif_length>,<quantization>,<seed>]`: Ehrlich functions.

Our numpy implementation of the closed-form test functions of Stanton et al. (2024), *Closed-Form Test
Functions for Biophysical Sequence Design* (arXiv:2407.00236), written from the paper's definition:

* **Feasibility.** A discrete Markov process (DMP) over `num_states` states: a uniform initial
  distribution and a random transition matrix whose non-zero pattern is a circulant band of half-width
  `int(0.4 * num_states)` with shuffled rows, plus the diagonal (repeating a state is always allowed).
  Transition probabilities are a softmax of Gaussian logits (temperature 0.5) inside the band. The chain
  is checked to be ergodic. A sequence is feasible iff it has no banned transition x[i] -> x[i+1].
* **Motifs.** `num_motifs` motifs of `motif_length` states, drawn as one DMP trajectory of
  num_motifs × motif_length *distinct* states and cut into pieces, so every transition inside a motif and
  from one motif's last state to the next motif's first state is allowed, and no two motifs share a
  state.
* **Spacings.** Motif i's elements sit at offsets s_i = (0, s_i1, ...), increasing; the gaps are
  1 + floor(S · w) with w drawn uniformly from the simplex and S = (dim − num_motifs·motif_length) //
  num_motifs, so each spaced motif fits in dim // num_motifs positions.
* **Objective.** h_i(x) = max over positions l of the fraction of motif i present at l + s_i, quantised
  down to a multiple of 1/quantization (quantization must divide motif_length);
  f(x) = prod_i h_i(x) for feasible x, and None (infeasible) otherwise. The optimum is 1.0: placing each
  spaced motif in its own segment and filling the gaps with repeats is feasible (`optimal_sequence`).

Everything is a deterministic function of `seed` (numpy Generator). State k is letter k of
"ACDEFGHIKLMNPQRSTVWY". Exact numbers differ from the authors' pytorch-holo (different random streams);
the definition is the same, except that holo lets motifs share states and has an optional epistasis
term, which we leave out.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields

import numpy as np

from designer_app.core.protocols import OK, OracleResult

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
SPEC_NAME = "ehrlich"
SPEC_FORMAT = "ehrlich:num_states,dim,num_motifs,motif_length,quantization,seed"
# Paper / reference-code choices for the DMP: band half-width as a fraction of the states, and the
# softmax temperature of the transition logits (low = peaked rows, i.e. a few likely successors).
BAND_FRACTION = 0.4
SOFTMAX_TEMPERATURE = 0.5
_MAX_MASK_DRAWS = 100
_MAX_MOTIF_SEARCH_STEPS = 200_000


@dataclass(frozen=True)
class EhrlichSpec:
    """Parameters of one Ehrlich function (the spec `ehrlich:20,32,2,4,4,0` is the default).

    Attributes:
        num_states: alphabet size v, 2..20; state k is letter k of "ACDEFGHIKLMNPQRSTVWY".
        dim: sequence length L.
        num_motifs: c, the number of spaced motifs that must all be present for the optimum.
        motif_length: k, states per motif; c·k must fit in both num_states (motifs use distinct states)
            and dim.
        quantization: q; each motif's score counts in steps of 1/q (q = k: every element counts,
            q = 1: all or nothing). Must divide motif_length.
        seed: seeds the numpy Generator that draws the transition matrix, motifs and spacings.
    """

    num_states: int = 20
    dim: int = 32
    num_motifs: int = 2
    motif_length: int = 4
    quantization: int = 4
    seed: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                raise ValueError(f"Ehrlich {f.name} must be an integer, got {value!r}")
        if not 2 <= self.num_states <= len(AMINO_ACIDS):
            raise ValueError(
                f"Ehrlich num_states={self.num_states}: use 2..{len(AMINO_ACIDS)} (states are the 20 amino acids)"
            )
        for name in ("dim", "num_motifs", "motif_length", "quantization"):
            if getattr(self, name) < 1:
                raise ValueError(f"Ehrlich {name}={getattr(self, name)} must be at least 1")
        if self.seed < 0:
            raise ValueError(f"Ehrlich seed={self.seed} must be 0 or positive")
        total = self.num_motifs * self.motif_length
        if total > self.num_states:
            raise ValueError(
                f"Ehrlich num_motifs × motif_length = {total} exceeds num_states={self.num_states}: "
                "motifs use distinct states, so use fewer or shorter motifs or more states"
            )
        if total > self.dim:
            raise ValueError(
                f"Ehrlich num_motifs × motif_length = {total} exceeds dim={self.dim}: all motifs must fit "
                "in one sequence, so use a longer dim or fewer/shorter motifs"
            )
        if self.quantization > self.motif_length or self.motif_length % self.quantization:
            divisors = [d for d in range(1, self.motif_length + 1) if self.motif_length % d == 0]
            raise ValueError(
                f"Ehrlich quantization={self.quantization} must divide motif_length={self.motif_length}; "
                f"use one of {', '.join(map(str, divisors))}"
            )

    @classmethod
    def parse(cls, text: str) -> EhrlichSpec:
        """`ehrlich` (the default), `ehrlich:20,32,2,4,4,0`, or just `20,32,2,4,4,0`.

        Raises:
            ValueError: the text is malformed or the values are invalid; the message says what to change.
        """
        if not isinstance(text, str):
            raise ValueError(f"an Ehrlich spec must be a string like {cls().text()}, got {text!r}")
        body = text.strip()
        head, sep, rest = body.partition(":")
        if head.strip().lower() == SPEC_NAME:
            if not sep:
                return cls()
            body = rest.strip()
        parts = [p.strip() for p in body.split(",")]
        names = [f.name for f in fields(cls)]
        hint = f"write {SPEC_FORMAT}, e.g. {cls().text()}, or plain '{SPEC_NAME}' for that default"
        if len(parts) != len(names):
            raise ValueError(f"Ehrlich spec {text!r} has {len(parts)} value(s), expected {len(names)}; {hint}")
        values = []
        for name, part in zip(names, parts):
            try:
                values.append(int(part))
            except ValueError:
                raise ValueError(f"Ehrlich {name}={part!r} in {text!r} is not an integer; {hint}") from None
        return cls(*values)

    def text(self) -> str:
        """The canonical spec, e.g. `ehrlich:20,32,2,4,4,0`."""
        return f"{SPEC_NAME}:" + ",".join(str(int(v)) for v in astuple(self))


class EhrlichFunction:
    """One Ehrlich function, built deterministically from its spec.

    Attributes:
        spec: the parameters.
        alphabet: the letters of the states ("ACDE..." cut to num_states).
        transition_matrix: (v, v) row-stochastic; 0 marks a banned transition.
        initial_distribution: (v,) uniform, so every state may start a sequence.
        motifs: (c, k) int states; `motif_strings` has them as letters.
        spacings: (c, k) int offsets of each motif's elements, starting at 0 and increasing.
    """

    def __init__(self, spec: EhrlichSpec | None = None) -> None:
        spec = spec or EhrlichSpec()
        # One generator, used in a fixed order (matrix, motifs, spacings): the function is a pure
        # function of the seed.
        rng = np.random.default_rng(spec.seed)
        matrix = _sample_transition_matrix(spec.num_states, rng)
        chain = _sample_distinct_chain(matrix, spec.num_motifs * spec.motif_length, rng)
        motifs = np.array(chain, dtype=np.int64).reshape(spec.num_motifs, spec.motif_length)
        self._set_parts(spec, matrix, motifs, _sample_spacings(spec, rng))

    @classmethod
    def from_parts(
        cls, spec: EhrlichSpec, transition_matrix: np.ndarray, motifs: np.ndarray, spacings: np.ndarray
    ) -> EhrlichFunction:
        """A function with given parts instead of drawn ones: for hand-built examples and for checking
        our evaluation against another implementation's draws. Only shapes and ranges are checked."""
        self = cls.__new__(cls)
        self._set_parts(spec, transition_matrix, motifs, spacings)
        return self

    def _set_parts(self, spec: EhrlichSpec, matrix: np.ndarray, motifs: np.ndarray, spacings: np.ndarray) -> None:
        v, c, k = spec.num_states, spec.num_motifs, spec.motif_length
        matrix = np.array(matrix, dtype=np.float64)
        motifs = np.array(motifs, dtype=np.int64).reshape(c, k)
        spacings = np.array(spacings, dtype=np.int64).reshape(c, k)
        if matrix.shape != (v, v) or (matrix < 0).any() or not np.allclose(matrix.sum(axis=1), 1.0):
            raise ValueError(f"transition_matrix must be a ({v}, {v}) row-stochastic matrix")
        if motifs.min() < 0 or motifs.max() >= v:
            raise ValueError(f"motif states must be in 0..{v - 1}")
        if (spacings[:, 0] != 0).any() or (np.diff(spacings, axis=1) <= 0).any() or spacings.max() >= spec.dim:
            raise ValueError(f"spacings must start at 0, increase, and stay below dim={spec.dim}")
        self.spec: EhrlichSpec = spec
        self.alphabet: str = AMINO_ACIDS[:v]
        self.transition_matrix: np.ndarray = _readonly(matrix)
        self.initial_distribution: np.ndarray = _readonly(np.full(v, 1.0 / v))
        self.motifs: np.ndarray = _readonly(motifs)
        self.spacings: np.ndarray = _readonly(spacings)
        self.motif_strings: tuple[str, ...] = tuple("".join(self.alphabet[i] for i in m) for m in motifs)

    def __repr__(self) -> str:
        return f"EhrlichFunction({self.spec.text()}, motifs={self.motif_strings}, spacings={self.spacings.tolist()})"

    # -- items <-> states ------------------------------------------------------------------------------

    def problem(self, seq: object) -> str:
        """Why `seq` cannot be scored at all (wrong type, length or letters); "" when it can."""
        if not isinstance(seq, str):
            return f"a protein sequence must be a string, got {type(seq).__name__}"
        if len(seq) != self.spec.dim:
            return f"length {len(seq)}, but {self.spec.text()} scores sequences of exactly {self.spec.dim} letters"
        bad = sorted(set(seq.upper()) - set(self.alphabet))
        if bad:
            return (
                f"letter(s) {', '.join(repr(b) for b in bad)} not among this function's "
                f"{self.spec.num_states} states ({self.alphabet})"
            )
        return ""

    def encode(self, seq: str) -> np.ndarray:
        """Letters -> state indices; ValueError when `problem(seq)` is not empty."""
        problem = self.problem(seq)
        if problem:
            raise ValueError(problem)
        return np.array([self.alphabet.index(c) for c in seq.upper()], dtype=np.int64)

    def decode(self, states: Sequence[int]) -> str:
        return "".join(self.alphabet[int(i)] for i in states)

    # -- the function ----------------------------------------------------------------------------------

    def feasible_states(self, x: np.ndarray) -> np.ndarray:
        """(n,) bool for (n, dim) states: no banned transition anywhere."""
        x = np.atleast_2d(x)
        return np.all(self.transition_matrix[x[:, :-1], x[:, 1:]] > 0, axis=1)

    def motif_scores(self, x: np.ndarray) -> np.ndarray:
        """(n, c) quantised h_i for (n, dim) states, ignoring feasibility."""
        x = np.atleast_2d(x)
        k, q = self.spec.motif_length, self.spec.quantization
        out = np.empty((x.shape[0], self.spec.num_motifs))
        for i, (motif, offsets) in enumerate(zip(self.motifs, self.spacings)):
            starts = np.arange(self.spec.dim - offsets[-1])  # every l where the whole spaced motif fits
            windows = x[:, starts[:, None] + offsets[None, :]]  # (n, positions, k)
            present = (windows == motif).sum(axis=-1).max(axis=-1)
            # Integer floor first, so that values are exact multiples of 1/q.
            out[:, i] = (present * q // k) / q
        return out

    def values_of_states(self, x: np.ndarray) -> list[float | None]:
        x = np.atleast_2d(x)
        products = self.motif_scores(x).prod(axis=1)
        return [float(v) if ok else None for v, ok in zip(products, self.feasible_states(x))]

    def is_feasible(self, seq: str) -> bool:
        return not self.problem(seq) and bool(self.feasible_states(self.encode(seq))[0])

    def value(self, seq: str) -> float | None:
        """f(seq) in {products of multiples of 1/q}, or None when infeasible or not scorable."""
        if self.problem(seq):
            return None
        return self.values_of_states(self.encode(seq))[0]

    def banned_transitions(self, seq: str) -> list[tuple[int, str]]:
        """(position i, "XY") for every banned transition seq[i] -> seq[i + 1]; for notes."""
        x = self.encode(seq)
        bad = np.flatnonzero(self.transition_matrix[x[:-1], x[1:]] == 0)
        return [(int(i), seq[i : i + 2].upper()) for i in bad]

    # -- sequences with known properties ---------------------------------------------------------------

    def sample_feasible(self, n: int, rng: np.random.Generator | int | None = None) -> list[str]:
        """`n` sequences drawn from the DMP (hence all feasible)."""
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        v = self.spec.num_states
        cdf = np.cumsum(self.transition_matrix, axis=1)
        cdf /= cdf[:, -1:]  # the last entry is then exactly 1.0, above every uniform draw in [0, 1)
        x = np.empty((n, self.spec.dim), dtype=np.int64)
        x[:, 0] = rng.choice(v, size=n, p=self.initial_distribution)
        for t in range(1, self.spec.dim):
            u = rng.random(n)
            # First state whose cdf exceeds u; a banned state repeats its predecessor's cdf, so it is
            # never the first to exceed u.
            x[:, t] = (cdf[x[:, t - 1]] <= u[:, None]).sum(axis=1)
        return [self.decode(row) for row in x]

    def optimal_sequence(self) -> str:
        """A sequence scoring exactly 1.0: motif i fills segment i (dim // c positions) at its offsets,
        each gap and the tail repeat the previous state. Every transition is then a repeat (always
        allowed), a step inside the motif chain, or last(motif i) -> first(motif i+1) (also in the chain)."""
        s = self.spec
        segment = s.dim // s.num_motifs
        x = np.empty(s.dim, dtype=np.int64)
        position = 0
        for i, (motif, offsets) in enumerate(zip(self.motifs, self.spacings)):
            start = i * segment
            x[position:start] = x[position - 1] if position else motif[0]
            for j, offset in enumerate(offsets):
                end = start + (offsets[j + 1] if j + 1 < len(offsets) else offset + 1)
                x[start + offset : end] = motif[j]
            position = start + offsets[-1] + 1
        x[position:] = x[position - 1]
        seq = self.decode(x)
        if self.value(seq) != 1.0:  # a bug here would silently break regret, so refuse loudly
            raise RuntimeError(f"internal error: the constructed optimum of {self.spec.text()} is not optimal")
        return seq


@functools.lru_cache(maxsize=32)
def ehrlich_function(spec: EhrlichSpec) -> EhrlichFunction:
    """Shared, cached instance per spec (construction is deterministic)."""
    return EhrlichFunction(spec)


class EhrlichOracle:
    """Scores protein sequences with one Ehrlich function (maximised, optimum 1.0).

    Args:
        spec: the function; None means the default `ehrlich:20,32,2,4,4,0`.
        name: the spec text this oracle was made from; defaults to the canonical `spec.text()`.
        function: score with this function (e.g. `EhrlichFunction.from_parts(...)`) instead of the one
            drawn from `spec`; its own spec is then used.
    """

    is_manual = False

    def __init__(
        self, spec: EhrlichSpec | None = None, *, name: str | None = None, function: EhrlichFunction | None = None
    ) -> None:
        self.function: EhrlichFunction = function or ehrlich_function(spec or EhrlichSpec())
        self.spec: EhrlichSpec = self.function.spec
        self.name: str = name or self.spec.text()
        self.optimum: float | None = 1.0

    def __repr__(self) -> str:
        return f"EhrlichOracle(name={self.name!r}, optimum={self.optimum!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        return [self._score_one(item) for item in items]

    def _score_one(self, item: str) -> OracleResult:
        f = self.function
        problem = f.problem(item)
        if problem:
            return OracleResult(value=None, status=OK, note=f"infeasible: {problem}")
        value = f.value(item)
        if value is None:
            banned = f.banned_transitions(item)
            shown = ", ".join(f"{pair} at {i}" for i, pair in banned[:3]) + (" …" if len(banned) > 3 else "")
            return OracleResult(value=None, status=OK, note=f"infeasible: banned transition(s) {shown}")
        return OracleResult(value=value, status=OK)


# ----------------------------------------------------------------------------------------------------
# Construction


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _sample_transition_matrix(v: int, rng: np.random.Generator) -> np.ndarray:
    logits = rng.standard_normal((v, v)) / SOFTMAX_TEMPERATURE
    dense = np.exp(logits - logits.max(axis=1, keepdims=True))
    band = int(BAND_FRACTION * v)
    i, j = np.indices((v, v))
    circular = np.minimum((i - j) % v, (j - i) % v)
    banded = circular <= band
    for _ in range(_MAX_MASK_DRAWS):
        # Shuffled rows make the banned successors of each state look unstructured.
        mask = banded[rng.permutation(v)] | np.eye(v, dtype=bool)
        if _is_ergodic(mask):
            matrix = np.where(mask, dense, 0.0)
            return matrix / matrix.sum(axis=1, keepdims=True)
    raise ValueError(f"could not draw an ergodic transition matrix for {v} states; use more states")


def _is_ergodic(mask: np.ndarray) -> bool:
    """Irreducible and aperiodic (primitive): mask^m > 0 everywhere for m = (v-1)^2 + 1 (Wielandt)."""
    v = mask.shape[0]
    power, base, m = np.eye(v, dtype=bool), mask.copy(), (v - 1) ** 2 + 1
    while m:
        if m & 1:
            power = (power.astype(np.int64) @ base.astype(np.int64)) > 0
        base = (base.astype(np.int64) @ base.astype(np.int64)) > 0
        m >>= 1
    return bool(power.all())


def _sample_distinct_chain(matrix: np.ndarray, length: int, rng: np.random.Generator) -> list[int]:
    """A DMP trajectory of `length` distinct states: depth-first search whose branches are tried in an
    order drawn from the transition probabilities, so the result is a DMP draw conditioned on
    distinctness (and still a deterministic function of the generator)."""
    v = matrix.shape[0]
    steps = 0

    def extend(chain: list[int]) -> list[int] | None:
        nonlocal steps
        if len(chain) == length:
            return chain
        steps += 1
        if steps > _MAX_MOTIF_SEARCH_STEPS:
            return None
        weights = matrix[chain[-1]].copy() if chain else np.full(v, 1.0 / v)
        weights[chain] = 0.0
        options = np.flatnonzero(weights > 0)
        if options.size == 0:
            return None
        order = rng.choice(options, size=options.size, replace=False, p=weights[options] / weights[options].sum())
        for state in order:
            found = extend([*chain, int(state)])
            if found is not None:
                return found
        return None

    chain = extend([])
    if chain is None:
        raise ValueError(
            f"no run of {length} distinct states is feasible under this seed's transition matrix; "
            "use fewer or shorter motifs, more states, or another seed"
        )
    return chain


def _sample_spacings(spec: EhrlichSpec, rng: np.random.Generator) -> np.ndarray:
    slack = (spec.dim - spec.num_motifs * spec.motif_length) // spec.num_motifs
    spacings = np.zeros((spec.num_motifs, spec.motif_length), dtype=np.int64)
    for i in range(spec.num_motifs):
        if spec.motif_length > 1:
            weights = rng.dirichlet(np.ones(spec.motif_length - 1))  # uniform on the simplex
            gaps = 1 + np.floor(slack * weights).astype(np.int64)
            spacings[i, 1:] = np.cumsum(gaps)
    # sum(gaps) <= motif_length - 1 + slack, so the span fits in dim // num_motifs.
    assert spacings[:, -1].max() + 1 <= spec.dim // spec.num_motifs
    return spacings
