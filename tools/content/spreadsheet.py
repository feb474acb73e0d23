"""Spreadsheet round trip: NLU examples and responses to CSV and back.

    python -m tools.content.spreadsheet export [--out results/spreadsheet]
    python -m tools.content.spreadsheet import [--from results/spreadsheet]

nlu_examples.csv: file, intent, example
responses.csv:    file, response, variation, text, buttons (JSON list, empty for none)

Import changes only what was edited. Each intent's examples and each response
are blocks of lines; a block whose content differs from the spreadsheet is
re-written in the project's format (the one the files already use), everything
else (comments, blank lines, other sections) is kept byte for byte. So importing
an unedited export changes nothing, and an edit shows up as a small diff.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Tuple

import yaml

from bot.config import PROJECT_ROOT

EXAMPLES_CSV = "nlu_examples.csv"
RESPONSES_CSV = "responses.csv"
EXAMPLE_COLUMNS = ["file", "intent", "example"]
RESPONSE_COLUMNS = ["file", "response", "variation", "text", "buttons"]
DEFAULT_FOLDER = Path("results") / "spreadsheet"
NEW_FILE_HEADER = 'version: "3.1"\n'

Variation = Tuple[str, List[Dict[str, Any]] | None]  # text, buttons (None: no buttons key)


class SpreadsheetError(ValueError):
    """A file or a spreadsheet row cannot be converted; the message says what to fix."""


# ---- reading the YAML files with the line span of every block -------------------


@dataclass
class Block:
    """An intent item or a response entry: its content and the lines it spans."""

    name: str
    start: int  # first line (0-based)
    end: int  # one past the last line of content (trailing blanks and comments excluded)
    indent: int
    value: Any  # list of examples, or list of Variation


@dataclass
class FileModel:
    path: str  # as written in the CSV: relative to the project root, with /
    lines: List[str]
    intents: OrderedDict[str, Block] = field(default_factory=OrderedDict)
    responses: OrderedDict[str, Block] = field(default_factory=OrderedDict)
    nlu_end: int | None = None  # where a new intent goes
    nlu_indent: int = 0
    responses_end: int | None = None  # where a new response goes
    responses_indent: int = 2


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _trim(lines: List[str], start: int, bound: int) -> int:
    """End of a block that may run up to `bound`: trailing blank and comment lines stay outside."""
    end = bound
    while end > start + 1 and _is_filler(lines[end - 1]):
        end -= 1
    return end


def _key(node: yaml.Node) -> str:
    return node.value if isinstance(node, yaml.ScalarNode) else ""


def read_file(root: Path, relative: str) -> FileModel:
    """Parse one NLU or domain file into blocks; refuse shapes the spreadsheet cannot hold."""
    path = Path(root) / relative
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SpreadsheetError(f"{relative} cannot be read as YAML; run `make check-content` to see why") from error
    model = FileModel(relative, text.splitlines(keepends=True))
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        return model
    top = [(key.start_mark.line, _key(key), value) for key, value in node.value]
    bounds = [line for line, _, _ in top[1:]] + [len(model.lines)]
    for (line, name, value), bound in zip(top, bounds, strict=True):
        if name == "nlu" and isinstance(value, yaml.SequenceNode):
            _read_nlu(model, data["nlu"], value, line, bound)
        elif name == "responses" and isinstance(value, yaml.MappingNode):
            _read_responses(model, data["responses"], value, line, bound)
    return model


def _read_nlu(model: FileModel, items: List[Any], node: yaml.SequenceNode, line: int, bound: int) -> None:
    model.nlu_end = _trim(model.lines, line, bound)
    starts = [item.start_mark.line for item in node.value]
    if starts:
        model.nlu_indent = max(0, node.value[0].start_mark.column - 2)
    for index, item in enumerate(items):
        if not (isinstance(item, dict) and "intent" in item):
            continue  # synonyms, regexes, lookups: not in the spreadsheet, kept as they are
        intent = str(item["intent"])
        where = f"{model.path}, line {starts[index] + 1}"
        if set(item) != {"intent", "examples"} or not isinstance(item["examples"], str):
            raise SpreadsheetError(f"{where}: intent '{intent}' has more than plain examples (metadata?); edit it in YAML")
        if intent in model.intents:
            raise SpreadsheetError(f"{where}: intent '{intent}' appears twice in this file; merge the two lists first")
        next_start = starts[index + 1] if index + 1 < len(starts) else bound
        examples = [raw[1:].strip() for raw in item["examples"].splitlines() if raw.startswith("-")]
        end = _trim(model.lines, starts[index], next_start)
        model.intents[intent] = Block(intent, starts[index], end, model.nlu_indent, examples)


def _read_responses(model: FileModel, responses: Dict[str, Any], node: yaml.MappingNode, line: int, bound: int) -> None:
    model.responses_end = _trim(model.lines, line, bound)
    keys = [(key.start_mark.line, key.start_mark.column, _key(key)) for key, _ in node.value]
    if keys:
        model.responses_indent = keys[0][1]
    for index, (start, column, name) in enumerate(keys):
        next_start = keys[index + 1][0] if index + 1 < len(keys) else bound
        where = f"{model.path}, line {start + 1}"
        variations = responses[name]
        if not isinstance(variations, list):
            raise SpreadsheetError(f"{where}: response '{name}' is not a list of variations")
        value: List[Variation] = []
        for variation in variations:
            if not isinstance(variation, dict) or not isinstance(variation.get("text"), str):
                raise SpreadsheetError(f"{where}: response '{name}' has a variation without text")
            extra = set(variation) - {"text", "buttons"}
            if extra:
                raise SpreadsheetError(
                    f"{where}: response '{name}' uses {', '.join(sorted(extra))}, which the spreadsheet cannot hold; "
                    "edit it in YAML"
                )
            buttons = variation.get("buttons")
            if buttons is not None and not (
                isinstance(buttons, list)
                and all(isinstance(b, dict) and all(_is_scalar(v) for v in b.values()) for b in buttons)
            ):
                raise SpreadsheetError(f"{where}: the buttons of '{name}' must be a list of title/payload pairs")
            value.append((variation["text"], buttons))
        model.responses[name] = Block(name, start, _trim(model.lines, start, next_start), column, value)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def content_files(root: Path) -> List[str]:
    """The files the spreadsheet covers: data/nlu topic files, then domain.yml."""
    root = Path(root)
    files = [p.relative_to(root).as_posix() for p in sorted((root / "data" / "nlu").rglob("*.yml"))]
    if (root / "domain.yml").exists():
        files.append("domain.yml")
    return files


# ---- export ---------------------------------------------------------------------------


def export_csv(root: Path, folder: Path) -> Tuple[Path, Path]:
    """Write nlu_examples.csv and responses.csv for every content file under `root`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    examples_path, responses_path = folder / EXAMPLES_CSV, folder / RESPONSES_CSV
    models = [read_file(root, relative) for relative in content_files(root)]
    # utf-8-sig: Excel needs the byte-order mark to read accented letters correctly.
    with examples_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXAMPLE_COLUMNS)
        for model in models:
            for block in model.intents.values():
                writer.writerows([model.path, block.name, example] for example in block.value)
    with responses_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(RESPONSE_COLUMNS)
        for model in models:
            for block in model.responses.values():
                for number, (text, buttons) in enumerate(block.value, start=1):
                    shown = "" if buttons is None else json.dumps(buttons, ensure_ascii=False)
                    writer.writerow([model.path, block.name, number, text, shown])
    return examples_path, responses_path


