"""The project's own content rules (`make check-content`), one small function each.

Every rule returns Findings: the file, the line where possible, and a plain
sentence saying what is wrong and how to fix it. The limits live in
data/content_rules.yml so staff can read them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

from bot.config import PROJECT_ROOT
from bot.hotlines import DirectoryError, HotlineDirectory
from bot.text import normalise
from tools.content.readability import measure
from tools.content.source import (
    ERROR,
    WARNING,
    Content,
    Example,
    Finding,
    child,
    display,
    line_of,
    load_content,
    nlu_files,
    read_yaml,
)

RULES_FILE = Path("data") / "content_rules.yml"


@dataclass(frozen=True)
class AvoidRule:
    pattern: re.Pattern
    why: str
    instead: str
    only_with: re.Pattern | None = None


@dataclass(frozen=True)
class Rules:
    """The limits from data/content_rules.yml."""

    min_examples: int = 20
    exempt: Dict[str, str] = field(default_factory=dict)
    duplicate_min_words: int = 4
    duplicate_overlap: float = 0.9
    sms_max_chars: int = 320
    max_grade: float = 8.0
    hotline_max_age_days: int = 365
    avoid: Tuple[AvoidRule, ...] = ()

    @classmethod
    def load(cls, path: Path) -> Tuple[Rules | None, List[Finding]]:
        """Read the rules file; a broken file is itself a finding."""
        data, _node, problems = read_yaml(path)
        if data is None:
            return None, problems
        name = display(path)
        try:
            avoid = tuple(
                AvoidRule(
                    re.compile(rf"\b(?:{entry['pattern']})\b", re.IGNORECASE),
                    str(entry["why"]),
                    str(entry["instead"]),
                    re.compile(rf"\b(?:{entry['only_with']})\b", re.IGNORECASE) if entry.get("only_with") else None,
                )
                for entry in data.get("avoid") or []
            )
            near = data.get("near_duplicate") or {}
            rules = cls(
                min_examples=int(data["min_examples_per_intent"]),
                exempt={str(k): str(v) for k, v in (data.get("exempt_from_min_examples") or {}).items()},
                duplicate_min_words=int(near.get("min_words", 4)),
                duplicate_overlap=float(near.get("word_overlap", 0.9)),
                sms_max_chars=int(data["sms_max_chars"]),
                max_grade=float(data["max_reading_grade"]),
                hotline_max_age_days=int(data["hotline_max_age_days"]),
                avoid=avoid,
            )
        except (KeyError, TypeError, ValueError, AttributeError, re.error) as error:
            reason = f"'{error.args[0]}' is missing" if isinstance(error, KeyError) else str(error)
            message = f"the rules file cannot be used: {reason}. Compare it with the copy in git."
            return None, [Finding(name, None, ERROR, message)]
        return rules, problems


# ---- training examples ------------------------------------------------------


def too_few_examples(content: Content, rules: Rules) -> List[Finding]:
    """Each intent needs `min_examples` examples (all its files together)."""
    counts: Dict[str, int] = defaultdict(int)
    first_block = {}
    for block in content.intents:
        counts[block.intent] += len(block.examples)
        first_block.setdefault(block.intent, block)
    found = []
    for intent, count in counts.items():
        if intent in rules.exempt or count >= rules.min_examples:
            continue
        block = first_block[intent]
        found.append(
            Finding(
                block.file,
                block.line,
                ERROR,
                f"the intent '{intent}' has {count} example{'' if count == 1 else 's'}; it needs at least {rules.min_examples}. "
                f"Add {rules.min_examples - count} more ways a person might say this, in their own words "
                "(short and long, with typos and text-speak).",
            )
        )
    return found


def _plain(text: str) -> str:
    """Example text without entity markup ("[london](region)" -> "london"), normalised."""
    return normalise(re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", r"\1\2", text))


def duplicate_examples(content: Content, rules: Rules) -> List[Finding]:
    """The same, or nearly the same, example must not teach two different intents."""
    examples = [(example, _plain(example.text)) for example in content.examples()]
    found = []
    by_text: Dict[str, List] = defaultdict(list)
    for example, plain in examples:
        by_text[plain].append(example)
    exact_pairs: Set[Tuple[int, int]] = set()
    for same in by_text.values():
        for i, first in enumerate(same):
            for second in same[i + 1 :]:
                if first.intent != second.intent:
                    exact_pairs.add((id(first), id(second)))
                    found.append(_duplicate_finding(first, second, exact=True))

    # Near duplicates: compare word sets of long-enough examples; only sizes
    # within the overlap ratio can reach it, so sort by size and stop early.
    long_ones = sorted(
        ((set(plain.split()), example) for example, plain in examples if len(plain.split()) >= rules.duplicate_min_words),
        key=lambda pair: len(pair[0]),
    )
    for i, (words_a, first) in enumerate(long_ones):
        for words_b, second in long_ones[i + 1 :]:
            if len(words_a) < rules.duplicate_overlap * len(words_b):
                break
            if first.intent == second.intent or (id(first), id(second)) in exact_pairs or words_a == words_b:
                continue
            overlap = len(words_a & words_b) / len(words_a | words_b)
            if overlap >= rules.duplicate_overlap:
                found.append(_duplicate_finding(first, second, exact=False))
    return found


def _duplicate_finding(first: Example, second: Example, exact: bool) -> Finding:
    how = "the same example" if exact else "nearly the same example"
    return Finding(
        second.file,
        second.line,
        ERROR,
        f"{how} is in two intents: '{second.text}' ({second.intent}) and '{first.text}' "
        f"({first.intent}, {first.file} line {first.line}). The model cannot learn both. "
        "Keep it in the intent it really belongs to and delete or reword the other.",
    )


def questions_without_answers(content: Content) -> List[Finding]:
    """Each question (faq/<name>) needs its answer (utter_faq/<name>), and each answer its question.

    Rasa's own check misses both: the question would get no reply, the answer never be said.
    """
    answers = {r.name[len("utter_"):]: r for r in content.responses if r.name.startswith("utter_faq/")}
    questions = {b.intent: b for b in content.intents if b.intent.startswith("faq/")}
    found = [
        Finding(
            block.file,
            block.line,
            ERROR,
            f"the question '{name}' has no answer. Add 'utter_{name}:' with its text under 'responses:' "
            "(in the same file, next to the other answers).",
        )
        for name, block in questions.items()
        if name not in answers
    ]
    found.extend(
        Finding(
            response.file,
            response.line,
            ERROR,
            f"the answer '{response.name}' has no question, so it is never said. Add '- intent: {name}' with "
            "examples of how people ask it, or delete the answer.",
        )
        for name, response in answers.items()
        if name not in questions and response.variation == 0
    )
    return found


# ---- responses ----------------------------------------------------------------

# A phone number: 7+ digits, maybe with spaces, dashes, dots, brackets or a +.
_LONG_NUMBER = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")
# A short code: 3-6 digits right after call/text/dial ("text START to 88788" too).
_SHORT_CODE = re.compile(
    r"\b(?:call|calls|calling|dial|ring|text|texting|txt|sms|phone)\b(?:\s+[A-Za-z]+\s+to)?\s+(\d{3,6})\b", re.IGNORECASE
)


def numbers_in(text: str) -> List[str]:
    """Phone numbers and short codes in a text, as digits only."""
    found = []
    for match in _LONG_NUMBER.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) >= 7:
            found.append(digits)
    found.extend(match.group(1) for match in _SHORT_CODE.finditer(text))
    return found


def _same_number(digits: str) -> str:
    """Compare long numbers on their last 9 digits, so "(800) 799-7233" is "1-800-799-7233"
    and "+44 808 2000 247" is "0808 2000 247"; short codes must match exactly."""
    return digits[-9:] if len(digits) >= 9 else digits


def directory_numbers(directory: HotlineDirectory) -> Set[str]:
    """Every number in the directory's call and text fields, as digits only."""
    known: Set[str] = set()
    for service in directory.services.values():
        for value in (service.call, service.text):
            if value:
                known.update(_same_number(d) for d in numbers_in(value))
                known.update(_same_number(d) for d in numbers_in(f"call {value}"))  # a bare "911" is a short code too
    return known


