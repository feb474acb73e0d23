"""Read the files content staff edit, keeping line numbers, and say in plain words
what is wrong when a file cannot be read.

PyYAML's `compose` gives every value its line; Rasa reads the same files with
ruamel, so anything that fails here would fail Rasa too, with a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import yaml

from bot.config import PROJECT_ROOT

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem: where it is and a plain sentence saying what to do about it."""

    file: str
    line: int | None
    level: str  # ERROR or WARNING
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return f"{self.level.upper():7} {where}: {self.message}"


@dataclass(frozen=True)
class Example:
    file: str
    line: int
    intent: str
    text: str


@dataclass(frozen=True)
class IntentBlock:
    """One `- intent:` item of an NLU file with its examples."""

    file: str
    line: int
    intent: str
    examples: Tuple[Example, ...]


@dataclass(frozen=True)
class Response:
    """One variation of a response (`utter_...`): its text and buttons."""

    file: str
    line: int
    name: str
    variation: int
    text: str
    buttons: Tuple[Dict[str, Any], ...] = ()


@dataclass
class Content:
    """Everything read from the NLU files and the domain, plus what could not be read."""

    intents: List[IntentBlock] = field(default_factory=list)
    responses: List[Response] = field(default_factory=list)
    problems: List[Finding] = field(default_factory=list)

    def examples(self) -> Iterator[Example]:
        for block in self.intents:
            yield from block.examples


