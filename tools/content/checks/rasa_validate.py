"""Rasa's own check (what `rasa data validate --fail-on-warnings` runs), with each message on its file and line.

Rasa names the intent, answer or story it is unhappy about but not where it
is; this runs Rasa's validator in this process, collects its warnings and log
messages, and points each at the lines of the item it names. Messages our own
checks already give with their line (duplicates, intents missing from the
domain or without a rule) are left to those checks, so each problem is said once.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from tools.content.checks.dialogue import answered_intents, steps
from tools.content.checks.project import Project
from tools.content.source import ERROR, WARNING, Content, Finding

SOURCE = "rasa data validate"


@dataclass(frozen=True)
class RasaMessage:
    text: str
    failed: bool  # Rasa's overall verdict: the project did not pass


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_validator(project: Project) -> List[RasaMessage]:
    """Rasa's validation of domain, NLU, rules and stories, as `rasa data validate --fail-on-warnings` runs it."""
    from rasa.cli.utils import validate_files
    from rasa.shared.importers.importer import TrainingDataImporter

    collect = _Collect()
    rasa_logger = logging.getLogger("rasa")
    saved = (rasa_logger.level, rasa_logger.propagate)
    rasa_logger.addHandler(collect)
    rasa_logger.setLevel(logging.WARNING)
    rasa_logger.propagate = False  # Rasa's lines are shown explained, not raw
    failed = False
    texts: List[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("always")
            try:
                importer = TrainingDataImporter.load_from_config(
                    config_path=str(project.config), domain_path=str(project.domain),
                    training_data_paths=[str(project.root / "data")])
                validate_files(True, None, importer)
            except SystemExit:
                failed = True
            except Exception as error:  # noqa: BLE001 - Rasa's loaders raise many kinds; each is a finding
                failed = True
                texts.append(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
        texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)] + collect.messages + texts
    finally:
        rasa_logger.removeHandler(collect)
        rasa_logger.setLevel(saved[0])
        rasa_logger.propagate = saved[1]
    return [RasaMessage(text.strip(), failed) for text in dict.fromkeys(texts) if text.strip()]


# ---- where Rasa's items are ------------------------------------------------------------------------


class Index:
    """Where intents, answers, rules and stories are, to put Rasa's messages on their lines."""

    def __init__(self, project: Project, content: Content) -> None:
        self.steps: Dict[Tuple[str, str], List[Tuple[str, int | None]]] = {}
        self.blocks: Dict[str, Tuple[str, int]] = {}
        _, files = answered_intents(project)
        for parsed in files:
            for kind, name, line in steps(parsed):
                self.steps.setdefault((kind, name), []).append((parsed.name, line))
            data = parsed.data if isinstance(parsed.data, dict) else {}
            for key in ("rules", "stories"):
                for index, item in enumerate(data.get(key) or []):
                    label: Any = item.get("rule") or item.get("story") if isinstance(item, dict) else None
                    if label:
                        self.blocks[str(label)] = (parsed.name, parsed.line_at(key, index) or 0)
        self.answers = {name: (block.file, block.line) for name, block in content.answers().items()}
        self.intents: Dict[str, Tuple[str, int]] = {}
        for block in content.intents:
            self.intents.setdefault(block.intent, (block.file, block.line))


def explain(message: RasaMessage, index: Index, project: Project) -> List[Finding]:
    """Rasa's message in plain words, on every line it concerns (nothing for what our checks say already)."""
    text = re.sub(r"\s*More info at \S+\s*$", "", message.text.replace("\n", " ")).strip()
    for pattern, handler in _HANDLERS:
        match = re.search(pattern, text)
        if match:
            return handler(match, index, project)
    level = ERROR if message.failed else WARNING
    quoted = re.findall(r"'([^']+)'", text)
    for name in quoted:
        for where in (index.intents.get(name), index.answers.get(name), index.blocks.get(name)):
            if where:
                return [Finding(where[0], where[1], level, f"Rasa says: {text}")]
    return [Finding(SOURCE, None, level, f"Rasa says: {text}")]


def _said_by_our_checks(*_: object) -> List[Finding]:
    return []


def _not_about_content(*_: object) -> List[Finding]:
    return []


