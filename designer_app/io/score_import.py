"""Read measured scores that the lab sends back: CSV/TSV, SDF or FASTA, checked row by row.

`read_scores` never touches the campaign database: it returns validated rows and the caller (store, CLI,
GUI) matches them to candidates. By default the first problem raises a `ScoreFileError` whose message
says where it is and how to fix it, so a half-wrong file is never half imported; with ``valid_only=True``
the bad rows are collected in `ScoreFile.rejected` and the good ones returned.

Row rules shared by all formats:
  * a row needs an id or an item (SMILES/sequence); ids must be whole numbers, items valid for the domain
    (molecules: RDKit-readable SMILES, returned canonical; dna: A C G T; protein: the 20 amino acids
    ACDEFGHIKLMNPQRSTVWY; lower case is accepted and upper-cased);
  * status is ok, failed or pending (empty = ok); an ok row needs a finite score, failed/pending rows
    carry none (value None). A score filled in on a row still marked pending counts as ok: exported files
    say "pending" for candidates sent to the lab and the lab only fills in the score. A failed row keeps
    status failed and no value even if a number was written (a failed assay's readout is not a
    measurement); the number is kept in the note so nothing the lab wrote is lost;
  * an id or item may appear once per file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from designer_app.core.protocols import FAILED, MEASUREMENT_STATUSES, OK, PENDING
from designer_app.io.errors import ScoreFileError
from designer_app.io.score_formats import RawRecord, decode, parse_csv, parse_fasta, parse_sdf

__all__ = ["ScoreRow", "ScoreFile", "ScoreFileError", "read_scores", "SUPPORTED_SUFFIXES"]

_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_SDF_SUFFIXES = (".sdf",)
_FASTA_SUFFIXES = (".fasta", ".fa")
SUPPORTED_SUFFIXES: tuple[str, ...] = _CSV_SUFFIXES + _SDF_SUFFIXES + _FASTA_SUFFIXES

# Larger files are refused before being read: a lab result file is kilobytes to a few megabytes; a
# gigabyte one is a wrong file (a raw instrument dump, an image) and would only exhaust memory.
MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class ScoreRow:
    """One validated measurement.

    Attributes:
        line: 1-based line (CSV) or record number (SDF/FASTA) in the file.
        candidate_id: from an `id` column/property/header field if present.
        item: canonical SMILES (molecules, SDF) or upper-case sequence; None when only an id was given.
        value: the score; None for failed/pending rows.
        status: "ok" | "failed" | "pending".
        note: free text from a `note` column ("" when absent).
    """

    line: int
    candidate_id: int | None
    item: str | None
    value: float | None
    status: str
    note: str


@dataclass(frozen=True)
class ScoreFile:
    """What `read_scores` read: the valid rows, and (valid_only mode only) the (line, reason) of the
    rows it skipped."""

    rows: list[ScoreRow]
    rejected: list[tuple[int, str]] = field(default_factory=list)


def read_scores(path: str | Path, *, valid_only: bool = False, domain: str = "molecules") -> ScoreFile:
    """Read a score file; the format comes from the extension (.csv .tsv .txt .sdf .fasta .fa).

    Args:
        path: the file.
        valid_only: collect bad rows in `rejected` instead of raising on the first one. Problems with
            the file as a whole (unreadable, empty, no header, missing columns) still raise.
        domain: how items are validated: a domain that reads SDF (molecules: SMILES, canonicalised), a
            sequence domain (its alphabet), anything else (any text).

    Raises:
        ScoreFileError: the file or (unless valid_only) a row is wrong; the message says where and what
            to change. Never any other exception for bad content.
    """
    path = Path(path).expanduser()  # "~/scores.csv" as typed in a shell that did not expand it, or a dialog
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ScoreFileError(
            file,
            f"has the extension {suffix or '(none)'!r}, which is not a score file "
            f"format; use one of {', '.join(SUPPORTED_SUFFIXES)}",
        )
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScoreFileError(
                file,
                f"is {size / 2**20:.0f} MB, more than a score file can be "
                f"({MAX_FILE_BYTES // 2**20} MB); check that this is the right file, or "
                "split it into smaller files",
            ) from None
        data = path.read_bytes()
    except OSError as exc:
        raise ScoreFileError(
            file,
            f"cannot be read ({exc.strerror or exc}); check the path and that the file "
            "is not open with an exclusive lock in another program",
            whole_path=True,
        ) from None
    text = decode(data, file)
    records: Iterable[RawRecord | ScoreFileError]
    if suffix in _CSV_SUFFIXES:
        records = parse_csv(text, file, suffix)
    elif suffix in _SDF_SUFFIXES:
        records = parse_sdf(text, file)
    else:
        records = parse_fasta(text, file)
    return _validate(records, file, domain, valid_only)


def _validate(records: Iterable[RawRecord | ScoreFileError], file: str, domain: str, valid_only: bool) -> ScoreFile:
    rows: list[ScoreRow] = []
    rejected: list[tuple[int, str]] = []
    seen_ids: dict[int, int] = {}  # id -> the line/record it first appeared on
    seen_items: dict[str, int] = {}
    for record in records:
        try:
            if isinstance(record, ScoreFileError):
                raise record
            row = _row(record, file, domain)
            if row is None:  # an exported informational row (infeasible / duplicate) left unscored
                continue
            _check_unique(row, record, file, seen_ids, seen_items)
        except ScoreFileError as err:
            if not valid_only or err.line is None:
                raise
            rejected.append((err.line, err.detail))
            continue
        if row.candidate_id is not None:
            seen_ids[row.candidate_id] = row.line
        if row.item is not None:
            seen_items[row.item] = row.line
        rows.append(row)
    return ScoreFile(rows, rejected)


def _error(record: RawRecord, file: str, reason: str, fld: str | None = None) -> ScoreFileError:
    column = None if fld is None else record.names.get(fld, fld)
    return ScoreFileError(
        file,
        reason,
        line=record.number,
        column=column,
        unit=record.unit,
        file_line=record.file_line,
        column_kind=record.column_kind,
    )


# Statuses that `export` writes for candidates nobody should measure; such rows without a score are
# skipped, so an exported file can be filled in and imported back unchanged.
SKIP_STATUSES = ("infeasible", "duplicate")


def _row(record: RawRecord, file: str, domain: str) -> ScoreRow | None:
    """Validate one raw record; raises ScoreFileError at the first problem. None = skip the row."""
    fields = {k: v.strip() for k, v in record.fields.items()}
    candidate_id = None
    if fields.get("id"):
        try:
            candidate_id = int(fields["id"])
        except ValueError:
            raise _error(
                record,
                file,
                f"{fields['id']!r} is not a whole number; copy the id unchanged from "
                "the exported file, or leave it empty and give the item",
                "id",
            ) from None
    item = _item(record, file, fields.get("item", ""), domain) if fields.get("item") else None
    if candidate_id is None and item is None:
        wanted = " or ".join(record.names[f] for f in ("id", "item") if f in record.names) or "id"
        raise _error(record, file, f"has neither an id nor an item; fill in the {wanted}, or delete the row")
    raw_status = fields.get("status", "")
    status = raw_status.lower() or OK
    if status in SKIP_STATUSES:
        if not fields.get("score", ""):
            return None
        status = PENDING  # the lab measured it anyway: a filled-in score counts as ok below
    if status not in MEASUREMENT_STATUSES:
        raise _error(
            record, file, f"{raw_status!r} is not a status; write ok, failed or pending (empty means ok)", "status"
        )
    value = None
    score_text = fields.get("score", "")
    if score_text:
        value = _number(score_text, record.decimal_comma)
        if value is None or not math.isfinite(value):
            kind = "a finite number" if value is not None and not math.isnan(value) else "a number"
            raise _error(
                record, file, f"{score_text!r} is not {kind}; write a decimal number, or set status to failed", "score"
            )
        if status == FAILED:
            ignored = f"score {score_text} ignored: status failed"
            note = fields.get("note", "")
            note = f"{note} ({ignored})" if note else ignored
            return ScoreRow(record.number, candidate_id, item, None, FAILED, note)
        status = OK  # a filled-in score turns an exported "pending" row into a measurement
    elif status == OK:
        raise _error(
            record,
            file,
            "the score is empty; write the measured value, or set status to failed "
            "(the measurement failed) or pending (not measured yet)",
            "score",
        )
    return ScoreRow(record.number, candidate_id, item, value, status, fields.get("note", ""))


def _alphabet(domain: str) -> str:
    """The domain's letters ("" for domains whose items are not sequences). Exactly what the samplers
    produce: an ambiguity code (N, X, B, Z) names no single design, so a score for it could be matched to no
    candidate and fit no model."""
    from designer_app.domains import get_domain

    return get_domain(domain).alphabet


def _structures(domain: str) -> bool:
    """Whether the domain's items are chemical structures (SMILES; it reads SDF files)."""
    from designer_app.domains import get_domain

    return "sdf" in get_domain(domain).import_formats


