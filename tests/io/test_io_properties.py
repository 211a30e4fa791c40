"""Property tests of score import on generated lab files (hypothesis).

* Any well-formed table reads back exactly, whatever the delimiter, encoding, BOM, line ending, column
  order, column-name case or alias, quoting and extra columns.
* One bad cell anywhere (text, NaN, inf, empty score, bad id, bad status, duplicated id) makes the file
  fail with an error naming the file, that line and that column; "import valid rows" returns every other
  row and rejects exactly that line.
* Against a campaign: a file with unknown ids stores nothing (one transaction); valid-rows mode stores
  exactly the known ones.
* FASTA records with a letter outside the domain's alphabet, and SDF files with one broken mol block,
  are named by record and line.

The CI subset tries a few dozen examples per property; DESIGNER_APP_FULL=1 tries 500 each.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from designer_app.domains import get_domain
from designer_app.io import ScoreFileError, ScoreRow, read_scores
from designer_app.io.score_apply import apply_scores

FULL = os.environ.get("DESIGNER_APP_FULL") == "1"
PROPS = settings(
    max_examples=500 if FULL else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1"]
ALIASES = {
    "id": ["id", "ID", "Id"],
    "score": ["score", "Score", "value", "y", "SCORE"],
    "status": ["status", "Status"],
    "note": ["note", "Note"],
    "item": ["sequence", "item", "Sequence"],
}
EXTRA_COLUMNS = ["round", "predicted_mean", "operator", "plate", "comment"]
ASCII_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
# Latin-1 text whose bytes never form valid UTF-8 (é = E9 and ü = FC are no UTF-8 sequence with ASCII):
# a file could otherwise be read as the other encoding, which no reader can tell apart.
LATIN1_TEXT = st.text(alphabet=st.sampled_from(list("abc XYZ-_.0123") + ["é", "ü"]), max_size=12)
UNICODE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\ufeff"), max_size=12
)


@dataclass
class Table:
    """A lab file before it is written: rows of field -> text, and how to write them."""

    rows: list[dict[str, str]]
    expected: list[ScoreRow]
    columns: list[str]  # field names (id, score, ...) and extra column names, in file order
    headers: dict[str, str]  # field -> the header text used
    delimiter: str
    encoding: str
    newline: str
    quote_all: bool

    def write(self, path: Path) -> Path:
        buffer = io.StringIO()
        writer = csv.writer(
            buffer,
            delimiter=self.delimiter,
            lineterminator=self.newline,
            quoting=csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL,
        )
        writer.writerow([self.headers.get(c, c) for c in self.columns])
        for row in self.rows:
            writer.writerow([row.get(c, "") for c in self.columns])
        path.write_bytes(buffer.getvalue().encode(self.encoding))
        return path


@st.composite
def tables(draw, domain: str = "dna", min_rows: int = 1) -> Table:
    encoding = draw(st.sampled_from(ENCODINGS))
    text = LATIN1_TEXT if encoding == "latin-1" else draw(st.sampled_from([ASCII_TEXT, UNICODE_TEXT]))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    with_item = draw(st.booleans())
    fields = ["id", "score", "status", "note"] + (["item"] if with_item else [])
    extras = draw(st.lists(st.sampled_from(EXTRA_COLUMNS), unique=True, max_size=2))
    columns = draw(st.permutations(fields + extras))
    headers = {f: draw(st.sampled_from(ALIASES[f])) for f in fields}
    headers = {f: f" {h} " if draw(st.booleans()) else h for f, h in headers.items()}  # stray spaces
    n = draw(st.integers(min_rows, 12))
    ids = draw(st.lists(st.integers(1, 10**6), min_size=n, max_size=n, unique=True))
    rows, expected = [], []
    for line, cid in enumerate(ids, start=2):
        status = draw(st.sampled_from(["", "ok", "OK", "failed", "Failed", "pending"]))
        note = draw(text).strip()
        row = {"id": str(cid), "status": status, "note": note}
        value = None
        if status.lower() in ("", "ok"):
            value = draw(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
            shown = repr(value)
            if delimiter == ";" and "." in shown and "e" not in shown and draw(st.booleans()):
                shown = shown.replace(".", ",")  # decimal comma, as spreadsheets in many locales write it
            row["score"] = shown
        item = None
        if with_item:
            item = draw(st.text(alphabet=get_domain(domain).alphabet, min_size=1, max_size=20))
            row["item"] = item.lower() if draw(st.booleans()) else item
        for extra in extras:
            row[extra] = draw(text).strip()
        rows.append(row)
        expected.append(ScoreRow(line, cid, item, value, "ok" if value is not None else status.lower(), note))
    return Table(
        rows,
        expected,
        columns,
        headers,
        delimiter,
        encoding,
        draw(st.sampled_from(["\n", "\r\n"])),
        draw(st.booleans()),
    )


@PROPS
@given(table=tables())
def test_any_well_formed_table_reads_back_exactly(tmp_path, table):
    path = table.write(tmp_path / "lab.csv")
    assert read_scores(path, domain="dna").rows == table.expected
    assert read_scores(path, domain="dna", valid_only=True).rejected == []


MUTATIONS = ["text", "nan", "inf", "empty_ok", "bad_id", "bad_status", "dup_id"]


@PROPS
@given(table=tables(min_rows=2), data=st.data())
def test_one_bad_cell_names_file_line_and_column(tmp_path, table, data):
    index = data.draw(st.integers(0, len(table.rows) - 1), label="row")
    kind = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    assume(kind != "dup_id" or index > 0)
    row = table.rows[index]
    field = {"bad_id": "id", "dup_id": "id", "bad_status": "status"}.get(kind, "score")
    if kind == "text":
        row["score"] = data.draw(st.sampled_from(["abc", "n/a", "0.5 mM", "1.2.3", "--", "<0.1", "high"]))
    elif kind == "nan":
        row["score"] = data.draw(st.sampled_from(["nan", "NaN", "-nan"]))
    elif kind == "inf":
        row["score"] = data.draw(st.sampled_from(["inf", "-Infinity", "1e999", "-1e400"]))
    elif kind == "empty_ok":
        row["score"], row["status"] = "", data.draw(st.sampled_from(["", "ok"]))
    elif kind == "bad_id":
        row["id"] = data.draw(st.sampled_from(["12a", "1.5", "#3", "id-7", "one"]))
    elif kind == "bad_status":
        row["status"] = data.draw(st.sampled_from(["maybe", "done", "n/a", "okay"]))
    else:
        row["id"] = table.rows[index - 1]["id"]
    if kind in ("text", "nan", "inf"):
        row["status"] = data.draw(st.sampled_from(["", "ok", "pending"]))
    path = table.write(tmp_path / "lab.csv")
    line = index + 2
    with pytest.raises(ScoreFileError) as info:
        read_scores(path, domain="dna")
    err = info.value
    assert (err.line, err.column) == (line, table.headers[field].strip())
    assert str(err).startswith(f"lab.csv, line {line}, column {table.headers[field].strip()}:")
    assert any(word in err.reason for word in ("write", "copy", "keep", "set"))  # it says what to change
    result = read_scores(path, domain="dna", valid_only=True)
    assert [r for _, r in result.rejected] == [err.detail]
    assert result.rejected[0][0] == line
    assert result.rows == [r for r in table.expected if r.line != line]


@pytest.fixture
def campaign(tmp_path):
    from designer_app.core.records import NewCandidate
    from designer_app.store import CampaignStore

    store = CampaignStore.create(tmp_path / "c", "c", "dna", {"name": "c", "domain": "dna"})
    store.add_round(
        1, 6, [NewCandidate(s, s, True) for s in ["AAAA", "AAAC", "AAAG", "AACA", "AACC", "AACG"]], None, 0.1
    )
    yield store
    store.close()


@PROPS
@given(
    ids=st.lists(st.integers(1, 9), min_size=1, max_size=8, unique=True),
    scores=st.lists(st.floats(0, 1), min_size=8, max_size=8),
    valid_only=st.booleans(),
)
def test_import_against_a_campaign_is_all_or_nothing(tmp_path, campaign, ids, scores, valid_only):
    before = len(campaign.measurements())
    path = tmp_path / "lab.csv"
    path.write_text("id,score\n" + "".join(f"{i},{s!r}\n" for i, s in zip(ids, scores)))
    unknown = [line for line, i in enumerate(ids, start=2) if i > 6]
    known_values = {i: s for i, s in zip(ids, scores) if i <= 6}
    current = {c.id: c.score for c in campaign.candidates()}
    changes = sum(1 for i, s in known_values.items() if current[i] != s)
    if unknown and not valid_only:
        with pytest.raises(ScoreFileError, match=f"line {unknown[0]}: id {ids[unknown[0] - 2]} is not a candidate"):
            apply_scores(campaign, path)
        assert len(campaign.measurements()) == before
        return
    report = apply_scores(campaign, path, valid_only=valid_only)
    assert [line for line, _ in report.rejected] == unknown
    assert report.stored == changes and len(campaign.measurements()) == before + changes
    scores_now = {c.id: c.score for c in campaign.candidates()}
    assert all(scores_now[i] == s for i, s in known_values.items())


@PROPS
@given(domain=st.sampled_from(["dna", "protein"]), data=st.data())
def test_fasta_bad_letter_is_named_by_record_and_line(tmp_path, domain, data):
    alphabet = get_domain(domain).alphabet
    seqs = data.draw(st.lists(st.text(alphabet=alphabet, min_size=1, max_size=30), min_size=1, max_size=6))
    bad_index = data.draw(st.integers(0, len(seqs) - 1))
    letter = data.draw(st.sampled_from([c for c in "BJOUXZ*-." if c not in alphabet]))
    position = data.draw(st.integers(0, len(seqs[bad_index])))
    seqs[bad_index] = seqs[bad_index][:position] + letter + seqs[bad_index][position:]
    wrap = data.draw(st.integers(3, 60))
    lines, starts = [], []
    for i, seq in enumerate(seqs):
        starts.append(len(lines) + 1)
        lines.append(f">id={i + 1} score={i / 10}")
        lines += [seq[j : j + wrap] for j in range(0, len(seq), wrap)]
    path = tmp_path / "lab.fasta"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScoreFileError) as info:
        read_scores(path, domain=domain)
    assert str(info.value).startswith(f"lab.fasta, record {bad_index + 1} (line {starts[bad_index]})")
    assert repr(letter) in str(info.value)
    result = read_scores(path, domain=domain, valid_only=True)
    assert [r.candidate_id for r in result.rows] == [i + 1 for i in range(len(seqs)) if i != bad_index]


MOLECULES = ["CCO", "c1ccccc1", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "OC1CCNCC1"]


@PROPS
@given(picks=st.lists(st.sampled_from(MOLECULES), min_size=1, max_size=5), data=st.data())
def test_sdf_with_one_broken_block_is_named_by_record(tmp_path, picks, data):
    from rdkit import Chem

    broken = data.draw(st.integers(0, len(picks) - 1))
    damage = data.draw(st.sampled_from(["no_end", "truncate", "bad_counts", "bad_atom"]))
    blocks = []
    for i, smiles in enumerate(picks):
        block = Chem.MolToMolBlock(Chem.MolFromSmiles(smiles))
        if i == broken:
            lines = block.split("\n")
            if damage == "no_end":
                lines = [x for x in lines if not x.startswith("M  END")]
            elif damage == "truncate":
                lines = lines[:4] + [x for x in lines if x.startswith("M  END")]
            elif damage == "bad_counts":
                lines[3] = "999 999  0  0  0  0  0  0  0  0999 V2000"
            else:
                lines[4] = lines[4][:31] + "Qq" + lines[4][33:]
            block = "\n".join(lines)
        blocks.append(f"{block}> <id>\n{i + 1}\n\n> <score>\n{i}\n\n$$$$\n")
    path = tmp_path / "lab.sdf"
    path.write_text("".join(blocks))
    with pytest.raises(ScoreFileError) as info:
        read_scores(path)
    assert str(info.value).startswith(f"lab.sdf, record {broken + 1} (line ")
    result = read_scores(path, valid_only=True)
    assert [r.candidate_id for r in result.rows] == [i + 1 for i in range(len(picks)) if i != broken]


@pytest.mark.parametrize("content", [b"", b"   \n\n", b",,,\n,,\n", b"\xef\xbb\xbf", b"\xff\xfe"])
def test_empty_files_are_refused(tmp_path, content):
    path = tmp_path / "lab.csv"
    path.write_bytes(content)
    with pytest.raises(ScoreFileError, match="lab.csv: .*(empty|header)"):
        read_scores(path)


def test_large_file_reads_and_oversized_file_is_refused(tmp_path, monkeypatch):
    n = 200_000 if FULL else 20_000
    path = tmp_path / "big.csv"
    path.write_text("id,score,note\n" + "".join(f"{i},{i / n!r},plate {i % 96}\n" for i in range(1, n + 1)))
    rows = read_scores(path).rows
    assert len(rows) == n and rows[-1] == ScoreRow(
        n + 1, n, None, 1.0, "ok", "plate 32" if n % 96 == 32 else f"plate {n % 96}"
    )
    from designer_app.io import score_import

    monkeypatch.setattr(score_import, "MAX_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(ScoreFileError, match="big.csv: is .* MB, more than a score file can be"):
        read_scores(path)