def display(path: Path) -> str:
    """A path as staff see it: relative to the project when inside it."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def explain_yaml_error(error: yaml.YAMLError) -> str:
    """A YAML parser error as a sentence a non-programmer can act on."""
    problem = str(getattr(error, "problem", "") or "")
    context = str(getattr(error, "context", "") or "")
    if "'\\t'" in problem or "\t" in problem:
        return "this line starts with a tab. YAML needs spaces: replace the tab with spaces, lined up with the lines above."
    if "mapping values are not allowed" in problem:
        return (
            "there is a colon (:) inside a text that is not in quotes. Put the whole text in double quotes, "
            'like  - text: "Note: ..."'
        )
    if "quoted scalar" in context and "end of stream" in problem:
        return "a quote (\") is opened but never closed. Add the closing quote at the end of the text."
    if "unknown escape character" in problem:
        return 'there is a backslash (\\) inside double quotes. Remove it, or write it twice (\\\\).'
    if "expected a comment or a line break" in problem or "expected <block end>, but found '<scalar>'" in problem:
        return (
            "there is text after a closing quote. If the text itself contains double quotes, "
            "write them as \\\" or use single quotes (') for the words inside."
        )
    if "alias" in problem or "anchor" in problem or "'*'" in problem or "'&'" in problem:
        return "a text starts with * or &, which YAML treats as a special sign. Put the text in double quotes."
    if "cannot start any token" in problem:
        return "a text starts with a character YAML reserves (like @ or `). Put the text in double quotes."
    if "could not find expected ':'" in problem:
        return (
            "YAML expected 'name: value' here. Check that the line above closes its quote and that "
            "this line is indented like its neighbours."
        )
    if "block end" in problem or "expected '-'" in problem or "expected key" in problem or "block" in context:
        return (
            "the indentation is off. Each line must start with exactly as many spaces as the lines it belongs "
            "with (examples under `examples: |` start with 4 spaces and '- ')."
        )
    if "flow" in context or "',' or ']'" in problem or "',' or '}'" in problem:
        return "a [ or { is not closed, or a text starts with [ or {. Put such a text in double quotes."
    return f"YAML cannot read this line ({problem or error.__class__.__name__}). Compare it with a line that works."


def read_yaml(path: Path) -> Tuple[Any, yaml.Node | None, List[Finding]]:
    """Parse a YAML file; return (data, node tree, problems). Data is None when unreadable."""
    name = display(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None, [Finding(name, None, ERROR, "the file is missing. Restore it, or check the name.")]
    except UnicodeDecodeError:
        return None, None, [Finding(name, None, ERROR, "the file is not saved as UTF-8 text. Save it again as UTF-8.")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        opened = _unclosed_quote(text, line)
        if opened:
            # A quote left open swallows the next lines; the parser only notices later.
            message = "a quote (\") is opened on this line but never closed. Add the closing quote at the end of the text."
            return None, None, [Finding(name, opened, ERROR, message)]
        return None, None, [Finding(name, line, ERROR, explain_yaml_error(error))]
    if node is None:
        return None, None, [Finding(name, None, ERROR, "the file is empty.")]
    return data, node, _duplicate_keys(name, node)


_QUOTED_VALUE = re.compile(r'^\s*(?:- )?[^\s"#][^:#"]*:\s+"(.*)$')


def _unclosed_quote(text: str, until: int | None) -> int | None:
    """The first line, before the error, whose double-quoted value never closes on that line."""
    for number, line in enumerate(text.splitlines()[: until or 0], start=1):
        match = _QUOTED_VALUE.match(line)
        if match and not re.search(r'(?<!\\)"', match.group(1)):
            return number
    return None


def _duplicate_keys(name: str, node: yaml.Node) -> List[Finding]:
    """YAML silently keeps the last of two equal keys; Rasa refuses the file. Say so plainly."""
    found: List[Finding] = []
    if isinstance(node, yaml.MappingNode):
        seen: Dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if isinstance(key, yaml.ScalarNode) and key.value in seen:
                found.append(
                    Finding(
                        name,
                        line,
                        ERROR,
                        f"'{key.value}' appears twice (first on line {seen[key.value]}). "
                        "The second one would replace the first: merge them into one.",
                    )
                )
            elif isinstance(key, yaml.ScalarNode):
                seen[key.value] = line
            found.extend(_duplicate_keys(name, value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found.extend(_duplicate_keys(name, item))
    return found


def child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node under `key` in a mapping node."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value
    return None


def line_of(node: yaml.Node | None) -> int | None:
    return None if node is None else node.start_mark.line + 1


def read_nlu_file(path: Path, content: Content) -> None:
    """Add the intents and responses of one NLU (or domain) file to `content`."""
    name = display(path)
    data, node, problems = read_yaml(path)
    content.problems.extend(problems)
    if data is None:
        return
    if not isinstance(data, dict):
        content.problems.append(Finding(name, 1, ERROR, "the file must start with 'version:' and then 'nlu:' or 'responses:'."))
        return
    _read_intents(name, data.get("nlu"), child(node, "nlu"), content)
    _read_responses(name, data.get("responses"), child(node, "responses"), content)


def _read_intents(name: str, items: Any, node: yaml.Node | None, content: Content) -> None:
    if items is None:
        return
    if not isinstance(items, list) or not isinstance(node, yaml.SequenceNode):
        content.problems.append(
            Finding(name, line_of(node), ERROR, "'nlu:' must be followed by a list of items, each starting with '- intent:'.")
        )
        return
    for item, item_node in zip(items, node.value, strict=True):
        line = line_of(item_node) or 0
        if not isinstance(item, dict) or "intent" not in item:
            continue  # synonyms, regexes and lookup tables are not examples of an intent
        intent = str(item["intent"])
        examples = item.get("examples")
        examples_node = child(item_node, "examples")
        if not isinstance(examples, str):
            content.problems.append(
                Finding(
                    name,
                    line,
                    ERROR,
                    f"the intent '{intent}' has no examples. Write 'examples: |' under it, then one example "
                    "per line, each starting with 4 spaces and '- '.",
                )
            )
            continue
        first = (examples_node.start_mark.line + 2) if examples_node is not None else line + 1
        found = []
        for offset, raw in enumerate(examples.splitlines()):
            if not raw.strip():
                continue
            if not raw.startswith("-"):
                content.problems.append(
                    Finding(
                        name,
                        first + offset,
                        ERROR,
                        f"this example of '{intent}' does not start with '- ', so Rasa would skip it. "
                        "Start the line with '- ' (after the 4 spaces).",
                    )
                )
                continue
            text = raw[1:].strip()
            if not text:
                content.problems.append(
                    Finding(name, first + offset, ERROR, f"an example of '{intent}' is empty. Delete the line or write it.")
                )
                continue
            found.append(Example(name, first + offset, intent, text))
        content.intents.append(IntentBlock(name, line, intent, tuple(found)))


def _read_responses(name: str, responses: Any, node: yaml.Node | None, content: Content) -> None:
    if responses is None:
        return
    if not isinstance(responses, dict):
        content.problems.append(
            Finding(name, line_of(node), ERROR, "'responses:' must be followed by response names like 'utter_greet:'.")
        )
        return
    for response, variations in responses.items():
        response_node = child(node, str(response))
        line = line_of(response_node) or 0
        if not isinstance(variations, list) or not isinstance(response_node, yaml.SequenceNode):
            content.problems.append(
                Finding(name, line, ERROR, f"the response '{response}' must be a list: put '- text: \"...\"' under it.")
            )
            continue
        for index, (variation, variation_node) in enumerate(zip(variations, response_node.value, strict=True)):
            where = line_of(variation_node) or line
            if not isinstance(variation, dict) or not isinstance(variation.get("text"), str):
                content.problems.append(
                    Finding(name, where, ERROR, f"the response '{response}' needs a text: write '- text: \"...\"'.")
                )
                continue
            buttons = variation.get("buttons") or []
            if not isinstance(buttons, list) or not all(isinstance(b, dict) for b in buttons):
                content.problems.append(
                    Finding(name, where, ERROR, f"the buttons of '{response}' must be a list of '- title:' and 'payload:' pairs.")
                )
                buttons = []
            content.responses.append(Response(name, where, str(response), index, variation["text"], tuple(buttons)))


def nlu_files(root: Path) -> List[Path]:
    """The topic files under data/nlu, in a stable order."""
    return sorted((Path(root) / "data" / "nlu").rglob("*.yml"))


def load_content(files: List[Path]) -> Content:
    """Read every given NLU/domain file."""
    content = Content()
    for path in files:
        read_nlu_file(path, content)
    return content
