"""Turn the bytes of a CSV, SDF or FASTA score file into raw records: text fields per row, not yet
validated. `score_import` checks the values; this module only knows the file layouts.

Each parser yields `RawRecord`s, or a `ScoreFileError` for a record it cannot read at all (a broken mol
block), so that valid_only mode can skip that record and keep going. Problems with the whole file (no
header, missing columns, nothing in it) are raised, because no row could be trusted after them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from designer_app.io.errors import ScoreFileError

# Accepted column names (lower-case) -> the field they fill. Order matters: when a file has two aliases
# of one field (say `score` and `value`) the earlier name wins and the other column is ignored.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "item": ("smiles", "item", "sequence"),
    "score": ("score", "value", "y"),
    "status": ("status",),
    "note": ("note",),
}
_KNOWN = {alias: fld for fld, aliases in FIELD_ALIASES.items() for alias in aliases}
# SDF properties that are never taken as "the one numeric property" when `score` is missing: our own
# exports carry them, and reading predicted_mean back as a measurement would silently corrupt the data.
_NOT_A_SCORE = frozenset({"id", "round", "status", "note", "predicted_mean", "predicted_std", "feasible"})


@dataclass
class RawRecord:
    """One row/record as text.

    Attributes:
        number: the CSV line, or the SDF/FASTA record number (what ScoreRow.line reports).
        file_line: for SDF/FASTA, the text line the record starts on (for messages); None for CSV.
        fields: field name ("id", "item", "score", "status", "note") -> raw text; absent = not given.
        names: field name -> the column/property/key as the file spells it, for messages.
        item_kind: how to validate the item: "domain" (CSV: by the campaign domain), "canonical" (SDF:
            already canonical SMILES from RDKit) or "sequence" (FASTA: letters, checked here).
        decimal_comma: accept "0,7" as 0.7 (semicolon CSV files come from European spreadsheets).
    """

    number: int
    file_line: int | None
    fields: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    item_kind: str = "domain"
    decimal_comma: bool = False
    unit: str = "line"
    column_kind: str = "column"


def decode(data: bytes, file: str) -> str:
    """Bytes -> text with a BOM removed and newlines normalised to \\n.

    UTF-8 (with or without BOM) first, then Latin-1, which is what older Excel versions write; UTF-16
    only when it has a BOM (Excel's "Unicode text"). Latin-1 decodes any byte, so the only undecodable
    files are binary ones, recognised by NUL bytes.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ScoreFileError(
                file, "starts like UTF-16 text but cannot be decoded; save it again as 'CSV UTF-8'"
            ) from None
    else:
        # utf-8-sig also reads plain UTF-8; a file that fails it fails plain utf-8 too.
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ScoreFileError(
            file,
            "is not a text file (it contains NUL bytes; an Excel workbook?); save it "
            "as 'CSV UTF-8' and import that file",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sniff_delimiter(first_line: str, suffix: str) -> str:
    """The delimiter among , ; and tab that the header line uses most (outside quotes).

    Counting on the header is enough: column names never contain delimiters, while data rows may (notes),
    and csv.Sniffer guesses wrong on one-column or short files."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return "\t" if suffix == ".tsv" else ","
    return best


def parse_csv(text: str, file: str, suffix: str) -> Iterator[RawRecord]:
    """CSV/TSV rows as raw records. Raises for file-level problems before yielding anything."""
    if not text.strip():
        raise ScoreFileError(file, "is empty; add a header line such as 'id,score' and one row per candidate")
    first_line = next(line for line in text.split("\n") if line.strip())
    delimiter = sniff_delimiter(first_line, suffix)
    rows = _csv_rows(text, file, delimiter)
    first = next(rows, None)
    if first is None:  # only delimiters and spaces
        raise ScoreFileError(file, "is empty; add a header line such as 'id,score' and one row per candidate")
    header_line, header = first
    columns = _map_header(header, header_line, file)
    names = {fld: header[i].strip() for fld, i in columns.items()}
    any_data = False
    for line, cells in rows:
        any_data = True
        fields = {fld: (cells[i] if i < len(cells) else "") for fld, i in columns.items()}
        yield RawRecord(line, None, fields, names, decimal_comma=delimiter == ";")
    if not any_data:
        raise ScoreFileError(file, "has a header but no data rows; add one row per measured candidate below the header")


def _csv_rows(text: str, file: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the row, cells) for every row with a non-blank cell."""
    # strict: an unterminated quote would otherwise swallow the rest of the file into one cell
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    previous = 0  # reader.line_num after the previous row: a row spans previous+1 .. line_num
    try:
        for cells in reader:
            start, previous = previous + 1, reader.line_num
            if any(c.strip() for c in cells):  # Excel leaves rows of empty cells (",,,") at the end
                yield start, cells
    except csv.Error as exc:  # unterminated quote, field over the size limit
        raise ScoreFileError(
            file, f"cannot be read as CSV ({exc}); check the quotes in that row", line=previous + 1
        ) from None


def _map_header(header: list[str], line: int, file: str) -> dict[str, int]:
    """Field -> column index; raises when the header is missing, ambiguous or incomplete."""
    normalised = [h.strip().lower() for h in header]
    found = [h.strip() for h in header if h.strip()]
    if not any(h in _KNOWN for h in normalised):
        shown = ", ".join(repr(h) for h in found[:6])
        raise ScoreFileError(
            file,
            f"the first line ({shown}) has no known column names, so the file has no "
            "header; add a first line naming the columns, e.g. 'id,score' or 'smiles,score'",
            line=line,
        )
    positions: dict[str, int] = {}
    for i, name in enumerate(normalised):
        if name in positions:
            raise ScoreFileError(
                file,
                f"two columns are named {name!r} (columns {positions[name] + 1} and {i + 1}); rename or delete one",
                line=line,
            )
        if name:
            positions[name] = i
    columns: dict[str, int] = {}
    for fld, aliases in FIELD_ALIASES.items():
        present = [a for a in aliases if a in positions]
        if present:
            columns[fld] = positions[present[0]]
    missing = []
    if "score" not in columns:
        missing.append("score (or value, y)")
    if "id" not in columns and "item" not in columns:
        missing.append("id or smiles/item/sequence")
    if missing:
        raise ScoreFileError(
            file,
            f"missing the {' and the '.join(missing)} column; columns found: "
            f"{', '.join(found)}; expected: score (or value, y), id and/or smiles/item/"
            "sequence, optionally status and note",
            line=line,
        )
    return columns


def parse_sdf(text: str, file: str) -> Iterator[RawRecord | ScoreFileError]:
    """SD records as raw records: the molecule becomes the item (canonical SMILES), properties `id`,
    `score` (or the only numeric property), `status` and `note` fill the fields."""
    records = list(_sdf_blocks(text))
    if not records:
        raise ScoreFileError(file, "is empty; export the molecules as SDF with a 'score' property")
    for number, (start, lines) in enumerate(records, start=1):
        yield _sdf_record(number, start, lines, file)


def _sdf_blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, lines) of every record; the $$$$ separators are dropped, blank records skipped."""
    lines = text.split("\n")
    start, block = 1, []
    for i, line in enumerate(lines, start=1):
        if line.strip() == "$$$$":
            if any(x.strip() for x in block):
                yield start, block
            start, block = i + 1, []
        else:
            block.append(line)
    if any(x.strip() for x in block):
        yield start, block


def _sdf_record(number: int, start: int, lines: list[str], file: str) -> RawRecord | ScoreFileError:
    def error(reason: str, column: str | None = None) -> ScoreFileError:
        return ScoreFileError(
            file, reason, line=number, unit="record", file_line=start, column=column, column_kind="property"
        )

    end = next((i for i, line in enumerate(lines) if line.startswith("M  END")), None)
    if end is None:
        return error(
            "has no 'M  END' line, so it is not a mol block; export the file again from your "
            "chemistry software, or delete this record"
        )
    smiles = _molblock_to_smiles("\n".join(lines[: end + 1]) + "\n")
    if smiles is None:
        return error(
            "RDKit cannot read this molecule (broken mol block or impossible valence); fix the "
            "structure or delete this record"
        )
    props: dict[str, tuple[str, str]] = {}  # lower-case name -> (name as written, value)
    i = end + 1
    while i < len(lines):
        match = re.match(r">.*?<([^>]*)>", lines[i])
        i += 1
        if match is None:
            continue
        value = []
        while i < len(lines) and lines[i].strip():
            value.append(lines[i].strip())
            i += 1
        name = match.group(1).strip()
        props.setdefault(name.lower(), (name, " ".join(value)))
    record = RawRecord(
        number,
        start,
        {"item": smiles},
        {"item": "molecule"},
        item_kind="canonical",
        unit="record",
        column_kind="property",
    )
    for fld in ("id", "status", "note"):
        if fld in props:
            record.names[fld], record.fields[fld] = props[fld]
    score_name = next((a for a in FIELD_ALIASES["score"] if a in props), None)
    if score_name is None:
        numeric = [k for k, (_, v) in props.items() if k not in _NOT_A_SCORE and _is_number(v)]
        if len(numeric) == 1:
            score_name = numeric[0]
        elif record.fields.get("status", "").strip().lower() not in ("failed", "pending"):
            shown = ", ".join(name for name, _ in props.values()) or "none"
            return error(
                f"has no property named score and {len(numeric)} other numeric properties "
                f"(properties: {shown}); name the measured property 'score'"
            )
    if score_name is not None:
        record.names["score"], record.fields["score"] = props[score_name]
    else:
        record.names["score"] = "score"
    return record


def _molblock_to_smiles(block: str) -> str | None:
    """Canonical SMILES of a mol block, or None when RDKit cannot read it."""
    from rdkit import Chem, RDLogger

    from designer_app.domains.chemistry import canonical_smiles

    RDLogger.DisableLog("rdApp.*")
    try:
        mol = Chem.MolFromMolBlock(block)
        if mol is None or mol.GetNumAtoms() == 0:
            return None
        smiles = Chem.MolToSmiles(mol)
    except Exception:  # RDKit raises a zoo of RuntimeError/ValueError subtypes on garbage input
        return None
    # Canonicalise through chemistry.canonical_smiles so SDF items match SMILES typed in a CSV.
    return canonical_smiles(smiles) or smiles


_HEADER_FIELD = re.compile(r'([A-Za-z_]\w*)=(?:"([^"]*)"|(\S*))')


def parse_fasta(text: str, file: str) -> Iterator[RawRecord | ScoreFileError]:
    """FASTA records: the header's key=value fields (`id`, `score`/`value`/`y`, `status`, `note`, values
    with spaces in double quotes; other keys and the sequence name are ignored) and the sequence."""
    records: list[tuple[int, str, list[str]]] = []  # (line, header, sequence lines)
    for i, line in enumerate(text.split("\n"), start=1):
        if line.startswith(">"):
            records.append((i, line[1:], []))
        elif line.strip():
            if not records:
                raise ScoreFileError(
                    file,
                    "has sequence text before the first '>' header; every record "
                    "starts with a header line such as '>id=12 score=0.7'",
                    line=i,
                )
            records[-1][2].append(line.strip())
    if not records:
        raise ScoreFileError(
            file, "has no records; write one '>id=12 score=0.7' header line per sequence, followed by the sequence"
        )
    for number, (start, header, seq_lines) in enumerate(records, start=1):
        yield _fasta_record(number, start, header, "".join(seq_lines), file)


def _fasta_record(number: int, start: int, header: str, sequence: str, file: str) -> RawRecord | ScoreFileError:
    def error(reason: str, column: str | None = None) -> ScoreFileError:
        return ScoreFileError(
            file, reason, line=number, unit="record", file_line=start, column=column, column_kind="header field"
        )

    record = RawRecord(
        number, start, {}, {"item": "sequence"}, item_kind="sequence", unit="record", column_kind="header field"
    )
    for match in _HEADER_FIELD.finditer(header):
        key, value = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
        fld = _KNOWN.get(key.lower())
        if fld is None or fld == "item":
            continue  # round=, std= from our exports, and anything else the lab adds
        if fld in record.fields:
            return error(f"is given twice in the header; keep one {key}=", column=key)
        record.fields[fld], record.names[fld] = value, key
    record.names.setdefault("score", "score")
    sequence = "".join(sequence.split()).upper()  # lower case is soft-masking, not different residues
    if not sequence:
        return error("has a header but no sequence; write the sequence on the lines below the header")
    bad = sorted(set(ch for ch in sequence if not "A" <= ch <= "Z"))
    if bad:
        return error(
            f"the sequence contains {', '.join(repr(c) for c in bad)}, which are not letters A-Z; "
            "remove them (stop codons '*' and gaps '-' included)"
        )
    record.fields["item"] = sequence
    return record


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
