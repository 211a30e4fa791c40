"""read_scores on CSV/TSV files: valid files, encodings and delimiters, and every error a lab file can
have, each checked for a message that names the file, the line, the column and what to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer_app.io import ScoreFileError, ScoreRow, read_scores


def _write(folder: Path, text: str, name: str = "scores.csv", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def _error(path: Path, **kwargs) -> ScoreFileError:
    with pytest.raises(ScoreFileError) as info:
        read_scores(path, **kwargs)
    return info.value


def test_valid_file_gives_canonical_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        " ID , SMILES ,Score,Status,Note,operator\n"
        "1,OCC,0.5,,first,ann\n"
        "2,C1=CC=CC=C1,,failed,no yield,bob\n"
        "3,CC(=O)O,-1.25,OK,,ann\n"
        "4,CCN,,pending,,\n",
    )
    rows = read_scores(path).rows
    assert rows == [
        ScoreRow(line=2, candidate_id=1, item="CCO", value=0.5, status="ok", note="first"),
        ScoreRow(line=3, candidate_id=2, item="c1ccccc1", value=None, status="failed", note="no yield"),
        ScoreRow(line=4, candidate_id=3, item="CC(=O)O", value=-1.25, status="ok", note=""),
        ScoreRow(line=5, candidate_id=4, item="CCN", value=None, status="pending", note=""),
    ]


@pytest.mark.parametrize("header", ["id,value", "id,y", "id,score,value"])
def test_score_aliases(tmp_path: Path, header: str) -> None:
    # With both `score` and `value`, `score` wins: the first alias listed.
    path = _write(tmp_path, f"{header}\n7,1e-3,99\n")
    assert read_scores(path).rows[0].value == pytest.approx(1e-3)


def test_id_only_and_item_only_files(tmp_path: Path) -> None:
    ids = read_scores(_write(tmp_path, "id,score\n12,3\n", "a.csv")).rows
    items = read_scores(_write(tmp_path, "item,score\nCCO,3\n", "b.csv")).rows
    assert (ids[0].candidate_id, ids[0].item) == (12, None)
    assert (items[0].candidate_id, items[0].item) == (None, "CCO")


def test_pending_row_with_score_becomes_ok_and_failed_row_keeps_no_value(tmp_path: Path) -> None:
    # Exports say "pending"; the lab fills in the score only. A failed row's number is kept in the note.
    path = _write(tmp_path, "id,score,status,note\n1,0.7,pending,\n2,0.3,failed,clogged\n")
    first, second = read_scores(path).rows
    assert (first.status, first.value) == ("ok", 0.7)
    assert (second.status, second.value) == ("failed", None)
    assert "clogged" in second.note and "0.3" in second.note


def test_blank_lines_empty_rows_and_crlf_keep_file_line_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, "id,score\r\n\r\n1,2\r\n,,\r\n2,3\r\n")
    assert [(r.line, r.candidate_id) for r in read_scores(path).rows] == [(3, 1), (5, 2)]


def test_quoted_multiline_note_keeps_following_line_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, 'id,score,note\n1,2,"two\nlines"\n2,x,\n')
    rows_before = read_scores(_write(tmp_path, 'id,score,note\n1,2,"two\nlines"\n', "ok.csv")).rows
    assert rows_before[0].note == "two\nlines"
    assert _error(path).line == 4  # the bad row starts on file line 4, after the 2-line row


def test_bom_file(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfid,score\n5,0.25\n")
    assert read_scores(path).rows[0].candidate_id == 5  # the BOM is not part of the "id" header


def test_semicolon_file_accepts_decimal_comma(tmp_path: Path) -> None:
    path = _write(tmp_path, "id;score;note\n1;0,75;a, b\n2;1.5;\n")
    rows = read_scores(path).rows
    assert [r.value for r in rows] == [0.75, 1.5]
    assert rows[0].note == "a, b"


def test_tab_delimited_txt_and_tsv(tmp_path: Path) -> None:
    for name in ("scores.txt", "scores.tsv"):
        rows = read_scores(_write(tmp_path, "smiles\tscore\nCCO\t1\nCCC\t2\n", name)).rows
        assert [(r.item, r.value) for r in rows] == [("CCO", 1.0), ("CCC", 2.0)]


def test_comma_file_does_not_read_decimal_comma(tmp_path: Path) -> None:
    # In a comma file "0,75" is two cells; the score cell is "0" and the 75 falls in the note column.
    rows = read_scores(_write(tmp_path, "id,score,note\n1,0,75\n")).rows
    assert (rows[0].value, rows[0].note) == (0.0, "75")


def test_latin1_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "id,score,note\n1,2.5,réussi à 37°C\n", encoding="latin-1")
    assert read_scores(path).rows[0].note == "réussi à 37°C"


def test_utf16_file_from_excel_unicode_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "\ufeffid\tscore\n3\t4\n", "excel.txt", encoding="utf-16-le")
    assert read_scores(path).rows[0].value == 4.0


def test_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    err = _error(path)
    assert "book.csv" in str(err) and "not a text file" in str(err) and "CSV UTF-8" in str(err)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "id,score\n1,2\n", "scores.xlsx"))
    assert "'.xlsx'" in str(err) and ".csv" in str(err)
    err = _error(tmp_path / "absent.csv")
    assert "absent.csv" in str(err) and "cannot be read" in str(err)


def test_score_not_a_number_message_is_exact(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "id,score\n1,2\n2,3\n3,4\n4,5\n5,6\n6,abc\n"))
    assert str(err) == (
        "scores.csv, line 7, column score: 'abc' is not a number; write a decimal number, or set status to failed"
    )
    assert (err.file, err.line, err.column) == (str(tmp_path / "scores.csv"), 7, "score")


@pytest.mark.parametrize(
    "text, line, column, expected",
    [
        ("", None, None, ["is empty", "header"]),
        (" , ,\n\n", None, None, ["is empty"]),
        ("CCO,0.5\nCCC,0.7\n", 1, None, ["no header", "'CCO'", "id,score"]),
        (
            "id,smiles,note\n1,CCO,x\n",
            1,
            None,
            ["missing the score (or value, y) column", "columns found: id, smiles, note", "expected"],
        ),
        ("score,note\n1,x\n", 1, None, ["missing the id or smiles/item/sequence column"]),
        ("id,score\n", None, None, ["no data rows"]),
        ("id,score,score\n1,2,3\n", 1, None, ["two columns", "'score'", "columns 2 and 3"]),
        ("id,score\n1,nan\n", 2, "score", ["'nan' is not a number", "set status to failed"]),
        ("id,score\n1,-inf\n", 2, "score", ["'-inf' is not a finite number", "decimal number"]),
        ("id,score\n1,1e999\n", 2, "score", ["not a finite number"]),
        ("id,score,status\n1,2,done\n", 2, "status", ["'done' is not a status", "ok, failed or pending"]),
        ("id,score\n12a,2\n", 2, "id", ["'12a' is not a whole number", "copy the id"]),
        ("id,score\n1,2\n2,3\n1,4\n", 4, "id", ["id 1 already appears on line 2", "one row per candidate"]),
        ("smiles,score\nOCC,1\nCCC,2\nCCO,3\n", 4, "smiles", ["'CCO' already appears on line 2"]),
        ("id,smiles,score\n1,C1CC,2\n", 2, "smiles", ["'C1CC' is not a valid SMILES", "correct the structure"]),
        ("id,score\n1,\n", 2, "score", ["the score is empty", "status to failed", "pending"]),
        ("id,score,status\n1,,ok\n", 2, "score", ["the score is empty"]),
        ("id,smiles,score,note\n,,1,x\n", 2, None, ["neither an id nor an item", "id or smiles"]),
        ('id,score\n1,2\n2,"3\n3,4\n', 3, None, ["cannot be read as CSV", "quotes"]),
    ],
)
def test_errors_name_file_line_column_and_advice(
    tmp_path: Path, text: str, line: int | None, column: str | None, expected: list[str]
) -> None:
    err = _error(_write(tmp_path, text))
    message = str(err)
    assert message.startswith("scores.csv")
    assert (err.line, err.column) == (line, column)
    if line is not None:
        assert f"line {line}" in message
    if column is not None:
        assert f"column {column}:" in message
    for part in expected:
        assert part in message, (part, message)


def test_missing_column_names_the_header_as_written(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "Compound ID,Activity\n1,2\n"))
    assert "Compound ID" in str(err) and "Activity" in str(err)


def test_valid_only_collects_rejects_and_keeps_good_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "id,smiles,score,status\n"
        "1,CCO,0.5,\n"
        "2,C1CC,0.1,\n"
        "3,CCC,abc,\n"
        "1,CCN,0.2,\n"
        "4,CCCC,0.9,maybe\n"
        "5,OCC,0.3,\n"
        "6,CCCl,,pending\n",
    )
    result = read_scores(path, valid_only=True)
    # id 5 repeats ethanol under another id: allowed (a duplicate proposal maps to the first candidate)
    assert [r.candidate_id for r in result.rows] == [1, 5, 6]
    assert [line for line, _ in result.rejected] == [3, 4, 5, 6]
    reasons = dict(result.rejected)
    assert reasons[3].startswith("column smiles: 'C1CC' is not a valid SMILES")
    assert reasons[4].startswith("column score: 'abc' is not a number")
    assert "id 1 already appears on line 2" in reasons[5]
    assert "'maybe' is not a status" in reasons[6]


def test_repeated_item_without_ids_is_rejected(tmp_path: Path) -> None:
    result = read_scores(_write(tmp_path, "smiles,score\nCCO,0.5\nOCC,0.3\n"), valid_only=True)
    assert [r.item for r in result.rows] == ["CCO"]
    assert "'CCO' already appears on line 2" in dict(result.rejected)[3]  # OCC is ethanol written another way


def test_exported_informational_rows_are_skipped(tmp_path: Path) -> None:
    path = _write(tmp_path, "id,item,score,status\n1,CCO,,infeasible\n2,CCO,,duplicate\n3,CCN,0.4,pending\n")
    result = read_scores(path)
    assert [(r.candidate_id, r.status, r.value) for r in result.rows] == [(3, "ok", 0.4)]


def test_valid_only_still_raises_for_file_level_problems(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "id,note\n1,x\n"), valid_only=True)
    assert "missing the score" in str(err)


def test_default_mode_is_all_or_nothing(tmp_path: Path) -> None:
    # The first bad row raises even though later rows are fine: nothing is returned half-read.
    err = _error(_write(tmp_path, "id,score\n1,1\n2,bad\n3,x\n"))
    assert err.line == 3


@pytest.mark.parametrize(
    "domain, item, expected",
    [
        ("dna", "acgt", "ACGT"),
        ("protein", "mkvl", "MKVL"),
        ("images", "plates/a 1.png", "plates/a 1.png"),
    ],
)
def test_domains_validate_items_their_way(tmp_path: Path, domain: str, item: str, expected: str) -> None:
    rows = read_scores(_write(tmp_path, f"item,score\n{item},1\n"), domain=domain).rows
    assert rows[0].item == expected


@pytest.mark.parametrize("domain, item, bad", [("dna", "ACGU", "'U'"), ("protein", "MK-L*", "'*', '-'")])
def test_domain_rejects_bad_letters(tmp_path: Path, domain: str, item: str, bad: str) -> None:
    err = _error(_write(tmp_path, f"sequence,score\n{item},1\n"), domain=domain)
    assert err.column == "sequence" and err.line == 2
    assert bad in str(err) and "use only" in str(err)


def test_error_survives_pickling_with_its_attributes(tmp_path: Path) -> None:
    # GUI workers hand errors across processes; the dialog needs line and column, not just the text.
    import pickle

    err = _error(_write(tmp_path, "id,score\n1,abc\n"))
    copy = pickle.loads(pickle.dumps(err))
    assert (str(copy), copy.file, copy.line, copy.column, copy.detail) == (str(err), err.file, 2, "score", err.detail)
    assert isinstance(copy, ValueError)