# ---- import ----------------------------------------------------------------------------


def _rows(path: Path, columns: List[str]) -> List[Tuple[int, Dict[str, str]]]:
    if not path.exists():
        raise SpreadsheetError(f"{path} is missing; export first (make export-csv)")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip().lower() for name in reader.fieldnames or []]
        if header[: len(columns)] != columns:
            raise SpreadsheetError(f"{path.name}: the first row must be the column names {', '.join(columns)}")
        reader.fieldnames = header
        rows = []
        for row in reader:
            values = {name: (row.get(name) or "") for name in columns}
            if any(value.strip() for value in values.values()):
                rows.append((reader.line_num, values))
        return rows


def _check_file(value: str, where: str, root: Path) -> str:
    relative = value.strip().replace("\\", "/")
    allowed = relative == "domain.yml" or re.fullmatch(r"data/nlu/[\w./-]+\.yml", relative)
    if not allowed or ".." in relative.split("/"):
        raise SpreadsheetError(f"{where}: file '{value}' must be domain.yml or a file in data/nlu/ ending in .yml")
    return relative


Sheet = Dict[str, "OrderedDict[str, List[Any]]"]  # file -> name -> examples or variations


def read_spreadsheet(root: Path, folder: Path) -> Tuple[Sheet, Sheet]:
    """The CSVs as {file: {intent: [examples]}} and {file: {response: [variations]}}."""
    folder = Path(folder)
    examples: Dict[str, OrderedDict[str, List[str]]] = OrderedDict()
    for line, row in _rows(folder / EXAMPLES_CSV, EXAMPLE_COLUMNS):
        where = f"{EXAMPLES_CSV}, row {line}"
        relative = _check_file(row["file"], where, root)
        intent, text = row["intent"].strip(), row["example"].strip()
        if relative == "domain.yml":
            raise SpreadsheetError(f"{where}: examples belong in a data/nlu/ file, not domain.yml")
        if not intent or not text:
            raise SpreadsheetError(f"{where}: every example needs an intent and the example text")
        if "\n" in text or "\r" in text:
            raise SpreadsheetError(f"{where}: an example must be on one line; split it into two rows")
        examples.setdefault(relative, OrderedDict()).setdefault(intent, []).append(text)

    numbered: Dict[str, OrderedDict[str, List[Tuple[int, Variation]]]] = OrderedDict()
    for line, row in _rows(folder / RESPONSES_CSV, RESPONSE_COLUMNS):
        where = f"{RESPONSES_CSV}, row {line}"
        relative = _check_file(row["file"], where, root)
        name = row["response"].strip()
        if not name.startswith("utter_"):
            raise SpreadsheetError(f"{where}: response names start with utter_ (got '{name}')")
        if not row["text"].strip():
            raise SpreadsheetError(f"{where}: the response '{name}' has no text")
        try:
            number = int(row["variation"])
        except ValueError as error:
            raise SpreadsheetError(f"{where}: variation must be a number (1, 2, ...)") from error
        buttons = None
        if row["buttons"].strip():
            try:
                buttons = json.loads(row["buttons"])
            except json.JSONDecodeError as error:
                raise SpreadsheetError(
                    f"{where}: buttons must be written like "
                    '[{"title": "Get a hotline", "payload": "/find_hotline"}] (check the quotes and brackets)'
                ) from error
            if not isinstance(buttons, list) or not all(
                isinstance(b, dict) and all(_is_scalar(v) for v in b.values()) for b in buttons
            ):
                raise SpreadsheetError(f"{where}: buttons must be a list of {{\"title\": ..., \"payload\": ...}}")
        numbered.setdefault(relative, OrderedDict()).setdefault(name, []).append((number, (row["text"], buttons)))
    responses: Dict[str, OrderedDict[str, List[Variation]]] = OrderedDict()
    for relative, by_name in numbered.items():
        responses[relative] = OrderedDict(
            (name, [variation for _, variation in sorted(items, key=lambda item: item[0])]) for name, items in by_name.items()
        )
    return examples, responses


