"""The built-in sequence oracle kinds `tfbind8:<TF>` (dna) and `ehrlich[:v,L,c,k,q,seed]` (protein).

The registry checks the campaign's domain and refuses options; these build the oracle from the spec's body.
"""

from __future__ import annotations

from designer_app.oracles.ehrlich import SPEC_NAME, EhrlichOracle, EhrlichSpec
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.kinds import OracleKind, OracleRequest
from designer_app.oracles.tfbind import TFBIND_LANDSCAPES, TFBindOracle, check_landscape

TFBIND_KIND = "tfbind8"
EHRLICH_KIND = SPEC_NAME


def _build_tfbind(request: OracleRequest) -> TFBindOracle:
    example = f"{TFBIND_KIND}:{TFBIND_LANDSCAPES[0]}"
    if request.body is None or not request.body.strip():
        raise OracleSpecError(
            f"{request.spec!r} must name a landscape: {TFBIND_KIND}:<TF> with TF one of "
            f"{', '.join(TFBIND_LANDSCAPES)} (e.g. {example})"
        )
    try:
        return TFBindOracle(check_landscape(request.body), name=request.spec)
    except (ValueError, FileNotFoundError) as exc:
        raise OracleSpecError(str(exc)) from None


def _build_ehrlich(request: OracleRequest) -> EhrlichOracle:
    try:
        parsed = EhrlichSpec.parse(request.spec if request.body is not None else EHRLICH_KIND)
    except ValueError as exc:
        raise OracleSpecError(str(exc)) from None
    return EhrlichOracle(parsed, name=request.spec)


TFBIND8 = OracleKind(
    name=TFBIND_KIND,
    domains=("dna",),
    build=_build_tfbind,
    example=f"{TFBIND_KIND}:{TFBIND_LANDSCAPES[0]}",
    order=20,
    forms=(
        (
            f"{TFBIND_KIND}:<TF>",
            "DNA 8-mer binding to a transcription factor, exact lookup normalised 0..1, optimum 1.0; "
            f"TF = {', '.join(TFBIND_LANDSCAPES)}",
        ),
    ),
)
EHRLICH = OracleKind(
    name=EHRLICH_KIND,
    domains=("protein",),
    build=_build_ehrlich,
    example=EhrlichSpec().text(),
    order=30,
    forms=(
        (
            f"{EHRLICH_KIND}[:v,L,c,k,q,seed]",
            "Ehrlich function (Stanton et al. 2024), infeasible sequences score None, optimum 1.0; "
            f"plain '{EHRLICH_KIND}' = {EhrlichSpec().text()}",
        ),
    ),
)
