"""Writing a plan back into the YAML files: only the blocks that changed, everything else byte for byte."""

from __future__ import annotations

import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Tuple

from tools.content.source import NluFile, read_nlu_file
from tools.content.spreadsheet.csv_files import SpreadsheetError
from tools.content.spreadsheet.merge import Plan
from tools.content.spreadsheet.render import Answer, render_answer, render_intent

NEW_FILE = 'version: "3.1"\n'
Edit = Tuple[int, int, List[str]]  # (start, end, replacement lines), 0-based, end exclusive


def new_text(model: NluFile, examples: Mapping[str, List[str]] | None,
             answers: Mapping[str, List[Answer]] | None, rewrite_all: bool = False) -> str:
    """The file's text with changed blocks written again, new ones added, dropped ones removed.

    `rewrite_all` writes every block again (used to prove the layout is reproduced exactly).
    """
    lines = list(model.lines)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"  # so a block can follow; kept only when something changes
    edits: List[Edit] = []
    if examples is not None:
        current = OrderedDict((block.intent, (block, block.texts)) for block in model.intents)
        edits += _section(lines, current, examples, render_intent, model.nlu_indent, model.nlu_end, "nlu:\n",
                          rewrite_all)
    if answers is not None:
        current_answers = OrderedDict((name, (block, [Answer.of(v) for v in block.variations]))
                                      for name, block in model.responses.items())
        edits += _section(lines, current_answers, answers, render_answer, model.responses_indent,
                          model.responses_end, "responses:\n", rewrite_all)
    if not edits:
        return "".join(model.lines)
    # Bottom-up so earlier line numbers stay valid; two insertions at one place keep their order.
    order = sorted(range(len(edits)), key=lambda i: (edits[i][0], edits[i][1], i), reverse=True)
    for start, end, replacement in (edits[i] for i in order):
        lines[start:end] = replacement
    return "".join(lines)


def _section(lines: List[str], current: Mapping[str, Tuple[Any, Any]], wanted: Mapping[str, Any],
             render: Callable[[str, Any, int], List[str]], indent: int, end: int | None, header: str,
             rewrite_all: bool) -> List[Edit]:
    edits: List[Edit] = []
    for name, (block, value) in current.items():
        want = wanted.get(name)
        if not want:
            edits.append((block.start, block.end, []))
        elif rewrite_all or want != value:
            edits.append((block.start, block.end, render(name, want, block.indent)))
    added = [line for name, want in wanted.items() if name not in current and want for line in render(name, want, indent)]
    if added:
        if end is None:
            at = len(lines)
            while at > 0 and not lines[at - 1].strip():
                at -= 1
            edits.append((at, at, [header, *added]))
        else:
            edits.append((end, end, added))
    return edits


def write_plan(root: Path, plan: Plan, models: Dict[str, NluFile]) -> Dict[str, str]:
    """Write every changed file; {file: 'changed' | 'created' | 'unchanged'}.

    Every new text is read back and compared with the plan before anything is
    written, so a conversion that went wrong never reaches the data.
    """
    planned: Dict[str, Tuple[str, str]] = {}
    for name in dict.fromkeys([*models, *plan.examples, *plan.answers]):
        model = models.get(name)
        before = "".join(model.lines) if model else None
        model = model or NluFile(Path(root) / name, name, [NEW_FILE])
        after = new_text(model, plan.examples.get(name), plan.answers.get(name))
        _verify(name, after, plan.examples.get(name), plan.answers.get(name))
        status = "created" if before is None else ("unchanged" if after == before else "changed")
        planned[name] = (status, after)
    for name, (status, after) in planned.items():
        if status != "unchanged":
            path = Path(root) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(after, encoding="utf-8", newline="")
    return {name: status for name, (status, _) in planned.items()}


def _verify(name: str, text: str, examples: Mapping[str, List[str]] | None,
            answers: Mapping[str, List[Answer]] | None) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        model = read_nlu_file(path, Path(scratch))
    got_examples = {block.intent: block.texts for block in model.intents}
    got_answers = {n: [Answer.of(v) for v in block.variations] for n, block in model.responses.items()}
    want_examples = {k: v for k, v in (examples or {}).items() if v}
    want_answers = {k: v for k, v in (answers or {}).items() if v}
    if model.problems or (examples is not None and got_examples != want_examples) or \
            (answers is not None and got_answers != want_answers):
        raise SpreadsheetError(f"{name}: the spreadsheet could not be written back faithfully; nothing was changed")