def _quote(value: Any) -> str:
    """A YAML scalar, double-quoted like the project's files (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def render_intent(intent: str, examples: List[str], indent: int) -> List[str]:
    pad = " " * indent
    return [f"{pad}- intent: {intent}\n", f"{pad}  examples: |\n"] + [f"{pad}    - {text}\n" for text in examples]


def render_response(name: str, variations: List[Variation], indent: int) -> List[str]:
    pad = " " * indent
    lines = [f"{pad}{name}:\n"]
    for text, buttons in variations:
        lines.append(f"{pad}- text: {_quote(text)}\n")
        if buttons is None:
            continue
        if not buttons:
            lines.append(f"{pad}  buttons: []\n")
            continue
        lines.append(f"{pad}  buttons:\n")
        for button in buttons:
            for position, (key, value) in enumerate(button.items()):
                lead = "- " if position == 0 else "  "
                lines.append(f"{pad}  {lead}{key}: {_quote(value)}\n")
    return lines


def apply(
    model: FileModel,
    examples: OrderedDict[str, List[str]] | None,
    responses: OrderedDict[str, List[Variation]] | None,
    rewrite_all: bool = False,
) -> str:
    """The file's new text: changed blocks re-written, new ones appended, dropped ones removed.

    `examples`/`responses` None means the spreadsheet has no rows for this file
    in that sheet: that part is left alone. `rewrite_all` re-renders every block
    (used to prove the renderer reproduces the files exactly).
    """
    lines = list(model.lines)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"  # so a block can follow; kept only when something changes
    edits: List[Tuple[int, int, List[str]]] = []  # (start, end, replacement), applied bottom-up
    if examples is not None:
        edits += _section_edits(lines, model.intents, examples, render_intent, model.nlu_indent,
                                model.nlu_end, "nlu:\n", rewrite_all)
    if responses is not None:
        edits += _section_edits(lines, model.responses, responses, render_response,
                                model.responses_indent, model.responses_end, "responses:\n", rewrite_all)
    if not edits:
        return "".join(model.lines)
    # Bottom-up so earlier line numbers stay valid; two insertions at one place keep their order.
    order = sorted(range(len(edits)), key=lambda i: (edits[i][0], edits[i][1], i), reverse=True)
    for start, end, replacement in (edits[i] for i in order):
        lines[start:end] = replacement
    return "".join(lines)


def _section_edits(
    lines: List[str],
    blocks: Mapping[str, Any],
    wanted_by_name: Mapping[str, Any],
    render: Callable[[str, Any, int], List[str]],
    indent: int,
    end: int | None,
    header: str,
    rewrite_all: bool,
) -> List[Tuple[int, int, List[str]]]:
    """Edits for one section (`nlu:` or `responses:`): drop, re-write, then append new blocks."""
    edits: List[Tuple[int, int, List[str]]] = []
    for name, block in blocks.items():
        wanted = wanted_by_name.get(name)
        if wanted is None:
            edits.append((block.start, block.end, []))
        elif rewrite_all or wanted != block.value:
            edits.append((block.start, block.end, render(name, wanted, block.indent)))
    new = [line for name, wanted in wanted_by_name.items() if name not in blocks
           for line in render(name, wanted, indent)]
    if new:
        if end is None:
            new = [header] + new
        edits.append(_insertion(lines, end, new))
    return edits


def _insertion(lines: List[str], at: int | None, new: List[str]) -> Tuple[int, int, List[str]]:
    """Insert at a section's end, or at the end of the file after its last non-blank line."""
    if at is None:
        at = len(lines)
        while at > 0 and not lines[at - 1].strip():
            at -= 1
    return (at, at, new)


