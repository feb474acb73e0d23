"""Spreadsheet round trip on a copy of the real data: neutral when unedited, exact when edited."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Dict, List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.loading import load_data

from bot.config import PROJECT_ROOT
from tools.content import spreadsheet
from tools.content.spreadsheet import SpreadsheetError, export_csv, import_csv


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of data/ and domain.yml: the real files are never written by these tests."""
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copytree(PROJECT_ROOT / "data", copy / "data")
    shutil.copy(PROJECT_ROOT / "domain.yml", copy / "domain.yml")
    return copy


def snapshot(root: Path) -> Dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and "csv" not in p.parts)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def read_rows(path: Path) -> List[List[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: List[List[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)


def test_import_of_unedited_export_leaves_every_file_byte_identical(root):
    before = snapshot(root)
    export_csv(root, root / "csv")
    statuses = import_csv(root, root / "csv")
    assert set(statuses.values()) == {"unchanged"}
    assert snapshot(root) == before


def test_rewriting_every_block_reproduces_the_current_files_exactly(root):
    """The importer's format is the project's format: re-rendering everything changes no byte."""
    before = snapshot(root)
    export_csv(root, root / "csv")
    import_csv(root, root / "csv", rewrite_all=True)
    assert snapshot(root) == before


def test_export_covers_every_example_and_response_rasa_reads(root):
    examples_csv, responses_csv = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    assert rows[0] == ["file", "intent", "example"]
    rasa_examples = load_data(str(root / "data" / "nlu"))
    assert sorted((r[1], r[2]) for r in rows[1:]) == sorted(
        (m.get_full_intent(), m.get("text")) for m in rasa_examples.intent_examples
    )
    responses = read_rows(responses_csv)
    assert responses[0] == ["file", "response", "variation", "text", "buttons"]
    domain = Domain.load([str(root / "domain.yml"), *map(str, sorted((root / "data" / "nlu").glob("*.yml")))])
    assert {r[1] for r in responses[1:]} == set(domain.responses)
    greet = next(r for r in responses if r[1] == "utter_greet")
    assert greet[0] == "domain.yml" and greet[2] == "1" and '"payload": "/affirm"' in greet[4]


def test_edits_are_written_back_exactly_and_only_where_edited(root):
    before = snapshot(root)
    examples_csv, responses_csv = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    index = rows.index(["data/nlu/basics.yml", "greet", "hiya"])
    rows[index][2] = "hiya friend"
    rows.insert(index + 1, ["data/nlu/basics.yml", "greet", "hello again"])
    rows.append(["data/nlu/new_topic.yml", "ask_new_topic", "what is the new topic"])
    write_rows(examples_csv, rows)
    responses = read_rows(responses_csv)
    changed = 'Say "stop": you decide \u2014 always.\nSecond line with a back\\slash.'
    for row in responses:
        if row[1] == "utter_faq/sextortion":
            row[3] = changed
        if row[1] == "utter_faq/digital_safety":
            row[4] = '[{"title": "Get a hotline", "payload": "/find_hotline"}]'
    responses.append(["data/nlu/new_topic.yml", "utter_faq/new_topic", "1", "The new topic, in plain words.", ""])
    write_rows(responses_csv, responses)

    statuses = import_csv(root, root / "csv")
    assert statuses["data/nlu/basics.yml"] == "changed"
    assert statuses["data/nlu/online_safety.yml"] == "changed"
    assert statuses["data/nlu/new_topic.yml"] == "created"
    assert statuses["data/nlu/crisis.yml"] == statuses["domain.yml"] == "unchanged"

    # Re-exporting gives back exactly the edited spreadsheet (files in name order).
    again = export_csv(root, root / "again")
    assert by_file(read_rows(again[0])) == by_file(read_rows(examples_csv))
    assert by_file(read_rows(again[1])) == by_file(read_rows(responses_csv))

    # Rasa reads the edits as meant.
    data = load_data(str(root / "data" / "nlu"))
    greet = [m.get("text") for m in data.intent_examples if m.get("intent") == "greet"]
    assert "hiya friend" in greet and "hello again" in greet and "hiya" not in greet
    assert data.responses["utter_faq/sextortion"][0]["text"] == changed
    assert data.responses["utter_faq/digital_safety"][0]["buttons"] == [{"title": "Get a hotline", "payload": "/find_hotline"}]
    assert (root / "data" / "nlu" / "new_topic.yml").read_text() == (
        'version: "3.1"\nnlu:\n- intent: ask_new_topic\n  examples: |\n    - what is the new topic\n'
        'responses:\n  utter_faq/new_topic:\n  - text: "The new topic, in plain words."\n'
    )

    # Only the edited lines differ in basics.yml.
    old = before["data/nlu/basics.yml"].decode().splitlines()
    new = (root / "data" / "nlu" / "basics.yml").read_text().splitlines()
    assert len(new) == len(old) + 1
    assert [line for line in new if line not in old] == ["    - hiya friend", "    - hello again"]

    # Importing the original export again restores every original file byte for byte.
    export_dir = root / "csv"
    shutil.rmtree(export_dir)
    original = root / "original"
    original.mkdir()
    (root / "data" / "nlu" / "new_topic.yml").unlink()
    restored_source = snapshot_dir(before, original)
    export_csv(restored_source, export_dir)
    import_csv(root, export_dir)
    assert {k: v for k, v in snapshot(root).items() if not k.startswith(("again/", "original/"))} == before


def by_file(rows: List[List[str]]) -> Dict[str, List[List[str]]]:
    grouped: Dict[str, List[List[str]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def snapshot_dir(files: Dict[str, bytes], target: Path) -> Path:
    for relative, data in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return target


def test_removing_all_rows_of_an_intent_removes_it_and_keeps_its_neighbours(root):
    examples_csv, _ = export_csv(root, root / "csv")
    rows = [r for r in read_rows(examples_csv) if r[1] != "thanks"]
    write_rows(examples_csv, rows)
    import_csv(root, root / "csv")
    text = (root / "data" / "nlu" / "basics.yml").read_text()
    assert "- intent: thanks" not in text and "- intent: goodbye" in text and "- intent: affirm" in text
    intents = {m.get("intent") for m in load_data(str(root / "data" / "nlu" / "basics.yml")).intent_examples}
    assert "thanks" not in intents and {"goodbye", "affirm"} <= intents


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("file", "../../etc/passwd.yml", "must be domain.yml or a file in data/nlu/"),
        ("buttons", "[{title: Get a hotline}]", "buttons must be written like"),
        ("variation", "first", "variation must be a number"),
        ("text", "   ", "has no text"),
    ],
)
def test_bad_spreadsheet_rows_change_nothing_and_say_which_row(root, column, value, message):
    before = snapshot(root)
    _, responses_csv = export_csv(root, root / "csv")
    rows = read_rows(responses_csv)
    rows[3][rows[0].index(column)] = value
    write_rows(responses_csv, rows)
    with pytest.raises(SpreadsheetError, match="row 4") as caught:
        import_csv(root, root / "csv")
    assert message in str(caught.value)
    assert snapshot(root) == before


def test_multiline_example_is_refused(root):
    examples_csv, _ = export_csv(root, root / "csv")
    rows = read_rows(examples_csv)
    rows[1][2] = "hello\nthere"
    write_rows(examples_csv, rows)
    with pytest.raises(SpreadsheetError, match="must be on one line"):
        import_csv(root, root / "csv")


def test_cli_export_and_import(root, capsys):
    assert spreadsheet.main(["export", "--root", str(root), "--folder", str(root / "csv")]) == 0
    assert (root / "csv" / "nlu_examples.csv").read_bytes().startswith(b"\xef\xbb\xbffile,intent,example\r\n")
    assert spreadsheet.main(["import", "--root", str(root), "--folder", str(root / "csv")]) == 0
    assert "unchanged data/nlu/basics.yml" in capsys.readouterr().out
    (root / "csv" / "responses.csv").unlink()
    assert spreadsheet.main(["import", "--root", str(root), "--folder", str(root / "csv")]) == 1
    assert "Nothing was changed" in capsys.readouterr().err
