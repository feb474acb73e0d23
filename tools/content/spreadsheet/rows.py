"""The two CSV files: their columns, and their rows read back as examples and answers.

A row that cannot be used is reported with its row number and what to change;
every such row is listed at once, and nothing is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple

from tools.content.spreadsheet.csv_files import Sheet, SpreadsheetError, read_sheet
from tools.content.spreadsheet.render import Answer
from tools.content.spreadsheet.state import LANGUAGES, AnswerRow, ExampleRow

EXAMPLES_CSV = "nlu_examples.csv"
ANSWERS_CSV = "responses.csv"
EXAMPLE_COLUMNS = ["file", "intent", "example", "id"]
ANSWER_COLUMNS = ["file", "answer", "language", "text", "source", "need", "buttons"]


@dataclass
class SheetRows:
    """What the spreadsheet says, and how its files were saved."""

    examples: List[Tuple[int, ExampleRow]] = field(default_factory=list)  # (CSV row, example); id "" for new rows
    answers: List[Tuple[int, AnswerRow]] = field(default_factory=list)
    sheets: List[Sheet] = field(default_factory=list)

    @property
    def saved_as(self) -> List[str]:
        return [f"{sheet.name} was saved as {sheet.saved_as}" for sheet in self.sheets if sheet.saved_as]


def read_rows(folder: Path) -> SheetRows:
    """Both CSV files as rows; every unusable row is listed in one SpreadsheetError."""
    folder = Path(folder)
    found = SheetRows()
    problems: List[str] = []
    examples = read_sheet(folder / EXAMPLES_CSV, EXAMPLE_COLUMNS[:3], optional=["id"])
    answers = read_sheet(folder / ANSWERS_CSV, ANSWER_COLUMNS[:4], optional=ANSWER_COLUMNS[4:])
    found.sheets = [examples, answers]
    for number, row in examples.rows:
        where = f"{EXAMPLES_CSV}, row {number}"
        try:
            found.examples.append((number, _example(row, where)))
        except SpreadsheetError as error:
            problems.append(str(error))
    for number, row in answers.rows:
        where = f"{ANSWERS_CSV}, row {number}"
        try:
            found.answers.append((number, _answer(row, where)))
        except SpreadsheetError as error:
            problems.append(str(error))
    if problems:
        raise SpreadsheetError("\n".join(problems))
    return found


def _file(value: str, where: str, allow_domain: bool) -> str:
    relative = value.strip().replace("\\", "/")
    allowed = re.fullmatch(r"data/nlu/[\w./-]+\.yml", relative) or (allow_domain and relative == "domain.yml")
    if not allowed or ".." in relative.split("/"):
        kinds = "a file in data/nlu/ ending in .yml" + (", or domain.yml" if allow_domain else "")
        raise SpreadsheetError(f"{where}: the file '{value}' must be {kinds}")
    return relative


def _example(row: Dict[str, str], where: str) -> ExampleRow:
    file = _file(row["file"], where, allow_domain=False)
    intent, text = row["intent"].strip(), row["example"].strip()
    if not intent or not text:
        raise SpreadsheetError(f"{where}: every example needs its intent and the example text")
    if "\n" in text or "\r" in text:
        raise SpreadsheetError(f"{where}: an example must be on one line; split it into two rows")
    if not re.fullmatch(r"[\w/-]+", intent):
        raise SpreadsheetError(f"{where}: the intent '{intent}' can only have letters, digits, _ and / in its name")
    return ExampleRow(row.get("id", "").strip(), file, intent, text)


def _answer(row: Dict[str, str], where: str) -> AnswerRow:
    file = _file(row["file"], where, allow_domain=True)
    name, language, text = row["answer"].strip(), row["language"].strip().lower(), row["text"]
    if not name.startswith("utter_"):
        raise SpreadsheetError(f"{where}: answer names start with utter_ (got '{name}')")
    if language not in LANGUAGES:
        raise SpreadsheetError(f"{where}: language must be {' or '.join(LANGUAGES)} (got '{language}')")
    if not text.strip():
        raise SpreadsheetError(f"{where}: the answer '{name}' has no text; to delete an answer, delete its row")
    buttons = None
    if row.get("buttons", "").strip():
        try:
            buttons = json.loads(row["buttons"])
        except json.JSONDecodeError as error:
            raise SpreadsheetError(
                f"{where}: buttons must be written like "
                '[{"title": "Get a hotline", "payload": "/find_hotline"}] (check the quotes and brackets)') from error
        if not isinstance(buttons, list) or not all(isinstance(b, dict) and all(_scalar(v) for v in b.values())
                                                    for b in buttons):
            raise SpreadsheetError(f'{where}: buttons must be a list of {{"title": ..., "payload": ...}}')
    metadata = tuple((key, row.get(key, "").strip()) for key in ("source", "need") if row.get(key, "").strip())
    answer = Answer(language, text, None if buttons is None else tuple(buttons), metadata)
    return AnswerRow(file, name, language, answer)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def example_cells(row: ExampleRow) -> List[str]:
    return [row.file, row.intent, row.text, row.id]


def answer_cells(row: AnswerRow) -> List[str]:
    buttons = "" if row.answer.buttons is None else json.dumps([dict(b) for b in row.answer.buttons],
                                                              ensure_ascii=False)
    return [row.file, row.name, row.language, row.answer.text, row.source, row.need, buttons]
