"""What the YAML files hold, as spreadsheet rows, and what they held at the export.

Every example gets a short id from its file, intent and text, so a row keeps
its identity however the sheet is sorted; an answer is keyed by its name and
language. The export saves these rows (export-state.json, next to the CSVs), so
an import can tell the edits in the spreadsheet from changes made in the YAML
files since the export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

from tools.content.source import Content, NluFile, load_content, nlu_files
from tools.content.spreadsheet.csv_files import SpreadsheetError
from tools.content.spreadsheet.render import Answer

STATE_FILE = "export-state.json"
LANGUAGES = ("en", "es")


def example_id(file: str, intent: str, text: str, occurrence: int = 0) -> str:
    digest = hashlib.sha1(f"{file}\n{intent}\n{text}\n{occurrence}".encode()).hexdigest()
    return digest[:10]


@dataclass(frozen=True)
class ExampleRow:
    id: str
    file: str
    intent: str
    text: str
    line: int = 0  # in the YAML file (0: not from a file)


@dataclass(frozen=True)
class AnswerRow:
    file: str
    name: str
    language: str
    answer: Answer
    line: int = 0

    @property
    def key(self) -> Tuple[str, str]:
        return self.name, self.language

    @property
    def source(self) -> str:
        return str(dict(self.answer.metadata).get("source") or "")

    @property
    def need(self) -> str:
        return str(dict(self.answer.metadata).get("need") or "")


def content_files(root: Path) -> List[Path]:
    """The files the spreadsheet covers: data/nlu topic files (English, then es/), then domain.yml."""
    files = nlu_files(root)
    if (Path(root) / "domain.yml").exists():
        files.append(Path(root) / "domain.yml")
    return files


def read_content(root: Path) -> Content:
    """The content files, refusing what the spreadsheet cannot hold (with where and why)."""
    content = load_content(content_files(root), root)
    problems = [p for p in content.problems if p.level == "error"]
    if problems:
        first = problems[0]
        raise SpreadsheetError(f"{first.file}, line {first.line}: {first.message} Run `make check-content` first")
    for model in content.files:
        _refuse_what_a_sheet_cannot_hold(model)
    return content


def _refuse_what_a_sheet_cannot_hold(model: NluFile) -> None:
    seen: Dict[str, int] = {}
    for block in model.intents:
        if set(block.keys) != {"intent", "examples"}:
            raise SpreadsheetError(f"{model.name}, line {block.line}: the intent '{block.intent}' has more than plain "
                                   "examples (metadata?), which a spreadsheet cannot hold; edit it in YAML")
        if block.intent in seen:
            raise SpreadsheetError(f"{model.name}, line {block.line}: the intent '{block.intent}' appears twice in "
                                   f"this file (first on line {seen[block.intent]}); merge the two lists first")
        seen[block.intent] = block.line
    for answer in model.responses.values():
        languages = [v.language for v in answer.variations]
        if None in languages:
            raise SpreadsheetError(f"{model.name}, line {answer.line}: the answer '{answer.name}' has a condition other "
                                   "than the language, which a spreadsheet cannot hold; edit it in YAML")
        if len(set(languages)) != len(languages):
            raise SpreadsheetError(f"{model.name}, line {answer.line}: the answer '{answer.name}' has two versions in "
                                   "one language; merge them in YAML first (make check-content says more)")
        for variation in answer.variations:
            extra = set(variation.keys) - {"text", "buttons", "condition", "metadata"}
            if extra:
                raise SpreadsheetError(f"{model.name}, line {variation.line}: the answer '{answer.name}' uses "
                                       f"{', '.join(sorted(extra))}, which a spreadsheet cannot hold; edit it in YAML")


def examples_of(content: Content) -> List[ExampleRow]:
    rows = []
    for block in content.intents:
        seen: Counter = Counter()
        for example in block.examples:
            occurrence = seen[example.text]
            seen[example.text] += 1
            rows.append(ExampleRow(example_id(block.file, block.intent, example.text, occurrence), block.file,
                                   block.intent, example.text, example.line))
    return rows


def answers_of(content: Content) -> Dict[Tuple[str, str], AnswerRow]:
    rows = {}
    for model in content.files:
        for block in model.responses.values():
            for variation in block.variations:
                row = AnswerRow(model.name, block.name, variation.language or "", Answer.of(variation), variation.line)
                rows[row.key] = row
    return rows


# ---- the export's record ----------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    """The rows as they were exported (what the spreadsheet started from)."""

    when: str
    examples: Dict[str, ExampleRow]
    answers: Dict[Tuple[str, str], AnswerRow]

    @classmethod
    def of(cls, content: Content) -> Exported:
        return cls(dt.datetime.now().isoformat(timespec="seconds"), {r.id: r for r in examples_of(content)},
                   answers_of(content))

    def save(self, folder: Path) -> None:
        data = {
            "note": "Written by make export-csv and make import-csv: what the spreadsheet started from. Do not edit.",
            "exported": self.when,
            "examples": {i: [r.file, r.intent, r.text] for i, r in self.examples.items()},
            "answers": [_answer_json(r) for r in self.answers.values()],
        }
        (Path(folder) / STATE_FILE).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Exported | None:
        path = Path(folder) / STATE_FILE
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            examples = {i: ExampleRow(i, f, n, t) for i, (f, n, t) in data["examples"].items()}
            answers = {}
            for entry in data["answers"]:
                row = _answer_from_json(entry)
                answers[row.key] = row
        except (ValueError, KeyError, TypeError) as error:
            raise SpreadsheetError(f"{path} is damaged; export again (make export-csv)") from error
        return cls(str(data.get("exported")), examples, answers)


def _answer_json(row: AnswerRow) -> Dict[str, Any]:
    return {"file": row.file, "name": row.name, "language": row.language, "text": row.answer.text,
            "buttons": None if row.answer.buttons is None else [dict(b) for b in row.answer.buttons],
            "metadata": [[k, v] for k, v in row.answer.metadata]}


def _answer_from_json(entry: Mapping[str, Any]) -> AnswerRow:
    buttons = entry["buttons"]
    answer = Answer(entry["language"], entry["text"], None if buttons is None else tuple(buttons),
                    tuple((k, v) for k, v in entry["metadata"]))
    return AnswerRow(entry["file"], entry["name"], entry["language"], answer)
