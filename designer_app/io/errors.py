"""The one error type of score import: it always says which file, where in it, and what to change.

Lab users read these messages in a dialog or a terminal, so every message names the place the way they
would find it in a spreadsheet or text editor (line and column, or record and property) and ends with
advice, e.g. ``scores.csv, line 7, column score: 'abc' is not a number; write a decimal number, or set
status to failed``.
"""

from __future__ import annotations

from pathlib import Path


class ScoreFileError(ValueError):
    """A score file that cannot be imported as it is.

    Attributes:
        file: the path as given by the caller.
        line: the 1-based CSV line, or the SDF/FASTA record number; None for file-level problems.
        column: the column (CSV), property (SDF) or header field (FASTA) at fault, as the file spells it;
            None when the problem is the whole row or the whole file.
        detail: the message without the file name and row location, e.g. ``column score: 'abc' is not a
            number; ...`` (what `ScoreFile.rejected` holds in valid_only mode).
    """

    def __init__(
        self,
        file: str | Path,
        reason: str,
        *,
        line: int | None = None,
        column: str | None = None,
        unit: str = "line",
        file_line: int | None = None,
        column_kind: str = "column",
        whole_path: bool = False,
    ) -> None:
        """Args:
        reason: what is wrong and what to change.
        unit: "line" for CSV, "record" for SDF/FASTA (then `file_line` adds the text line it starts on).
        column_kind: "column", "property" or "header field", the word the user knows for that format.
        whole_path: name the file by its absolute path instead of its name: for a file that cannot be
            found or opened, where the folder it was looked for in is what the user has to check.
        """
        self.file = str(file)
        self.line = line
        self.column = column
        self.reason = reason
        self.detail = f"{column_kind} {column}: {reason}" if column is not None else reason
        name = str(Path(self.file).absolute()) if whole_path else (Path(self.file).name or self.file)
        if line is None:
            message = f"{name}: {self.detail}"
        else:
            where = f"{unit} {line}" + (f" (line {file_line})" if file_line is not None else "")
            message = f"{name}, {where}, {self.detail}" if column is not None else f"{name}, {where}: {reason}"
        super().__init__(message)

    def __reduce__(self) -> tuple:  # keep the attributes when the error crosses a process boundary (GUI workers)
        return (_rebuild, (self.__class__, str(self), self.file, self.line, self.column, self.reason, self.detail))


def _rebuild(
    cls: type[ScoreFileError], message: str, file: str, line: int | None, column: str | None, reason: str, detail: str
) -> ScoreFileError:
    err = cls.__new__(cls)
    ValueError.__init__(err, message)
    err.file, err.line, err.column, err.reason, err.detail = file, line, column, reason, detail
    return err
