"""What an import changes: the spreadsheet's edits, matched to the YAML by key, checked against the export.

Rows are matched by their id (examples) or name and language (answers), never
by position, so a sorted or filtered sheet imports the same. Before anything is
planned, the YAML as it is now is compared with the YAML at the export: an
import that would delete examples added since, bring back ones deleted since,
or undo an answer edited since, is refused with the list.
"""

from __future__ import annotations

import difflib
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Set, Tuple

from tools.content.source import Content
from tools.content.spreadsheet.csv_files import SpreadsheetError, lost_in_windows_1252
from tools.content.spreadsheet.render import Answer
from tools.content.spreadsheet.rows import ANSWERS_CSV, EXAMPLES_CSV, SheetRows
from tools.content.spreadsheet.state import AnswerRow, ExampleRow, Exported, answers_of, examples_of

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


@dataclass
class Plan:
    """Per file: each intent's examples and each answer's versions after the import, plus what changed."""

    examples: Dict[str, OrderedDict[str, List[str]]] = field(default_factory=dict)
    answers: Dict[str, OrderedDict[str, List[Answer]]] = field(default_factory=dict)
    changes: Dict[str, List[str]] = field(default_factory=lambda: defaultdict(list))  # file -> what changed there
    counts: Dict[str, int] = field(default_factory=lambda: defaultdict(int))


def plan_import(content: Content, exported: Exported, sheet: SheetRows, domain_intents: Sequence[str]) -> Plan:
    """The files' examples and answers as the spreadsheet wants them (or a SpreadsheetError saying why not)."""
    current = examples_of(content)
    answers_now = answers_of(content)
    rows = _match_new_rows(sheet, current)
    _refuse_changes_since_export(current, answers_now, exported, rows, sheet)
    _refuse_unknown_ids_and_lost_characters(rows, exported, sheet)
    _refuse_unknown_intents(rows, sheet, current, domain_intents)
    plan = Plan()
    _plan_examples(plan, content, current, rows)
    _plan_answers(plan, content, answers_now, sheet)
    return plan


def _match_new_rows(sheet: SheetRows, current: List[ExampleRow]) -> List[Tuple[int, ExampleRow]]:
    """Rows without an id that are already in the YAML (an import run twice) take that example's id."""
    claimed = {row.id for _, row in sheet.examples if row.id}
    free: Dict[Tuple[str, str, str], List[str]] = defaultdict(list)
    for example in current:
        if example.id not in claimed:
            free[(example.file, example.intent, example.text)].append(example.id)
    matched = []
    for number, row in sheet.examples:
        if not row.id and free.get((row.file, row.intent, row.text)):
            row = ExampleRow(free[(row.file, row.intent, row.text)].pop(0), row.file, row.intent, row.text)
        matched.append((number, row))
    return matched


def _refuse_changes_since_export(current: List[ExampleRow], answers_now: Dict[Tuple[str, str], AnswerRow],
                                 exported: Exported, rows: List[Tuple[int, ExampleRow]], sheet: SheetRows) -> None:
    in_sheet = {row.id for _, row in rows if row.id}
    now = {row.id: row for row in current}
    added = [row for row in current if row.id not in exported.examples and row.id not in in_sheet]
    revived = [row for i, row in exported.examples.items() if i not in now and i in in_sheet]
    answer_rows = {row.key: row for _, row in sheet.answers}
    undone = []
    for key, before in exported.answers.items():
        after, wanted = answers_now.get(key), answer_rows.get(key)
        if after is not None and after.answer != before.answer and (wanted is None or wanted.answer == before.answer):
            undone.append(after)
    undone += [row for key, row in answers_now.items() if key not in exported.answers and key not in answer_rows]
    if not (added or revived or undone):
        return
    lines = [f"the YAML files changed after this spreadsheet was exported ({exported.when}), and importing it would "
             "undo those changes:"]
    lines += [f"  {r.file}, line {r.line}: the example '{r.text}' ({r.intent}) was added since; the import would delete "
              "it" for r in added]
    lines += [f"  {r.file}: the example '{r.text}' ({r.intent}) was deleted or changed since; the import would bring "
              "it back" for r in revived]
    lines += [f"  {r.file}, line {r.line}: the answer '{r.name}' ({LANGUAGE_NAMES.get(r.language, r.language)}) was "
              "added or edited since; the import would undo that" for r in undone]
    lines.append("Export again (make export-csv FORCE=1, after saving your sheet under another name) and copy your "
                 "edits into the new sheet; or add the rows above to your sheet")
    raise SpreadsheetError("\n".join(lines))


