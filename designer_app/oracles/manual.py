"""The `manual` oracle: measurements come from the lab, typed in or imported, never computed.

The campaign loop checks `is_manual` and waits for results instead of calling `score()`. Calling it
anyway is a programming error, so — unlike every other oracle — it raises, loudly and with directions.
"""

from __future__ import annotations

from collections.abc import Sequence

from designer_app.core.protocols import OracleResult
from designer_app.oracles.kinds import plain_kind
from designer_app.oracles.python_oracle import check_optimum


class ManualOracleError(RuntimeError):
    """`score()` was called on the manual oracle."""


class ManualOracle:
    """Marks a campaign whose measurements are entered by hand or imported from a CSV.

    Args:
        name: the spec it came from.
        optimum: best attainable value, if the user knows one (enables regret).
    """

    is_manual = True

    def __init__(self, *, name: str = "manual", optimum: float | None = None) -> None:
        self.name: str = name
        self.optimum: float | None = check_optimum(optimum, "optimum")

    def __repr__(self) -> str:
        return f"ManualOracle(name={self.name!r}, optimum={self.optimum!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        raise ManualOracleError(
            f"the manual oracle cannot score {len(items)} item(s): its measurements are typed in or "
            "imported from a CSV of results; check `oracle.is_manual` before calling score()"
        )


MANUAL = plain_kind(
    "manual",
    (),
    "measurements are typed in or imported from a CSV (lab experiments)",
    lambda spec: ManualOracle(name=spec),
    order=15,
)
