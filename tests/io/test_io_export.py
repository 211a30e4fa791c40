"""Exports: exact CSV/FASTA text, an SDF that RDKit reads back, round trips through read_scores, and
atomic replacement of existing files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from designer_app.io import CSV_COLUMNS, ExportRow, read_scores, write_csv, write_fasta, write_sdf

ROWS = [
    ExportRow(1, 0, "CCO", 0.5, "ok", 0.45, 0.1, True, {"acquisition": 1.25, "n_replicates": 3}),
    ExportRow(2, 1, "c1ccccc1", None, "pending", -0.2, 0.3, True, {"acquisition": np.float64(0.1)}),
    ExportRow(3, 1, "CC(=O)O", None, "failed", None, None, False, {"comment": "line1\nline2"}),
]


def test_csv_text(tmp_path: Path) -> None:
    path = write_csv(ROWS, tmp_path / "out" / "export.csv")
    assert path == tmp_path / "out" / "export.csv"
    assert path.read_text(encoding="utf-8") == (
        "id,round,item,score,status,predicted_mean,predicted_std,feasible,acquisition,comment,n_replicates\n"
        "1,0,CCO,0.5,ok,0.45,0.1,true,1.25,,3\n"
        "2,1,c1ccccc1,,pending,-0.2,0.3,true,0.1,,\n"
        '3,1,CC(=O)O,,failed,,,false,,"line1\nline2",\n'
    )


def test_csv_header_only_for_no_rows_and_nonfinite_is_empty(tmp_path: Path) -> None:
    assert write_csv([], tmp_path / "e.csv").read_text() == ",".join(CSV_COLUMNS) + "\n"
    row = ExportRow(1, 0, "C", float("nan"), "pending", float("inf"), None, True)
    assert write_csv([row], tmp_path / "n.csv").read_text().splitlines()[1] == "1,0,C,,pending,,,true"


def test_csv_extra_key_clashing_with_fixed_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="clash"):
        write_csv([ExportRow(1, 0, "C", None, "pending", None, None, True, {"score": 1})], tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_csv_round_trip(tmp_path: Path) -> None:
    rows = read_scores(write_csv(ROWS, tmp_path / "export.csv")).rows
    assert [(r.candidate_id, r.item, r.value, r.status) for r in rows] == [
        (1, "CCO", 0.5, "ok"),
        (2, "c1ccccc1", None, "pending"),
        (3, "CC(=O)O", None, "failed"),
    ]


def test_csv_round_trip_after_the_lab_fills_in_scores(tmp_path: Path) -> None:
    path = write_csv(ROWS, tmp_path / "export.csv")
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace("c1ccccc1,,pending", "c1ccccc1,0.875,pending")  # lab edits the score only
    path.write_text("\n".join(lines) + "\n")
    row = read_scores(path).rows[1]
    assert (row.candidate_id, row.value, row.status) == (2, 0.875, "ok")


def test_csv_round_trip_keeps_full_float_precision(tmp_path: Path) -> None:
    value = 0.1 + 0.2  # 0.30000000000000004: any rounding in the writer would change it
    row = ExportRow(7, 0, "CCN", value, "ok", None, None, True)
    assert read_scores(write_csv([row], tmp_path / "p.csv")).rows[0].value == value


def test_sdf_read_back_by_rdkit(tmp_path: Path) -> None:
    from rdkit import Chem

    skipped: list[int] = []
    rows = [*ROWS, ExportRow(4, 2, "C1CC", None, "pending", None, None, False)]  # unclosed ring
    path = write_sdf(rows, tmp_path / "export.sdf", skipped=skipped)
    assert skipped == [4]
    mols = list(Chem.SDMolSupplier(str(path)))
    assert len(mols) == 3 and all(m is not None for m in mols)
    assert [Chem.MolToSmiles(m) for m in mols] == ["CCO", "c1ccccc1", "CC(=O)O"]
    first = mols[0].GetPropsAsDict()
    assert {k: first[k] for k in ("id", "round", "score", "status", "predicted_mean", "predicted_std")} == {
        "id": 1,
        "round": 0,
        "score": 0.5,
        "status": "ok",
        "predicted_mean": 0.45,
        "predicted_std": 0.1,
    }
    assert mols[0].GetProp("_Name") == "id=1"
    assert mols[1].GetProp("score") == "" and mols[1].GetProp("status") == "pending"
    assert mols[2].GetProp("comment") == "line1 line2"  # folded: a blank line would end the property
    coords = mols[1].GetConformer().GetPositions()
    assert np.allclose(coords[:, 2], 0.0) and np.ptp(coords[:, 0]) > 1.0  # real 2D layout, not all zeros


def test_sdf_round_trip(tmp_path: Path) -> None:
    rows = read_scores(write_sdf(ROWS, tmp_path / "export.sdf")).rows
    assert [(r.line, r.candidate_id, r.item, r.value, r.status) for r in rows] == [
        (1, 1, "CCO", 0.5, "ok"),
        (2, 2, "c1ccccc1", None, "pending"),
        (3, 3, "CC(=O)O", None, "failed"),
    ]


def test_fasta_text_and_round_trip(tmp_path: Path) -> None:
    rows = [
        ExportRow(5, 2, "MKVL", 0.7, "ok", 0.6, 0.05, True),
        ExportRow(6, 2, "WYF", None, "pending", 0.1, None, True),
    ]
    path = write_fasta(rows, tmp_path / "export.fasta")
    assert path.read_text() == (
        ">id=5 round=2 score=0.7 std=0.05 status=ok\nMKVL\n>id=6 round=2 score= std= status=pending\nWYF\n"
    )
    back = read_scores(path, domain="protein").rows
    assert [(r.candidate_id, r.item, r.value, r.status) for r in back] == [
        (5, "MKVL", 0.7, "ok"),
        (6, "WYF", None, "pending"),
    ]


def test_fasta_refuses_items_that_would_corrupt_the_file(tmp_path: Path) -> None:
    target = tmp_path / "export.fasta"
    target.write_text("previous export\n")
    with pytest.raises(ValueError, match="candidate 9"):
        write_fasta(
            [
                ExportRow(1, 0, "AC", None, "pending", None, None, True),
                ExportRow(9, 0, "AC GT", None, "pending", None, None, True),
            ],
            target,
        )
    assert target.read_text() == "previous export\n"  # a failed export leaves the old file intact


def test_writes_replace_atomically_without_leftovers(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("old\n")
    write_csv(ROWS[:1], target)
    assert target.read_text().startswith("id,round,item")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]  # no temp file left behind