def _unused_answer(match: re.Match, index: Index, project: Project) -> List[Finding]:
    name = match.group(1)
    used, _ = answered_intents(project)
    if name == "utter_faq" and "faq" in used:
        return []  # the knowledge answers are said by action_respond, answering the `faq` rule
    where = index.answers.get(name, (SOURCE, None))
    return [Finding(where[0], where[1], WARNING,
                    f"the answer '{name}' is never said: no rule or story uses it. Use it in data/rules/, or delete it.")]


def _missing_answer(match: re.Match, index: Index, project: Project) -> List[Finding]:
    name = match.group(1)
    places = index.steps.get(("action", name)) or [(SOURCE, None)]
    return [Finding(file, line, ERROR,
                    f"this step says the answer '{name}', which does not exist (deleted, or misspelt). Write the "
                    "name of an existing answer, or remove the step.") for file, line in places]


def _unknown_action(match: re.Match, index: Index, project: Project) -> List[Finding]:
    name = match.group(1)
    places = index.steps.get(("action", name)) or [(SOURCE, None)]
    return [Finding(file, line, ERROR,
                    f"this step runs '{name}', which is not listed under actions: in domain.yml. Every turn is "
                    "answered by action_respond: check the spelling.") for file, line in places]


def _unknown_intent_in_dialogue(match: re.Match, index: Index, project: Project) -> List[Finding]:
    name = match.group(1)
    places = index.steps.get(("intent", name)) or [(SOURCE, None)]
    return [Finding(file, line, ERROR,
                    f"this step names the intent '{name}', which is not listed in domain.yml. Check its spelling, or "
                    "add the intent to domain.yml.") for file, line in places]


def _issue_in_file(match: re.Match, index: Index, project: Project) -> List[Finding]:
    """The story reader names the file it read; the item it quotes gives the line when it can be found."""
    name = project.name(Path(match.group(1)))
    said = match.group(2).strip()
    line = None
    for quoted in re.findall(r"'([^']+)'", said):
        places = [where for kind in ("intent", "action") for where in index.steps.get((kind, quoted), [])
                  if where[0] == name]
        if places:
            line = places[0][1]
            break
    return [Finding(name, line, ERROR, f"Rasa says: {said}")]


def _conflict(match: re.Match, index: Index, project: Project) -> List[Finding]:
    names = re.findall(r"predicted in '([^']+)'", match.string)
    places: List[Tuple[str, int | None]] = [index.blocks[name] for name in dict.fromkeys(names) if name in index.blocks]
    places = places or [(SOURCE, None)]
    return [Finding(file, line, ERROR,
                    f"Rasa found rules or stories that disagree ({match.string.strip()}): after the same turn they "
                    "say different things. Make them say the same, or remove one.") for file, line in places]


_HANDLERS: Tuple[Tuple[str, Callable[[re.Match, Index, Project], List[Finding]]], ...] = (
    # Said on every load of a Rasa 3 domain, and of every retrieval intent split over files: not about content.
    (r"duplicated intents have been found across multiple domain files", _not_about_content),
    (r"Slot auto-fill has been removed in 3.0", _not_about_content),
    (r"The intent '([^']+)' is listed in the domain file, but is not found in the NLU", _said_by_our_checks),
    (r"labeled with intent '([^']+)'\. This intent is not listed in your domain", _said_by_our_checks),
    (r"The intent '([^']+)' is not used in any story or rule", _said_by_our_checks),
    (r"The example '(.+)' was found labeled with multiple different intents", _said_by_our_checks),
    (r"The utterance '([^']+)' is not used in any story or rule", _unused_answer),
    (r"The action '([^']+)' is used in the stories, but is not a valid utterance action", _missing_answer),
    (r"The action '([^']+)' is used in the '.*' block, but it is not listed in the domain", _unknown_action),
    (r"The intent '([^']+)' is used in your stories, but it is not listed in the domain", _unknown_intent_in_dialogue),
    (r"Found intent '([^']+)' in stories which is not part of the domain", _unknown_intent_in_dialogue),
    (r"Issue found in '([^']+)':\s*(.*)", _issue_in_file),
    (r"Story structure conflict", _conflict),
)


def rasa_findings(project: Project, content: Content) -> List[Finding]:
    """Rasa's check, explained; an ERROR when Rasa would fail the project."""
    index = Index(project, content)
    return [finding for message in run_validator(project) for finding in explain(message, index, project)]