def _refuse_unknown_ids_and_lost_characters(rows: List[Tuple[int, ExampleRow]], exported: Exported,
                                            sheet: SheetRows) -> None:
    problems = []
    seen: Dict[str, int] = {}
    for number, row in rows:
        if not row.id:
            continue
        where = f"{EXAMPLES_CSV}, row {number}"
        if row.id not in exported.examples:
            problems.append(f"{where}: the id '{row.id}' is not from this export. Leave the id cell empty for a new "
                            "example")
            continue
        if row.id in seen:
            problems.append(f"{where}: the id '{row.id}' is also on row {seen[row.id]}. A copied row needs an empty id "
                            "cell (it is a new example)")
        seen[row.id] = number
        lost = lost_in_windows_1252(exported.examples[row.id].text, row.text)
        if lost:
            problems.append(f"{where}: '{row.text}' lost the characters {lost} when the file was saved as Windows-1252. "
                            "Save it as 'CSV UTF-8 (Comma delimited)' instead")
    for number, answer_row in sheet.answers:
        before = exported.answers.get(answer_row.key)
        lost = lost_in_windows_1252(before.answer.text, answer_row.answer.text) if before else None
        if lost:
            problems.append(f"{ANSWERS_CSV}, row {number}: the answer '{answer_row.name}' lost the characters {lost} when the "
                            "file was saved as Windows-1252. Save it as 'CSV UTF-8 (Comma delimited)' instead")
    if problems:
        raise SpreadsheetError("\n".join(problems))


def _refuse_unknown_intents(rows: List[Tuple[int, ExampleRow]], sheet: SheetRows, current: List[ExampleRow],
                            domain_intents: Sequence[str]) -> None:
    """A mistyped intent name would quietly create an intent nobody answers: only real new ones pass."""
    known: Set[str] = {row.intent for row in current}
    new_answers = {row.name[len("utter_"):] for _, row in sheet.answers}
    problems = []
    reported: Set[str] = set()
    for number, row in rows:
        intent = row.intent
        if intent in known or intent in reported:
            continue
        if intent.startswith("faq/") and intent in new_answers:
            continue  # a new question with its new answer
        if "/" not in intent and intent in domain_intents:
            continue  # a new intent already listed in domain.yml
        reported.add(intent)
        close = difflib.get_close_matches(intent, sorted(known), n=1, cutoff=0.7)
        guess = f" Did you mean '{close[0]}'?" if close else ""
        how = (f"A new question also needs its answer: add rows for utter_{intent} to {ANSWERS_CSV}."
               if intent.startswith("faq/") else
               "A new intent that is not a question must be listed in domain.yml first.")
        problems.append(f"{EXAMPLES_CSV}, row {number}: there is no intent '{intent}'.{guess} {how}")
    if problems:
        raise SpreadsheetError("\n".join(problems))