def _item(record: RawRecord, file: str, text: str, domain: str) -> str:
    """The item in canonical form, or raise: SMILES for molecules (unless it came from an SDF molecule,
    already canonical), the alphabet for sequence domains, anything for other domains."""
    if record.item_kind == "canonical":
        return text
    alphabet = _alphabet(domain)
    if record.item_kind == "sequence" or alphabet:
        sequence = "".join(text.split()).upper()
        alphabet = alphabet or _alphabet("protein")  # a FASTA file read for a non-sequence domain
        bad = sorted(set(sequence) - set(alphabet))
        if bad:
            allowed = ", ".join(alphabet) if len(alphabet) <= 4 else alphabet
            # FASTA has no item "column": the sequence lines are the item, so name no field there.
            fld = None if record.item_kind == "sequence" else "item"
            first = next(i for i, ch in enumerate(sequence) if ch in bad) + 1
            shown = sequence if len(sequence) <= 40 else sequence[:37] + "..."
            raise _error(
                record,
                file,
                f"the sequence {shown!r} contains {', '.join(repr(c) for c in bad)} (first "
                f"at position {first}), not allowed in a {_sequence_kind(domain)} sequence; "
                f"use only {allowed}",
                fld,
            )
        return sequence
    if not _structures(domain):
        return text
    from designer_app.domains.chemistry import canonical_smiles

    try:
        smiles = canonical_smiles(text)
    except Exception:  # RDKit may raise instead of returning None on pathological strings
        smiles = None
    if smiles is None:
        raise _error(
            record,
            file,
            f"{text!r} is not a valid SMILES (RDKit cannot read it); correct the structure, or delete the row",
            "item",
        )
    return smiles


