"""Export candidates for the lab: CSV (any domain), SDF (molecules) and FASTA (sequences).

Every writer builds the whole file in memory and writes it with `atomic_write_text`, so an export that
fails half-way (disk full, crash) leaves the previous file, never a truncated one the lab might use.
The CSV is the format the lab fills in and sends back: `read_scores` reads it unchanged (same `id`,
`item`, `score`, `status` columns; the other columns are ignored on import).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from designer_app.atomic import atomic_write_text

__all__ = ["ExportRow", "CSV_COLUMNS", "write_csv", "write_sdf", "write_fasta"]

log = logging.getLogger(__name__)

CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "round",
    "item",
    "score",
    "status",
    "predicted_mean",
    "predicted_std",
    "feasible",
)


@dataclass(frozen=True)
class ExportRow:
    """One candidate as exported.

    Attributes:
        id: the candidate id the lab must send back with the score.
        round: the design round that proposed it.
        item: canonical SMILES or sequence.
        score: the measured score, None if not measured.
        status: measurement status ("ok", "failed", "pending").
        predicted_mean, predicted_std: the reward model's prediction, None if not predicted.
        feasible: whether the domain judged the item feasible.
        extra: more columns (acquisition, n_replicates, ...), written after the fixed ones, sorted by name.
    """

    id: int
    round: int
    item: str
    score: float | None
    status: str
    predicted_mean: float | None
    predicted_std: float | None
    feasible: bool
    extra: dict[str, object] = field(default_factory=dict)


def _cell(value: object) -> str:
    """Text for one value: empty for None and for NaN/inf (an empty score is what read_scores expects
    for an unmeasured row, and 'nan' cells confuse spreadsheets), true/false for booleans, shortest
    round-tripping text for floats."""
    if value is None:
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":  # numpy.bool_ is no numbers.Integral
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)  # also turns numpy floats into floats: repr(np.float64) is "np.float64(..)"
        return repr(number) if math.isfinite(number) else ""
    return str(value)


def _extra_keys(rows: Sequence[ExportRow], fixed: Sequence[str]) -> list[str]:
    keys = sorted({key for row in rows for key in row.extra})
    clash = [key for key in keys if key in fixed]
    if clash:  # two columns with one name would make the file ambiguous to read back
        raise ValueError(f"extra columns {clash} clash with the fixed export columns")
    return keys


def write_csv(rows: Sequence[ExportRow], path: str | Path) -> Path:
    """Write `rows` as CSV: the CSV_COLUMNS, then the union of the rows' extra keys (sorted); empty
    cells for None and for extra keys a row lacks. Returns the path written."""
    extra_keys = _extra_keys(rows, CSV_COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *extra_keys])
    for row in rows:
        fixed = (
            row.id,
            row.round,
            row.item,
            row.score,
            row.status,
            row.predicted_mean,
            row.predicted_std,
            row.feasible,
        )
        writer.writerow([_cell(v) for v in fixed] + [_cell(row.extra.get(k)) for k in extra_keys])
    return atomic_write_text(path, buffer.getvalue())


def _properties(row: ExportRow) -> list[tuple[str, object]]:
    fixed: list[tuple[str, object]] = [
        ("id", row.id),
        ("round", row.round),
        ("score", row.score),
        ("status", row.status),
        ("predicted_mean", row.predicted_mean),
        ("predicted_std", row.predicted_std),
        ("feasible", row.feasible),
    ]
    names = {name for name, _ in fixed}
    return fixed + [(key, row.extra[key]) for key in _extra_keys([row], tuple(names))]


def write_sdf(rows: Sequence[ExportRow], path: str | Path, *, skipped: list[int] | None = None) -> Path:
    """Write one molecule per row with 2D coordinates and properties id, round, score, status,
    predicted_mean, predicted_std, feasible and the extra keys. Every property is written, empty when
    None: an SDF without `score` would make read_scores look for another numeric property.

    Rows whose item RDKit cannot parse are skipped; their ids are appended to `skipped` when a list is
    given, and their number is logged. Returns the path written.
    """
    from rdkit import Chem
    from rdkit.Chem import rdDepictor

    from designer_app.domains.chemistry import mol_from_smiles

    parts: list[str] = []
    missed: list[int] = []
    for row in rows:
        mol = mol_from_smiles(row.item)
        if mol is None:
            missed.append(row.id)
            continue
        rdDepictor.Compute2DCoords(mol)
        mol.SetProp("_Name", f"id={row.id}")  # the title line, so viewers show which candidate this is
        data = "".join(f"> <{name}>\n{_sdf_value(value)}\n\n" for name, value in _properties(row))
        parts.append(Chem.MolToMolBlock(mol) + data + "$$$$\n")
    if missed:
        log.warning(
            "SDF export %s: skipped %d row(s) whose SMILES RDKit cannot parse (ids %s)", path, len(missed), missed[:20]
        )
        if skipped is not None:
            skipped.extend(missed)
    return atomic_write_text(path, "".join(parts))


def _sdf_value(value: object) -> str:
    # A blank line ends a data item, so multi-line text is folded onto one line.
    return " ".join(_cell(value).split())


def write_fasta(rows: Sequence[ExportRow], path: str | Path) -> Path:
    """Write one record per row, header ``>id=12 round=3 score=0.7 std=0.05 status=pending`` (empty
    value for None) and the sequence on one line. `status` is added to the header so that the file,
    once the lab fills in score=, reads back with read_scores. Returns the path written.

    Raises:
        ValueError: an item is empty or contains whitespace or '>' (it would corrupt the file).
    """
    lines: list[str] = []
    for row in rows:
        if not row.item or any(ch.isspace() for ch in row.item) or ">" in row.item:
            raise ValueError(f"candidate {row.id}: item {row.item!r} cannot be written as a FASTA sequence")
        status = "_".join(row.status.split())  # header fields are split on spaces
        lines.append(
            f">id={row.id} round={row.round} score={_cell(row.score)} std={_cell(row.predicted_std)} status={status}"
        )
        lines.append(row.item)
    return atomic_write_text(path, "".join(line + "\n" for line in lines))