def import_csv(root: Path, folder: Path, rewrite_all: bool = False) -> Dict[str, str]:
    """Write the spreadsheet back into the YAML files; return {file: 'changed'|'unchanged'|'created'}.

    Every new file text is parsed again and compared with the spreadsheet before
    anything is written, so a bad conversion never reaches the data.
    """
    root = Path(root)
    examples, responses = read_spreadsheet(root, folder)
    existing = content_files(root)
    planned: Dict[str, Tuple[str, str]] = {}
    for relative in list(dict.fromkeys(existing + list(examples) + list(responses))):
        path = root / relative
        if relative in existing:
            model = read_file(root, relative)
            before = "".join(model.lines)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            model = FileModel(relative, [NEW_FILE_HEADER])
            before = None
        after = apply(model, examples.get(relative), responses.get(relative), rewrite_all)
        _verify(relative, after, examples.get(relative), responses.get(relative))
        status = "created" if before is None else ("unchanged" if after == before else "changed")
        planned[relative] = (status, after)
    for relative, (status, after) in planned.items():
        if status != "unchanged":
            (root / relative).write_text(after, encoding="utf-8", newline="")
    return {relative: status for relative, (status, _) in planned.items()}


def _verify(
    relative: str, text: str, examples: Dict[str, List[str]] | None, responses: Dict[str, List[Variation]] | None
) -> None:
    """The written text must read back exactly as the spreadsheet says."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")
        model = read_file(Path(scratch), relative)
    got_examples = OrderedDict((name, block.value) for name, block in model.intents.items())
    got_responses = OrderedDict((name, block.value) for name, block in model.responses.items())
    if (examples is not None and got_examples != examples) or (responses is not None and got_responses != responses):
        raise SpreadsheetError(f"{relative}: the spreadsheet could not be written back faithfully; nothing was changed")


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export the NLU examples and responses to CSV, or import them back.")
    parser.add_argument("direction", choices=["export", "import"])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help=f"where the CSV files are (default {DEFAULT_FOLDER})")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project folder (default: this project)")
    args = parser.parse_args(argv)
    try:
        if args.direction == "export":
            for path in export_csv(args.root, args.folder):
                print(f"wrote {path}")
            print("Open them in a spreadsheet, edit, save as CSV (UTF-8), then run `make import-csv`.")
            return 0
        statuses = import_csv(args.root, args.folder)
    except SpreadsheetError as error:
        print(f"Nothing was changed: {error}.", file=sys.stderr)
        return 1
    for relative, status in statuses.items():
        print(f"{status:9} {relative}")
    print("Now run `make check-content`.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