def _sequence_kind(domain: str) -> str:
    """How messages name a sequence: "DNA" / "RNA" (short names are acronyms), else the domain's name."""
    return domain.upper() if len(domain) <= 3 else domain


def _check_unique(
    row: ScoreRow, record: RawRecord, file: str, seen_ids: dict[int, int], seen_items: dict[str, int]
) -> None:
    unit = record.unit
    if row.candidate_id is not None and row.candidate_id in seen_ids:
        first = seen_ids[row.candidate_id]
        raise _error(
            record,
            file,
            f"id {row.candidate_id} already appears on {unit} {first}; keep one row "
            "per candidate (average replicates first, or delete one)",
            "id",
        )
    # The same item under two different ids (a duplicate proposal) is fine: the campaign maps both to
    # the first candidate. Without ids, a repeated item is ambiguous.
    if row.candidate_id is None and row.item is not None and row.item in seen_items:
        first = seen_items[row.item]
        raise _error(
            record,
            file,
            f"{row.item!r} already appears on {unit} {first}; keep one row per "
            "candidate (average replicates first, or delete one)",
            "item",
        )


def _number(text: str, decimal_comma: bool) -> float | None:
    """float(text), or None. With `decimal_comma` (semicolon-separated files, written by spreadsheets in
    locales where 0,7 means 0.7) a single comma and no dot is read as the decimal mark."""
    if decimal_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None
