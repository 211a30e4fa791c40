"""Spec parsing for the built-in sequence oracles: `tfbind8:<TF>` (dna) and `ehrlich[:...]` (protein).

Kept apart from registry.py, which only asks `sequence_oracle(spec, domain)` first and otherwise goes on
with its own grammar; `None` means "not a sequence built-in".
"""

from __future__ import annotations

from designer_app.core.protocols import Oracle
from designer_app.oracles.ehrlich import SPEC_NAME, EhrlichOracle, EhrlichSpec
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.tfbind import TFBIND_LANDSCAPES, TFBindOracle, check_landscape

TFBIND_KIND = "tfbind8"
EHRLICH_KIND = SPEC_NAME
SEQUENCE_KINDS: tuple[str, ...] = (TFBIND_KIND, EHRLICH_KIND)
# The domain each kind scores; matched case-insensitively against the campaign's domain.
KIND_DOMAINS = {TFBIND_KIND: "dna", EHRLICH_KIND: "protein"}

SEQUENCE_SPEC_FORMS: tuple[tuple[str, str], ...] = (
    (
        f"{TFBIND_KIND}:<TF>",
        "DNA 8-mer binding to a transcription factor, exact lookup normalised 0..1, optimum 1.0; "
        f"TF = {', '.join(TFBIND_LANDSCAPES)} (dna)",
    ),
    (
        f"{EHRLICH_KIND}[:v,L,c,k,q,seed]",
        f"Ehrlich function (Stanton et al. 2024), infeasible sequences score None, optimum 1.0; "
        f"plain '{EHRLICH_KIND}' = {EhrlichSpec().text()} (protein)",
    ),
)


def sequence_oracle(spec: str, domain: str) -> Oracle | None:
    """The oracle for a `tfbind8:` / `ehrlich` spec, or None when the spec is of another kind.

    Raises:
        OracleSpecError: the spec is one of ours but malformed, names an unknown landscape, or the
            campaign's domain is not the one the oracle scores.
    """
    head, sep, body = spec.partition(":")
    kind = head.strip().lower()
    base = kind.partition("[")[0].strip()
    if base not in SEQUENCE_KINDS:
        return None
    if kind != base:
        raise OracleSpecError(f"{spec!r}: {base}: takes no options in [...]; write e.g. {_example(base)}")
    _require_domain(spec, base, domain)
    if base == TFBIND_KIND:
        if not sep or not body.strip():
            raise OracleSpecError(
                f"{spec!r} must name a landscape: {TFBIND_KIND}:<TF> with TF one of "
                f"{', '.join(TFBIND_LANDSCAPES)} (e.g. {_example(TFBIND_KIND)})"
            )
        try:
            tf = check_landscape(body)
            return TFBindOracle(tf, name=spec)
        except (ValueError, FileNotFoundError) as exc:
            raise OracleSpecError(str(exc)) from None
    try:
        parsed = EhrlichSpec.parse(spec)
    except ValueError as exc:
        raise OracleSpecError(str(exc)) from None
    return EhrlichOracle(parsed, name=spec)


def _example(kind: str) -> str:
    return f"{TFBIND_KIND}:{TFBIND_LANDSCAPES[0]}" if kind == TFBIND_KIND else EhrlichSpec().text()


def _require_domain(spec: str, kind: str, domain: str) -> None:
    wanted = KIND_DOMAINS[kind]
    if str(domain).strip().lower() != wanted:
        raise OracleSpecError(
            f"the built-in oracle {spec!r} scores {wanted} sequences, but this campaign's domain is "
            f"{domain!r}; use --domain {wanted}, or a python:, command: or plug-in oracle for {domain!r}"
        )