def unknown_numbers(content: Content, directory: HotlineDirectory) -> List[Finding]:
    """A number in a reply must come from the hotline directory, its one home."""
    known = directory_numbers(directory)
    found = []
    for response in content.responses:
        texts = [response.text] + [str(b.get("title", "")) for b in response.buttons]
        for digits in {d for text in texts for d in numbers_in(text)}:
            if _same_number(digits) not in known:
                found.append(
                    Finding(
                        response.file,
                        response.line,
                        ERROR,
                        f"the response '{response.name}' contains the number {digits}, which is not in the hotline "
                        "directory (data/hotlines.yml). Numbers live only there, so they can be checked and "
                        "updated in one place: remove the number from the text and let the assistant share "
                        "hotlines, or add the service to data/hotlines.yml first.",
                    )
                )
    return found


def too_long_for_sms(content: Content, rules: Rules) -> List[Finding]:
    """A reply must fit in two text messages."""
    return [
        Finding(
            r.file,
            r.line,
            ERROR,
            f"the response '{r.name}' is {len(r.text)} characters; a reply must fit in two text messages "
            f"({rules.sms_max_chars}). Cut {len(r.text) - rules.sms_max_chars} characters: one idea per reply, "
            "number first, explanation after.",
        )
        for r in content.responses
        if len(r.text) > rules.sms_max_chars
    ]


