"""Spreadsheet round trip on a copy of the real data: neutral when unedited, exact when edited, safe when stale.

Spreadsheet habits (issue 19): Excel's Windows-1252 and semicolons, sorting,
re-exporting over unimported edits, importing an old sheet, a mistyped intent.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Dict, List

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from tools.content.source import read_nlu_file
from tools.content.spreadsheet import SpreadsheetError, edits_not_imported, export_csv, import_csv
from tools.content.spreadsheet.__main__ import main as spreadsheet_main
from tools.content.spreadsheet.state import content_files
from tools.content.spreadsheet.write import new_text

EXAMPLE_HEADER = ["file", "intent", "example", "id"]
ANSWER_HEADER = ["file", "answer", "language", "text", "source", "need", "buttons"]


@pytest.fixture
def root(project: Path) -> Path:
    return project


def snapshot(root: Path) -> Dict[str, bytes]:
    files = sorted(p for p in (root / "data").rglob("*") if p.is_file()) + [root / "domain.yml"]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def read_rows(path: Path) -> List[List[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: List[List[str]], encoding: str = "utf-8-sig", delimiter: str = ",") -> None:
    with path.open("w", encoding=encoding, newline="", errors="replace") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)


def row_of(rows: List[List[str]], **cells: str) -> int:
    header = rows[0]
    return next(i for i, row in enumerate(rows) if all(row[header.index(k)] == v for k, v in cells.items()))


# ---- neutral ------------------------------------------------------------------------------------------


def test_import_of_an_unedited_export_changes_no_byte(root):
    before = snapshot(root)
    export_csv(root, root / "csv")
    statuses, changes, notes = import_csv(root, root / "csv")
    assert set(statuses.values()) == {"unchanged"} and changes == [] and notes == []
    assert snapshot(root) == before


def test_writing_every_block_again_reproduces_the_files_exactly(root):
    """The importer's layout is the project's: English, Spanish, metadata and conditions alike."""
    for path in content_files(root):
        model = read_nlu_file(path, root)
        examples = {block.intent: block.texts for block in model.intents}
        from tools.content.spreadsheet.render import Answer

        answers = {name: [Answer.of(v) for v in block.variations] for name, block in model.responses.items()}
        assert new_text(model, examples, answers, rewrite_all=True) == path.read_text(encoding="utf-8"), path


def test_the_export_holds_every_example_and_answer_rasa_reads(root):
    examples_csv, answers_csv = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    assert rows[0] == EXAMPLE_HEADER
    rasa = load_data(str(root / "data" / "nlu"))
    assert sorted((r[1], r[2]) for r in rows[1:]) == sorted(
        (m.get_full_intent(), m.get("text")) for m in rasa.intent_examples)
    assert any(r[0].startswith("data/nlu/es/") for r in rows[1:])
    answers = read_rows(answers_csv)
    assert answers[0] == ANSWER_HEADER
    exported = {(r[1], r[2]): r for r in answers[1:]}
    for name, variations in rasa.responses.items():
        for variation in variations:
            language = (variation.get("condition") or [{"value": "en"}])[0]["value"]
            row = exported[(name, language)]
            assert row[3] == variation["text"]
            assert (row[4], row[5]) == (variation["metadata"]["source"], variation["metadata"]["need"])
    assert len(exported) == sum(len(v) for v in rasa.responses.values())


# ---- edits -----------------------------------------------------------------------------------------------


def test_edits_are_written_back_exactly_and_only_where_edited_and_summarised(root):
    before = snapshot(root)
    examples_csv, answers_csv = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    edited = row_of(rows, intent="greet", example="hiya")
    rows[edited][2] = "hiya friend"
    rows.append(["data/nlu/basics.yml", "greet", "hello again", ""])
    rows.append(["data/nlu/es/conversation.yml", "greet", "buenas, hay alguien", ""])
    del rows[row_of(rows, intent="greet", example="hey there")]
    write_rows(examples_csv, rows)
    answers = read_rows(answers_csv)
    spanish = row_of(answers, answer="utter_faq/debt_bondage", language="es")
    changed = 'Di "no": tú decides \u2014 siempre.\nSegunda línea con una barra \\ invertida.'
    answers[spanish][3] = changed
    english = row_of(answers, answer="utter_faq/debt_bondage", language="en")
    answers[english][4] = "article_001"
    write_rows(answers_csv, answers)

    statuses, summary, _ = import_csv(root, root / "csv")
    assert statuses["data/nlu/basics.yml"] == statuses["data/nlu/trafficking.yml"] == "changed"
    assert statuses["data/nlu/es/conversation.yml"] == "changed"
    assert statuses["data/nlu/crisis.yml"] == "unchanged"
    assert "data/nlu/basics.yml: greet: +1 example, -1 example, 1 example edited" in summary
    assert "data/nlu/es/conversation.yml: greet: +1 example" in summary
    assert ("data/nlu/trafficking.yml: utter_faq/debt_bondage: English answer edited; "
            "utter_faq/debt_bondage: Spanish answer edited") in summary
    assert summary[-1] == "In all: +2 examples, -1 example, 1 example edited, 2 answers edited."

    # Rasa reads the edits as meant.
    data = load_data(str(root / "data" / "nlu"))
    greet = [m.get("text") for m in data.intent_examples if m.get("intent") == "greet"]
    assert {"hiya friend", "hello again", "buenas, hay alguien"} <= set(greet) and "hiya" not in greet
    debt = {(v.get("condition") or [{"value": "en"}])[0]["value"]: v for v in data.responses["utter_faq/debt_bondage"]}
    assert debt["es"]["text"] == changed and debt["en"]["metadata"]["source"] == "article_001"

    # Only the edited lines differ; the edited example keeps its place.
    old = before["data/nlu/basics.yml"].decode().splitlines()
    new = (root / "data" / "nlu" / "basics.yml").read_text().splitlines()
    assert new[new.index("    - good afternoon") + 1] == "    - hiya friend"  # where "hiya" was
    assert [line for line in new if line not in old] == ["    - hiya friend", "    - hello again"]
    assert [line for line in old if line not in new] == ["    - hey there", "    - hiya"]
    old_t = before["data/nlu/trafficking.yml"].decode().splitlines()
    new_t = (root / "data" / "nlu" / "trafficking.yml").read_text().splitlines()
    assert len(old_t) == len(new_t) and sum(a != b for a, b in zip(old_t, new_t, strict=True)) == 2


def test_a_sorted_sheet_imports_the_same(root):
    examples_csv, answers_csv = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    rows = [rows[0], *sorted(rows[1:], key=lambda r: r[2], reverse=True)]
    rows[row_of(rows, intent="greet", example="hiya")][2] = "hiya friend"
    write_rows(examples_csv, rows)
    answers = read_rows(answers_csv)
    write_rows(answers_csv, [answers[0], *sorted(answers[1:], key=lambda r: r[3])])
    before = (root / "data" / "nlu" / "basics.yml").read_text().splitlines()
    statuses, summary, _ = import_csv(root, root / "csv")
    assert [name for name, status in statuses.items() if status != "unchanged"] == ["data/nlu/basics.yml"]
    after = (root / "data" / "nlu" / "basics.yml").read_text().splitlines()
    assert after == [("    - hiya friend" if line == "    - hiya" else line) for line in before]


def test_removing_all_rows_of_an_intent_removes_it_and_keeps_its_neighbours(root):
    examples_csv, _ = export_csv(root, root / "csv")
    rows = [r for r in read_rows(examples_csv) if not (r[1] == "thanks" and r[0] == "data/nlu/basics.yml")]
    write_rows(examples_csv, rows)
    import_csv(root, root / "csv")
    text = (root / "data" / "nlu" / "basics.yml").read_text()
    assert "- intent: thanks" not in text and "- intent: goodbye" in text and "- intent: affirm" in text


def test_a_new_question_with_its_answer_is_created(root):
    examples_csv, answers_csv = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    rows += [["data/nlu/new_topic.yml", "faq/new_topic", f"what is the new topic {n}", ""] for n in range(2)]
    write_rows(examples_csv, rows)
    answers = read_rows(answers_csv)
    answers.append(["data/nlu/new_topic.yml", "utter_faq/new_topic", "es", "El tema nuevo.", "article_000", "none", ""])
    answers.append(["data/nlu/new_topic.yml", "utter_faq/new_topic", "en", "The new topic.", "article_000", "none", ""])
    write_rows(answers_csv, answers)
    statuses, summary, _ = import_csv(root, root / "csv")
    assert statuses["data/nlu/new_topic.yml"] == "created"
    assert (root / "data" / "nlu" / "new_topic.yml").read_text() == (
        'version: "3.1"\nnlu:\n- intent: faq/new_topic\n  examples: |\n    - what is the new topic 0\n'
        '    - what is the new topic 1\nresponses:\n  utter_faq/new_topic:\n  - text: "The new topic."\n'
        "    metadata:\n      source: article_000\n      need: none\n"
        '  - text: "El tema nuevo."\n    condition:\n    - type: slot\n      name: language\n      value: es\n'
        "    metadata:\n      source: article_000\n      need: none\n")


def test_importing_the_same_sheet_twice_changes_nothing_the_second_time(root):
    examples_csv, _ = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    rows.append(["data/nlu/basics.yml", "greet", "hello again", ""])
    write_rows(examples_csv, rows)
    saved = examples_csv.read_bytes()
    import_csv(root, root / "csv")
    after_first = snapshot(root)
    examples_csv.write_bytes(saved)  # the staff member imports their saved sheet again
    statuses, summary, _ = import_csv(root, root / "csv")
    assert set(statuses.values()) == {"unchanged"} and summary == []
    assert snapshot(root) == after_first


# ---- spreadsheet habits --------------------------------------------------------------------------------------


def test_windows_1252_with_semicolons_is_read_and_said(root):
    examples_csv, answers_csv = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    rows.append(["data/nlu/es/conversation.yml", "greet", "¿hay alguien ahí? buenas tardes señora", ""])
    write_rows(examples_csv, rows, encoding="windows-1252", delimiter=";")
    write_rows(answers_csv, read_rows(answers_csv), encoding="windows-1252", delimiter=";")
    statuses, summary, notes = import_csv(root, root / "csv")
    assert summary[0] == "data/nlu/es/conversation.yml: greet: +1 example"
    assert "    - ¿hay alguien ahí? buenas tardes señora" in (root / "data/nlu/es/conversation.yml").read_text()
    assert notes == ["nlu_examples.csv was saved as Windows-1252 (Excel's plain 'CSV') with semicolons between cells",
                     "responses.csv was saved as Windows-1252 (Excel's plain 'CSV') with semicolons between cells"]


def test_characters_windows_1252_cannot_hold_are_not_silently_replaced(root):
    path = root / "data" / "nlu" / "basics.yml"
    text = path.read_text()
    path.write_text(text.replace("    - hiya\n", "    - hiya \u2192 friend\n", 1))
    examples_csv, answers_csv = export_csv(root, root / "csv")
    write_rows(examples_csv, read_rows(examples_csv), encoding="windows-1252")  # '→' becomes '?'
    before = snapshot(root)
    with pytest.raises(SpreadsheetError) as caught:
        import_csv(root, root / "csv")
    assert "'hiya ? friend' lost the characters \u2192" in str(caught.value)
    assert "Save it as 'CSV UTF-8 (Comma delimited)'" in str(caught.value)
    assert snapshot(root) == before


def test_a_header_the_tool_cannot_split_says_what_to_change(root):
    examples_csv, _ = export_csv(root, root / "csv")
    write_rows(examples_csv, read_rows(examples_csv), delimiter="|")
    with pytest.raises(SpreadsheetError, match="the first row must be the column names file, intent, example") as caught:
        import_csv(root, root / "csv")
    assert "save as 'CSV UTF-8 (Comma delimited)'" in str(caught.value)


def test_an_import_that_would_delete_examples_added_since_the_export_is_refused_with_the_list(root):
    export_csv(root, root / "csv")
    path = root / "data" / "nlu" / "basics.yml"
    path.write_text(path.read_text().replace("    - hiya\n", "    - hiya\n    - hey hey, added in YAML\n", 1))
    line = path.read_text().splitlines().index("    - hey hey, added in YAML") + 1
    before = snapshot(root)
    with pytest.raises(SpreadsheetError) as caught:
        import_csv(root, root / "csv")
    message = str(caught.value)
    assert "the YAML files changed after this spreadsheet was exported" in message
    assert f"data/nlu/basics.yml, line {line}: the example 'hey hey, added in YAML' (greet) was added since; the " \
           "import would delete it" in message
    assert snapshot(root) == before


def test_an_export_over_edits_not_yet_imported_is_refused_until_forced(root):
    examples_csv, _ = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    rows.append(["data/nlu/basics.yml", "greet", "hello again", ""])
    write_rows(examples_csv, rows)
    assert edits_not_imported(root, root / "csv") == ["nlu_examples.csv"]
    with pytest.raises(SpreadsheetError, match="has edits that were not imported yet"):
        export_csv(root, root / "csv")
    assert read_rows(examples_csv)[-1][2] == "hello again"  # untouched
    export_csv(root, root / "csv", force=True)
    assert edits_not_imported(root, root / "csv") == []


def test_a_sheet_only_reopened_and_saved_is_not_taken_for_edits(root):
    examples_csv, answers_csv = export_csv(root, root / "csv")
    write_rows(examples_csv, read_rows(examples_csv), delimiter=";")
    answers = read_rows(answers_csv)
    write_rows(answers_csv, [answers[0], *reversed(answers[1:])])  # sorted another way, nothing edited
    assert edits_not_imported(root, root / "csv") == []
    export_csv(root, root / "csv")


def test_a_mistyped_intent_does_not_create_a_new_intent(root):
    examples_csv, _ = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    number = row_of(rows, intent="faq/debt_bondage")
    rows[number][1] = "faq/debt_bondge"
    write_rows(examples_csv, rows)
    before = snapshot(root)
    with pytest.raises(SpreadsheetError) as caught:
        import_csv(root, root / "csv")
    assert (f"nlu_examples.csv, row {number + 1}: there is no intent 'faq/debt_bondge'. Did you mean "
            "'faq/debt_bondage'?") in str(caught.value)
    assert "add rows for utter_faq/debt_bondge to responses.csv" in str(caught.value)
    assert snapshot(root) == before


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("file", "../../etc/passwd.yml", "must be a file in data/nlu/ ending in .yml, or domain.yml"),
        ("buttons", "[{title: Get a hotline}]", "buttons must be written like"),
        ("language", "fr", "language must be en or es"),
        ("text", "   ", "has no text; to delete an answer, delete its row"),
    ],
)
def test_bad_rows_change_nothing_and_say_which_row(root, column, value, message):
    before = snapshot(root)
    _, answers_csv = export_csv(root, root / "csv")
    rows = read_rows(answers_csv)
    rows[3][rows[0].index(column)] = value
    write_rows(answers_csv, rows)
    with pytest.raises(SpreadsheetError, match="responses.csv, row 4") as caught:
        import_csv(root, root / "csv")
    assert message in str(caught.value)
    assert snapshot(root) == before


def test_the_commands_say_what_happened(root, capsys):
    folder = ["--root", str(root), "--folder", str(root / "csv")]
    assert spreadsheet_main(["export", *folder]) == 0
    assert (root / "csv" / "nlu_examples.csv").read_bytes().startswith(b"\xef\xbb\xbffile,intent,example,id\r\n")
    assert spreadsheet_main(["import", *folder]) == 0
    assert "Nothing to import" in capsys.readouterr().out
    rows = read_rows(root / "csv" / "nlu_examples.csv")
    rows.append(["data/nlu/basics.yml", "greet", "hello again", ""])
    write_rows(root / "csv" / "nlu_examples.csv", rows, delimiter=";")
    assert spreadsheet_main(["import", *folder]) == 0
    out = capsys.readouterr().out
    assert "Read: nlu_examples.csv was saved as semicolons between cells. That works" in out
    assert "data/nlu/basics.yml: greet: +1 example" in out and "Now run make check-content" in out
    shutil.rmtree(root / "csv")
    assert spreadsheet_main(["import", *folder]) == 1
    assert "Nothing was changed" in capsys.readouterr().err
