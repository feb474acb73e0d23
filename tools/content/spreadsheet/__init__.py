"""Spreadsheet round trip: examples and knowledge answers to CSV and back (`make export-csv` / `make import-csv`).

    nlu_examples.csv  file, intent, example, id   (id: leave empty on a new row)
    responses.csv     file, answer, language, text, source, need, buttons

    csv_files.py  reading what spreadsheet programs save (UTF-8, Windows-1252, UTF-16; , ; or tab)
    state.py      the YAML as rows, and the record of what was exported (export-state.json)
    rows.py       the CSV rows read back and checked
    merge.py      what an import changes, matched by key, checked against changes made since the export
    write.py      the changed blocks written back; everything else byte for byte
    render.py     the project's YAML layout for an intent and an answer
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

from tools.content.checks.project import Project
from tools.content.source import NluFile
from tools.content.spreadsheet.csv_files import SpreadsheetError, read_sheet, write_sheet
from tools.content.spreadsheet.merge import plan_import, summary
from tools.content.spreadsheet.rows import (
    ANSWER_COLUMNS,
    ANSWERS_CSV,
    EXAMPLE_COLUMNS,
    EXAMPLES_CSV,
    answer_cells,
    example_cells,
    read_rows,
)
from tools.content.spreadsheet.state import STATE_FILE, Exported, answers_of, examples_of, read_content
from tools.content.spreadsheet.write import write_plan

DEFAULT_FOLDER = Path("results") / "spreadsheet"


def export_csv(root: Path, folder: Path, force: bool = False) -> Tuple[Path, Path]:
    """Write both CSV files and the record of what they hold; refuse to overwrite edits not yet imported."""
    folder = Path(folder)
    if not force:
        unimported = edits_not_imported(root, folder)
        if unimported:
            raise SpreadsheetError(
                f"{', '.join(unimported)} in {folder} has edits that were not imported yet. Import them first (make "
                "import-csv), or save the sheet under another name, or overwrite it: make export-csv FORCE=1")
    content = read_content(root)
    examples_path, answers_path = folder / EXAMPLES_CSV, folder / ANSWERS_CSV
    write_sheet(examples_path, EXAMPLE_COLUMNS, (example_cells(row) for row in examples_of(content)))
    write_sheet(answers_path, ANSWER_COLUMNS, (answer_cells(row) for row in answers_of(content).values()))
    Exported.of(content).save(folder)
    return examples_path, answers_path


def edits_not_imported(root: Path, folder: Path) -> List[str]:
    """The CSV files in `folder` that say something else than what was exported (or imported) last."""
    folder = Path(folder)
    present = [name for name in (EXAMPLES_CSV, ANSWERS_CSV) if (folder / name).exists()]
    if not present:
        return []
    try:
        exported = Exported.load(folder)
        sheet = read_rows(folder)
    except SpreadsheetError:
        return present
    if exported is None:
        return present
    exported_examples = {(r.id, r.file, r.intent, r.text) for r in exported.examples.values()}
    changed = []
    if {(r.id, r.file, r.intent, r.text) for _, r in sheet.examples} != exported_examples:
        changed.append(EXAMPLES_CSV)
    exported_answers = {k: r.answer for k, r in exported.answers.items()}
    if {r.key: r.answer for _, r in sheet.answers} != exported_answers or \
            any(r.file != exported.answers[r.key].file for _, r in sheet.answers if r.key in exported.answers):
        changed.append(ANSWERS_CSV)
    return changed


def import_csv(root: Path, folder: Path) -> Tuple[Dict[str, str], List[str], List[str]]:
    """Write the spreadsheet's edits into the YAML files.

    Returns ({file: status}, summary lines, notes about how the sheets were saved).
    Afterwards the CSV files are written again from the data (new rows get their
    ids), ready for the next edit.
    """
    root, folder = Path(root), Path(folder)
    exported = Exported.load(folder)
    if exported is None:
        raise SpreadsheetError(f"{folder / STATE_FILE} is missing, so edits made in the YAML files since the export "
                               "could not be told apart. Export again (make export-csv) and edit that sheet")
    sheet = read_rows(folder)
    content = read_content(root)
    plan = plan_import(content, exported, sheet, Project.at(root).domain_intents)
    models: Dict[str, NluFile] = {model.name: model for model in content.files}
    statuses = write_plan(root, plan, models)
    lines = summary(plan)
    export_csv(root, folder, force=True)
    return statuses, lines, sheet.saved_as


__all__ = ["DEFAULT_FOLDER", "SpreadsheetError", "edits_not_imported", "export_csv", "import_csv", "read_sheet"]