def reading_level(content: Content, rules: Rules) -> List[Finding]:
    """Replies must be easy to read: Flesch-Kincaid grade within the budget."""
    found = []
    for response in content.responses:
        measured = measure(response.text)
        if measured.grade > rules.max_grade:
            found.append(
                Finding(
                    response.file,
                    response.line,
                    ERROR,
                    f"the response '{response.name}' reads at grade {measured.grade:.1f}; the limit is "
                    f"{rules.max_grade:g}. Its sentences average {measured.words_per_sentence:.0f} words: "
                    "split long sentences and use shorter, everyday words.",
                )
            )
    return found


def words_to_avoid(texts: Iterable[Tuple[str, int | None, str, str]], rules: Rules) -> List[Finding]:
    """Words the content guide says to avoid. `texts`: (file, line, what, text)."""
    found = []
    for file, line, what, text in texts:
        taken: List[Tuple[int, int]] = []  # "child prostitute" is one finding, not two
        for rule in rules.avoid:
            match = rule.pattern.search(text)
            if match and any(start < match.end() and match.start() < end for start, end in taken):
                continue
            if match and (rule.only_with is None or rule.only_with.search(text)):
                taken.append(match.span())
                found.append(
                    Finding(
                        file,
                        line,
                        ERROR,
                        f"{what} says \"{match.group()}\", which the content guide asks us to avoid: {rule.why}. "
                        f"Say {rule.instead} instead.",
                    )
                )
    return found


def response_texts(content: Content) -> List[Tuple[str, int | None, str, str]]:
    """Every user-visible text of the responses, for the word rules."""
    texts = []
    for r in content.responses:
        texts.append((r.file, r.line, f"the response '{r.name}'", r.text))
        texts.extend((r.file, r.line, f"a button of '{r.name}'", str(b.get("title", ""))) for b in r.buttons)
    return texts


def directory_texts(path: Path) -> List[Tuple[str, int | None, str, str]]:
    """The sentences and labels the hotline directory shows to users."""
    data, node, _ = read_yaml(path)
    if not isinstance(data, dict):
        return []
    name = display(path)
    texts: List[Tuple[str, int | None, str, str]] = []
    if isinstance(data.get("region_hint"), str):
        texts.append((name, line_of(child(node, "region_hint")), "the region hint", data["region_hint"]))
    for key, need in (data.get("needs") or {}).items():
        for part in ("say", "then"):
            if isinstance(need, dict) and isinstance(need.get(part), str):
                texts.append((name, line_of(child(child(child(node, "needs"), key), part)), f"the '{key}' sentence", need[part]))
    for key, service in (data.get("services") or {}).items():
        if isinstance(service, dict) and isinstance(service.get("label"), str):
            line = line_of(child(child(child(node, "services"), key), "label"))
            texts.append((name, line, f"the label of '{key}'", service["label"]))
    return texts


# ---- hotline directory ----------------------------------------------------------


