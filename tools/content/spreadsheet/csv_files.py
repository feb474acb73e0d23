"""Reading and writing the CSV files as spreadsheet programs save them.

Excel's plain "CSV" is Windows-1252, and where a comma is the decimal sign
(Spain, Germany, France...) it separates cells with semicolons; "Unicode text"
is UTF-16 with tabs. All of these are read; files are written as UTF-8 with a
byte-order mark (so Excel shows accented letters) and commas.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple


class SpreadsheetError(ValueError):
    """A file or a spreadsheet row cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Sheet:
    """A CSV file read: its rows (row number, cells by column) and how it was saved."""

    name: str
    rows: List[Tuple[int, Dict[str, str]]]
    encoding: str  # utf-8, windows-1252, utf-16
    delimiter: str

    @property
    def saved_as(self) -> str | None:
        """How the file was saved, when it is not the recommended CSV UTF-8 with commas."""
        parts = []
        if self.encoding == "windows-1252":
            parts.append("Windows-1252 (Excel's plain 'CSV')")
        elif self.encoding == "utf-16":
            parts.append("UTF-16 ('Unicode text')")
        if self.delimiter != ",":
            parts.append(f"{_DELIMITER_NAMES[self.delimiter]} between cells")
        return " with ".join(parts) or None


_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


def decode(raw: bytes) -> Tuple[str, str]:
    """The text of a CSV file and the encoding it was saved in."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("windows-1252"), "windows-1252"
    except UnicodeDecodeError as error:
        raise SpreadsheetError(
            "the file is neither UTF-8 nor Windows-1252 text. In your spreadsheet program use File > Save As and "
            "choose 'CSV UTF-8 (Comma delimited)'") from error


def read_sheet(path: Path, columns: Sequence[str], optional: Sequence[str] = ()) -> Sheet:
    """Rows of a CSV whose first row names `columns` (in any order; `optional` ones may be missing)."""
    if not path.exists():
        raise SpreadsheetError(f"{path} is missing; export first (make export-csv)")
    text, encoding = decode(path.read_bytes())
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = _delimiter(first, columns)
    if delimiter is None:
        raise SpreadsheetError(
            f"{path.name}: the first row must be the column names {', '.join(columns)} (it is: {first[:80]!r}). "
            "Keep the first row as exported, and save as 'CSV UTF-8 (Comma delimited)'")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader)]
    rows = []
    for record in reader:
        cells = {name: (record[header.index(name)] if header.index(name) < len(record) else "")
                 for name in [*columns, *optional] if name in header}
        if any(value.strip() for value in cells.values()):
            rows.append((reader.line_num, {name: cells.get(name, "") for name in [*columns, *optional]}))
    return Sheet(path.name, rows, encoding, delimiter)


def _delimiter(first_row: str, columns: Sequence[str]) -> str | None:
    """The separator that splits the header into the expected column names."""
    for delimiter in (",", ";", "\t"):
        names = {cell.strip().strip('"').strip().lower() for cell in first_row.split(delimiter)}
        if set(columns) <= names:
            return delimiter
    return None


def write_sheet(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A CSV UTF-8 file (with the byte-order mark Excel needs for accents), commas between cells."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


def lost_in_windows_1252(original: str, now: str) -> str | None:
    """The characters of `original` that saving as Windows-1252 turned into '?', if that is all that changed."""
    if original == now:
        return None
    lost = [ch for ch in original if not _encodable(ch)]
    if lost and original.encode("windows-1252", errors="replace").decode("windows-1252") == now:
        return "".join(dict.fromkeys(lost))
    return None


def _encodable(ch: str) -> bool:
    try:
        ch.encode("windows-1252")
        return True
    except UnicodeEncodeError:
        return False
