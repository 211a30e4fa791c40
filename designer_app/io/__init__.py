"""Files in and out of a campaign: measured scores from the lab, candidate exports for the lab.

`read_scores` and the writers are pure parsing and writing; `score_apply.apply_scores` matches a read
file to a campaign's candidates and stores it in one transaction (what `import-scores` and the window's
import dialog do).
"""

from designer_app.io.errors import ScoreFileError
from designer_app.io.export import CSV_COLUMNS, ExportRow, write_csv, write_fasta, write_sdf
from designer_app.io.score_import import SUPPORTED_SUFFIXES, ScoreFile, ScoreRow, read_scores

# The export formats Designer can write (a domain lists the ones that suit its items; png writes a folder).
EXPORT_WRITERS = ("csv", "sdf", "fasta", "png")

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_WRITERS",
    "ExportRow",
    "SUPPORTED_SUFFIXES",
    "ScoreFile",
    "ScoreFileError",
    "ScoreRow",
    "read_scores",
    "write_csv",
    "write_fasta",
    "write_sdf",
]
