"""Intent and answer blocks written in the project's own YAML layout.

Only blocks a spreadsheet changed are written again; everything else stays
byte for byte. The layout is the one the files already use (a test renders
every block of the real data and compares it with the file).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Sequence, Tuple

import yaml

from tools.content.source import Variation


@dataclass(frozen=True)
class Answer:
    """One language version of an answer, as the spreadsheet holds it."""

    language: str  # en, es
    text: str
    buttons: Tuple[Mapping[str, Any], ...] | None = None  # None: no `buttons:` key
    metadata: Tuple[Tuple[str, Any], ...] = ()  # in file order: source, need, then anything else
    keys: Tuple[str, ...] = field(default=(), compare=False)  # the order the file had them in

    @classmethod
    def of(cls, variation: Variation) -> Answer:
        return cls(variation.language or "", variation.text,
                   tuple(variation.buttons) if variation.has_buttons else None,
                   tuple(variation.metadata.items()), variation.keys)


_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ ./-]*$")


def scalar(value: Any) -> str:
    """A value as the files write it: plain when that reads back the same, else double-quoted."""
    if isinstance(value, str) and _PLAIN.match(value) and value == value.strip():
        try:
            if yaml.safe_load(value) == value:
                return value
        except yaml.YAMLError:
            pass
    if isinstance(value, (bool, int, float)) or value is None:
        return json.dumps(value)
    return quoted(str(value))


def quoted(text: str) -> str:
    """Double-quoted like the project's files (a JSON string is a valid YAML double-quoted scalar)."""
    return json.dumps(text, ensure_ascii=False)


def render_intent(intent: str, examples: Sequence[str], indent: int) -> List[str]:
    pad = " " * indent
    return [f"{pad}- intent: {intent}\n", f"{pad}  examples: |\n"] + [f"{pad}    - {text}\n" for text in examples]


def render_answer(name: str, variations: Sequence[Answer], indent: int) -> List[str]:
    pad = " " * indent
    lines = [f"{pad}{name}:\n"]
    for answer in variations:
        lines.append(f"{pad}- text: {quoted(answer.text)}\n")
        order = [k for k in answer.keys if k != "text"] or ["buttons", "condition", "metadata"]
        for key in [*order, *(k for k in ("buttons", "condition", "metadata") if k not in order)]:
            if key == "buttons" and answer.buttons is not None:
                lines.extend(_buttons(answer.buttons, pad))
            elif key == "condition" and answer.language != "en":
                lines.extend([f"{pad}  condition:\n", f"{pad}  - type: slot\n", f"{pad}    name: language\n",
                              f"{pad}    value: {scalar(answer.language)}\n"])
            elif key == "metadata" and answer.metadata:
                lines.append(f"{pad}  metadata:\n")
                lines.extend(f"{pad}    {k}: {scalar(v)}\n" for k, v in answer.metadata)
    return lines


def _buttons(buttons: Sequence[Mapping[str, Any]], pad: str) -> List[str]:
    if not buttons:
        return [f"{pad}  buttons: []\n"]
    lines = [f"{pad}  buttons:\n"]
    for button in buttons:
        for position, (key, value) in enumerate(button.items()):
            lead = "- " if position == 0 else "  "
            lines.append(f"{pad}  {lead}{key}: {quoted(str(value)) if isinstance(value, str) else scalar(value)}\n")
    return lines