def load_directory(path: Path) -> Tuple[HotlineDirectory | None, List[Finding]]:
    """Load with the project's own validator; each problem it finds becomes a finding."""
    name = display(path)
    data, node, problems = read_yaml(path)
    if data is None:
        return None, problems
    try:
        return HotlineDirectory.from_dict(data, origin=name), problems
    except DirectoryError as error:
        text = str(error)
        if text.startswith(f"{name}: "):
            text = text[len(name) + 2 :]
        reported = text.split("; ")
        broken = {m.group(1) for p in reported if (m := re.match(r"service '([^']+)'", p))}
        for problem in reported:
            # A broken service is also "unknown" wherever it is listed: say it once.
            mention = re.search(r"(?:unknown|emergency) service '([^']+)'", problem)
            if mention and mention.group(1) in broken:
                continue
            own = re.match(r"service '([^']+)'", problem)
            if own:
                line = line_of(child(child(node, "services"), own.group(1)))
                hint = (
                    "Every hotline needs name, label, for, source (where the number was checked) and verified "
                    "(the date, like 2026-11-01), and a call, text or web way to reach it."
                )
            else:
                line, hint = None, "Compare with the comments at the top of data/hotlines.yml."
            problems.append(Finding(name, line, ERROR, f"{problem}. {hint}"))
        return None, problems


def stale_hotlines(path: Path, directory: HotlineDirectory, rules: Rules, today: dt.date) -> List[Finding]:
    """A hotline last verified more than a year ago (or in the future) needs checking."""
    _data, node, _ = read_yaml(path)
    name = display(path)
    found = []
    for key, service in directory.services.items():
        line = line_of(child(child(child(node, "services"), key), "verified"))
        age = (today - service.verified).days
        if age > rules.hotline_max_age_days:
            found.append(
                Finding(
                    name,
                    line,
                    WARNING,
                    f"'{key}' ({service.name}) was last verified on {service.verified.isoformat()}, {age} days ago. "
                    "Check the number and hours with the source, then set verified to today's date.",
                )
            )
        elif age < 0:
            found.append(
                Finding(
                    name,
                    line,
                    WARNING,
                    f"'{key}' ({service.name}) says it was verified on {service.verified.isoformat()}, which is in the "
                    "future. Set verified to the date you actually checked it.",
                )
            )
    return found


# ---- everything ------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    """The files the checks read; tests point these at fixtures."""

    nlu: Tuple[Path, ...]
    domain: Path | None
    hotlines: Path | None
    safety_net: Path | None
    rules: Path

    @classmethod
    def at(cls, root: Path = PROJECT_ROOT) -> Project:
        root = Path(root)
        return cls(
            nlu=tuple(nlu_files(root)),
            domain=root / "domain.yml",
            hotlines=root / "data" / "hotlines.yml",
            safety_net=root / "data" / "safety_net.yml",
            rules=root / RULES_FILE,
        )

    def response_files(self) -> List[Path]:
        return list(self.nlu) + ([self.domain] if self.domain else [])


def safety_net_problems(path: Path) -> List[Finding]:
    """The crisis phrase file must load (its own loader says what is wrong)."""
    from bot.nlu.safety_net import SafetyNetError, load_rules

    data, _node, problems = read_yaml(path)
    if data is None:
        return problems
    try:
        load_rules(path)
    except SafetyNetError as error:
        hint = "Compare the layout with the comments at the top of the file."
        problems.append(Finding(display(path), None, ERROR, f"{error}. {hint}"))
    return problems


def run_checks(project: Project, today: dt.date | None = None) -> List[Finding]:
    """Every rule, on every file; YAML that cannot be read is reported instead of checked."""
    today = today or dt.date.today()
    rules, found = Rules.load(project.rules)
    if rules is None:
        return found
    content = load_content(project.response_files())
    found.extend(content.problems)
    found.extend(too_few_examples(content, rules))
    found.extend(duplicate_examples(content, rules))
    found.extend(questions_without_answers(content))
    found.extend(too_long_for_sms(content, rules))
    found.extend(reading_level(content, rules))
    found.extend(words_to_avoid(response_texts(content), rules))
    if project.hotlines:
        directory, problems = load_directory(project.hotlines)
        found.extend(problems)
        if directory is not None:
            found.extend(unknown_numbers(content, directory))
            found.extend(stale_hotlines(project.hotlines, directory, rules, today))
            found.extend(words_to_avoid(directory_texts(project.hotlines), rules))
    if project.safety_net:
        found.extend(safety_net_problems(project.safety_net))
    return sorted(set(found), key=lambda f: (f.level != ERROR, f.file, f.line or 0, f.message))


__all__ = ["Finding", "Project", "Rules", "run_checks", "numbers_in"]
