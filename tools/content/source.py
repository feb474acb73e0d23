"""The one reader of the files content staff edit: every value with its line, every block with its span.

`make check-content` (checks/), the spreadsheet round trip (spreadsheet/) and the
preview (preview/) all read the YAML through here, so a line number in a check,
a row in a spreadsheet and a "came from" under a preview reply always agree.

PyYAML's `compose` gives every node its line; Rasa reads the same files with
ruamel, so a file that fails here would fail Rasa too, with a traceback.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Sequence, Tuple

import yaml

from bot.config import PROJECT_ROOT

ERROR = "error"
WARNING = "warning"
NOTE = "note"  # said once, changes nothing (e.g. which rules skip Spanish texts)
LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Finding:
    """One problem: where it is and a plain sentence saying what to do about it."""

    file: str
    line: int | None
    level: str  # ERROR, WARNING or NOTE
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return f"{self.level.upper():7} {where}: {self.message}"


def display(path: Path, root: Path = PROJECT_ROOT) -> str:
    """A path as staff see it: relative to the project (forward slashes) when inside it."""
    path = Path(path)
    for base in (Path(root), PROJECT_ROOT):
        try:
            return path.resolve().relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


# ---- any YAML file ---------------------------------------------------------------------


@dataclass
class YamlFile:
    """A parsed YAML file: its data, its node tree (for lines) and what made it unreadable."""

    path: Path
    name: str  # as staff see it (data/hotlines.yml)
    text: str = ""
    data: Any = None
    node: yaml.Node | None = None
    problems: List[Finding] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return self.node is not None

    def line_at(self, *keys: str | int) -> int | None:
        """The line of the value at `keys` (mapping keys, sequence indexes); the deepest one found.

        A missing last key gives its parent's line, so a problem about a field that is
        not there still points at the entry it belongs to.
        """
        node, line = self.node, None
        for key in keys:
            found = _child_with_key_line(node, key)
            if found is None:
                break
            key_line, node = found
            line = key_line
        return line


def _child_with_key_line(node: yaml.Node | None, key: str | int) -> Tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                return key_node.start_mark.line + 1, value
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        item = node.value[key]
        return item.start_mark.line + 1, item
    return None


def read_yaml(path: Path, root: Path = PROJECT_ROOT) -> YamlFile:
    """Parse a YAML file; a file that cannot be read comes back with one plain-words problem."""
    path = Path(path)
    found = YamlFile(path, display(path, root))
    try:
        found.text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        found.problems.append(Finding(found.name, None, ERROR, "the file is missing. Restore it, or check the name."))
        return found
    except UnicodeDecodeError:
        found.problems.append(Finding(found.name, None, ERROR, "the file is not saved as UTF-8 text. Save it again as UTF-8."))
        return found
    try:
        node, data = _parse(found.text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        opened = _unclosed_quote(found.text, line)
        if opened:
            # A quote left open swallows the next lines; the parser only notices later.
            message = "a quote (\") is opened on this line but never closed. Add the closing quote at the end of the text."
            found.problems.append(Finding(found.name, opened, ERROR, message))
        else:
            found.problems.append(Finding(found.name, line, ERROR, explain_yaml_error(error)))
        return found
    if node is None:
        found.problems.append(Finding(found.name, None, ERROR, "the file is empty."))
        return found
    found.node, found.data = node, data
    found.problems.extend(_duplicate_keys(found.name, node))
    return found


def _parse(text: str) -> Tuple[yaml.Node | None, Any]:
    """The node tree (for lines) and the data built from it, with libyaml when it is there.

    On an error the pure-Python parser runs again: its messages are the ones
    explain_yaml_error() knows how to put in plain words.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    try:
        node = yaml.compose(text, Loader=fast or yaml.SafeLoader)
    except yaml.YAMLError:
        if fast is None:
            raise
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is None:
        return None, None
    constructor = yaml.SafeLoader("")
    return node, constructor.construct_document(node)


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
                found.append(Finding(name, line, ERROR, f"'{key.value}' appears twice (first on line {seen[key.value]}). "
                                                        "The second one would replace the first: merge them into one."))
            elif isinstance(key, yaml.ScalarNode):
                seen[key.value] = line
            found.extend(_duplicate_keys(name, value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found.extend(_duplicate_keys(name, item))
    return found


# ---- NLU and domain files: intents, examples, answers, with their spans -------------------


@dataclass(frozen=True)
class Example:
    file: str
    line: int
    intent: str
    text: str


@dataclass
class IntentBlock:
    """One `- intent:` item: its examples, and the lines it spans (0-based, end exclusive)."""

    file: str
    line: int
    intent: str
    examples: Tuple[Example, ...]
    start: int
    end: int
    indent: int
    keys: Tuple[str, ...] = ("intent", "examples")

    @property
    def texts(self) -> List[str]:
        return [example.text for example in self.examples]


@dataclass(frozen=True)
class Variation:
    """One version of an answer: its text, buttons, language (from its condition) and metadata."""

    file: str
    line: int
    name: str  # utter_faq/debt_bondage
    index: int  # position among the response's variations
    text: str
    buttons: Tuple[Mapping[str, Any], ...] = ()
    language: str | None = "en"  # None: a condition other than the language slot
    metadata: Mapping[str, Any] = field(default_factory=dict)
    keys: Tuple[str, ...] = ("text",)  # the keys the variation has, in file order
    text_line: str = ""  # the raw line of `text:` (to see how it was quoted)
    has_buttons: bool = False  # `buttons:` present (even if empty)

    @property
    def question(self) -> str | None:
        """faq/debt_bondage for utter_faq/debt_bondage."""
        return self.name[len("utter_"):] if self.name.startswith("utter_faq/") else None


@dataclass
class ResponseBlock:
    file: str
    line: int
    name: str
    variations: Tuple[Variation, ...]
    start: int
    end: int
    indent: int


@dataclass
class NluFile:
    """An NLU (or domain) file as blocks of lines: what the checks read and the spreadsheet rewrites."""

    path: Path
    name: str  # data/nlu/trafficking.yml
    lines: List[str] = field(default_factory=list)  # with line endings, as in the file
    intents: List[IntentBlock] = field(default_factory=list)
    responses: OrderedDict[str, ResponseBlock] = field(default_factory=OrderedDict)
    nlu_end: int | None = None  # where a new intent goes
    nlu_indent: int = 0
    responses_end: int | None = None  # where a new answer goes
    responses_indent: int = 2
    other_items: int = 0  # synonyms, regexes, lookups: kept as they are
    yaml: YamlFile | None = None
    problems: List[Finding] = field(default_factory=list)

    def intent(self, name: str) -> IntentBlock | None:
        return next((block for block in self.intents if block.intent == name), None)


def read_nlu_file(path: Path, root: Path = PROJECT_ROOT) -> NluFile:
    """Read one NLU or domain file into intent and response blocks, each with its line span."""
    parsed = read_yaml(path, root)
    model = NluFile(Path(path), parsed.name, parsed.text.splitlines(keepends=True), yaml=parsed,
                    problems=list(parsed.problems))
    if not parsed.readable:
        return model
    if not isinstance(parsed.data, dict) or not isinstance(parsed.node, yaml.MappingNode):
        model.problems.append(Finding(model.name, 1, ERROR,
                                      "the file must start with 'version:' and then 'nlu:' or 'responses:'."))
        return model
    top = [(key.start_mark.line, _key(key), value) for key, value in parsed.node.value]
    bounds = [line for line, _, _ in top[1:]] + [len(model.lines)]
    for (line, name, node), bound in zip(top, bounds, strict=True):
        if name == "nlu":
            _read_intents(model, parsed.data["nlu"], node, line, bound)
        elif name == "responses":
            _read_responses(model, parsed.data["responses"], node, line, bound)
    return model


def _key(node: yaml.Node) -> str:
    return node.value if isinstance(node, yaml.ScalarNode) else ""


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _trim(lines: List[str], start: int, bound: int) -> int:
    """End of a block that may run up to `bound`: trailing blank and comment lines stay outside."""
    end = bound
    while end > start + 1 and _is_filler(lines[end - 1]):
        end -= 1
    return end


def _read_intents(model: NluFile, items: Any, node: yaml.Node, line: int, bound: int) -> None:
    if items is None:
        return
    if not isinstance(items, list) or not isinstance(node, yaml.SequenceNode):
        model.problems.append(Finding(model.name, line + 1, ERROR,
                                      "'nlu:' must be followed by a list of items, each starting with '- intent:'."))
        return
    model.nlu_end = _trim(model.lines, line, bound)
    starts = [item.start_mark.line for item in node.value]
    if starts:
        model.nlu_indent = max(0, node.value[0].start_mark.column - 2)
    for index, (item, item_node) in enumerate(zip(items, node.value, strict=True)):
        start = starts[index]
        if not isinstance(item, dict) or "intent" not in item:
            model.other_items += 1
            continue
        intent = str(item["intent"])
        end = _trim(model.lines, start, starts[index + 1] if index + 1 < len(starts) else bound)
        examples = _examples(model, intent, item.get("examples"), item_node, start + 1)
        model.intents.append(IntentBlock(model.name, start + 1, intent, examples, start, end,
                                         model.nlu_indent, tuple(str(k) for k in item)))


def _examples(model: NluFile, intent: str, examples: Any, item_node: yaml.Node, line: int) -> Tuple[Example, ...]:
    if not isinstance(examples, str):
        model.problems.append(Finding(model.name, line, ERROR,
                                      f"the intent '{intent}' has no examples. Write 'examples: |' under it, then one "
                                      "example per line, each starting with 4 spaces and '- '."))
        return ()
    examples_node = _value(item_node, "examples")
    # A literal block's text starts on the line after its `|`.
    first = examples_node.start_mark.line + 2 if examples_node is not None else line + 1
    found = []
    for offset, raw in enumerate(examples.splitlines()):
        number = first + offset
        if not raw.strip():
            continue
        if not raw.startswith("-"):
            model.problems.append(Finding(model.name, number, ERROR,
                                          f"this example of '{intent}' does not start with '- ', so Rasa would skip "
                                          "it. Start the line with '- ' (after the 4 spaces)."))
            continue
        text = raw[1:].strip()
        if not text:
            model.problems.append(Finding(model.name, number, ERROR,
                                          f"an example of '{intent}' is empty. Delete the line or write it."))
            continue
        found.append(Example(model.name, number, intent, text))
    return tuple(found)


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if _key(key_node) == key:
                return value
    return None


def _read_responses(model: NluFile, responses: Any, node: yaml.Node, line: int, bound: int) -> None:
    if responses is None:
        return
    if not isinstance(responses, dict) or not isinstance(node, yaml.MappingNode):
        model.problems.append(Finding(model.name, line + 1, ERROR,
                                      "'responses:' must be followed by answer names like 'utter_faq/debt_bondage:'."))
        return
    model.responses_end = _trim(model.lines, line, bound)
    keys = [(key.start_mark.line, key.start_mark.column, _key(key), value) for key, value in node.value]
    if keys:
        model.responses_indent = keys[0][1]
    for index, (start, column, name, value_node) in enumerate(keys):
        end = _trim(model.lines, start, keys[index + 1][0] if index + 1 < len(keys) else bound)
        variations = responses.get(name)
        if not isinstance(variations, list) or not isinstance(value_node, yaml.SequenceNode):
            model.problems.append(Finding(model.name, start + 1, ERROR,
                                          f"the answer '{name}' must be a list: put '- text: \"...\"' under it."))
            continue
        found = []
        for position, (variation, variation_node) in enumerate(zip(variations, value_node.value, strict=True)):
            found.append(_variation(model, name, position, variation, variation_node))
        model.responses[name] = ResponseBlock(model.name, start + 1, name,
                                              tuple(v for v in found if v is not None), start, end, column)


def _variation(model: NluFile, name: str, index: int, variation: Any, node: yaml.Node) -> Variation | None:
    where = node.start_mark.line + 1
    if not isinstance(variation, dict) or "text" not in variation:
        model.problems.append(Finding(model.name, where, ERROR,
                                      f"the answer '{name}' needs a text: write '- text: \"...\"'."))
        return None
    text = variation.get("text")
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    buttons = variation.get("buttons") or []
    if not isinstance(buttons, list) or not all(isinstance(b, dict) for b in buttons):
        model.problems.append(Finding(model.name, where, ERROR,
                                      f"the buttons of '{name}' must be a list of '- title:' and 'payload:' pairs."))
        buttons = []
    metadata = variation.get("metadata") or {}
    text_node = _value(node, "text")
    raw_line = model.lines[text_node.start_mark.line] if text_node is not None else ""
    return Variation(model.name, where, name, index, text, tuple(buttons), language_of(variation.get("condition")),
                     metadata if isinstance(metadata, dict) else {}, tuple(str(k) for k in variation),
                     raw_line, "buttons" in variation)


def language_of(condition: Any) -> str | None:
    """'en' with no condition, the language of a `language` slot condition, else None."""
    if not condition:
        return "en"
    if (isinstance(condition, list) and len(condition) == 1 and isinstance(condition[0], dict)
            and condition[0].get("type") == "slot" and condition[0].get("name") == "language"
            and set(condition[0]) == {"type", "name", "value"}):
        return str(condition[0].get("value"))
    return None


# ---- the whole project --------------------------------------------------------------------


@dataclass
class Content:
    """Every NLU file (and domain.yml) of a project, read once."""

    files: List[NluFile] = field(default_factory=list)

    @property
    def intents(self) -> List[IntentBlock]:
        return [block for model in self.files for block in model.intents]

    @property
    def variations(self) -> List[Variation]:
        return [v for model in self.files for block in model.responses.values() for v in block.variations]

    @property
    def problems(self) -> List[Finding]:
        return [problem for model in self.files for problem in model.problems]

    def examples(self) -> Iterator[Example]:
        for block in self.intents:
            yield from block.examples

    def answers(self) -> Dict[str, ResponseBlock]:
        return {name: block for model in self.files for name, block in model.responses.items()}

    def file(self, name: str) -> NluFile | None:
        return next((model for model in self.files if model.name == name), None)


def nlu_files(root: Path) -> List[Path]:
    """The topic files under data/nlu (English, then es/), in a stable order."""
    return sorted((Path(root) / "data" / "nlu").rglob("*.yml"), key=lambda p: (len(p.parts), str(p)))


def load_content(files: Sequence[Path], root: Path = PROJECT_ROOT) -> Content:
    """Read every given NLU/domain file."""
    return Content([read_nlu_file(path, root) for path in files])