def _plan_examples(plan: Plan, content: Content, current: List[ExampleRow], rows: List[Tuple[int, ExampleRow]]) -> None:
    by_id = {row.id: row for _, row in rows if row.id}
    new_rows = [row for _, row in rows if not row.id]
    placed: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    changes: Dict[Tuple[str, str], Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for example in current:
        wanted = by_id.get(example.id)
        key = (example.file, example.intent)
        if wanted is None:
            changes[key]["removed"] += 1
        elif (wanted.file, wanted.intent) == key:
            placed[key].append(wanted.text)
            if wanted.text != example.text:
                changes[key]["edited"] += 1
        else:
            changes[key]["moved away"] += 1
            new_rows.append(wanted)
    for row in new_rows:
        placed[(row.file, row.intent)].append(row.text)
        changes[(row.file, row.intent)]["added"] += 1
    files = [model.name for model in content.files]
    for name in dict.fromkeys([*files, *(file for file, _ in placed)]):
        model = content.file(name)
        order = [block.intent for block in model.intents] if model else []
        order += [intent for file, intent in placed if file == name and intent not in order]
        plan.examples[name] = OrderedDict((intent, placed[(name, intent)]) for intent in order
                                          if placed.get((name, intent)))
    for (file, intent), counted in changes.items():
        said = ", ".join(_count(counted[kind], kind) for kind in _KINDS if counted.get(kind))
        if said:
            plan.changes[file].append(f"{intent}: {said}")
            for kind, n in counted.items():
                plan.counts[f"example {kind}"] += n


_KINDS = ("added", "removed", "edited", "moved away")  # the order changes are said in


def _count(n: int, kind: str) -> str:
    signs = {"added": "+", "removed": "-"}
    noun = "example" if n == 1 else "examples"
    return f"{signs[kind]}{n} {noun}" if kind in signs else f"{n} {noun} {kind}"


def _plan_answers(plan: Plan, content: Content, answers_now: Dict[Tuple[str, str], AnswerRow],
                  sheet: SheetRows) -> None:
    wanted = {row.key: row for _, row in sheet.answers}
    problems = []
    for number, row in sheet.answers:
        before = answers_now.get(row.key)
        if before and before.file != row.file:
            problems.append(f"{ANSWERS_CSV}, row {number}: the answer '{row.name}' is in {before.file}; answers cannot "
                            "move between files in a spreadsheet. Put the file back, or move it in YAML")
    if problems:
        raise SpreadsheetError("\n".join(problems))
    for model in content.files:
        plan.answers[model.name] = OrderedDict()
    for model in content.files:
        for name, block in model.responses.items():
            versions = []
            for variation in block.variations:
                key = (name, variation.language or "")
                kept = Answer.of(variation)
                edited = wanted.get(key)
                language = LANGUAGE_NAMES.get(key[1], key[1])
                if edited is None:
                    plan.changes[model.name].append(f"{name}: {language} answer deleted")
                    plan.counts["answer deleted"] += 1
                    continue
                merged = _merged(kept, edited.answer)
                if merged != kept:
                    plan.changes[model.name].append(f"{name}: {language} answer edited")
                    plan.counts["answer edited"] += 1
                versions.append(merged)
            for language in ("en", "es"):
                added = wanted.get((name, language))
                if added and all(v.language != language for v in block.variations):
                    versions.append(added.answer)
                    plan.changes[model.name].append(f"{name}: {LANGUAGE_NAMES[language]} answer added")
                    plan.counts["answer added"] += 1
            if versions:
                plan.answers[model.name][name] = versions
    existing = {(model.name, name) for model in content.files for name in model.responses}
    # New answers, English first whatever the order of the rows.
    for row in sorted(wanted.values(), key=lambda r: ("en", "es").index(r.language)):
        if (row.file, row.name) in existing:
            continue
        plan.answers.setdefault(row.file, OrderedDict()).setdefault(row.name, []).append(row.answer)
        plan.changes[row.file].append(f"{row.name}: new {LANGUAGE_NAMES[row.language]} answer")
        plan.counts["answer added"] += 1


def _merged(kept: Answer, edited: Answer) -> Answer:
    """The edited text, buttons, source and need, keeping any other metadata and the file's key order."""
    metadata = dict(kept.metadata)
    for key in ("source", "need"):
        value = dict(edited.metadata).get(key)
        if value:
            metadata[key] = value
        else:
            metadata.pop(key, None)
    return Answer(kept.language, edited.text, edited.buttons, tuple(metadata.items()), kept.keys)


def summary(plan: Plan) -> List[str]:
    """"+2 examples in faq/t_visa, 1 answer edited", per file, then the totals."""
    lines = [f"{file}: " + "; ".join(changes) for file, changes in plan.changes.items() if changes]
    order = [f"example {kind}" for kind in _KINDS] + ["answer added", "answer edited", "answer deleted"]
    totals = [_total(kind, plan.counts[kind]) for kind in order if plan.counts.get(kind)]
    if totals:
        lines.append("In all: " + ", ".join(totals) + ".")
    return lines


def _total(kind: str, n: int) -> str:
    thing, what = kind.split(" ", 1)
    noun = thing if n == 1 else f"{thing}s"
    if what == "added":
        return f"+{n} {noun}"
    if what == "removed":
        return f"-{n} {noun}"
    return f"{n} {noun} {what}"
