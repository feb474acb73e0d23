"""Checks on data/replies.yml: the sentences the assistant builds every reply from.

bot/conversation fills the {placeholders} (the emergency number, a service's
name); a sentence that loses {emergency} silently drops the number from a
crisis reply, and one with a misspelt placeholder makes the reply fail. The
placeholders each sentence must keep are read from the last commit (what the
code was written against) and from the same sentence in the other language.
"""

from __future__ import annotations

import string
from typing import Any, Dict, Iterator, List, Set, Tuple

from tools.content.checks.answers import numbers_in, words_to_avoid
from tools.content.checks.project import Project
from tools.content.checks.rules import Rules
from tools.content.source import ERROR, WARNING, Finding, YamlFile

Key = Tuple[str, ...]


def sentences(block: Any, path: Key = ()) -> Iterator[Tuple[Key, int | None, str]]:
    """(key path, alternative number or None, text) for every sentence under a language block."""
    if isinstance(block, str):
        yield path, None, block
    elif isinstance(block, list):
        for index, item in enumerate(block):
            if isinstance(item, str):
                yield path, index, item
    elif isinstance(block, dict):
        for key, value in block.items():
            yield from sentences(value, (*path, str(key)))


def placeholders(text: str) -> Set[str]:
    """{names} in a sentence; raises ValueError on a brace that is not closed."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _placeholder_sets(block: Any) -> Dict[Key, List[Set[str]]]:
    """Per sentence, the placeholders of each alternative (unreadable ones left out)."""
    found: Dict[Key, List[Set[str]]] = {}
    for path, _, text in sentences(block):
        try:
            found.setdefault(path, []).append(placeholders(text))
        except ValueError:
            continue
    return found


def _expected(references: List[Dict[Key, List[Set[str]]]], path: Key) -> Tuple[Set[str], Set[str]] | None:
    """Placeholders a sentence must keep (every alternative of some reference has them) and may use."""
    sets = [ref[path] for ref in references if path in ref]
    if not sets:
        return None
    required = set().union(*(set.intersection(*alternatives) for alternatives in sets))
    allowed = set().union(*(set().union(*alternatives) for alternatives in sets))
    return required, allowed


def check_replies(project: Project, rules: Rules) -> List[Finding]:
    """Each sentence keeps the placeholders the assistant fills in, has no number, and avoids the words to avoid.

    The references: the last commit's English (what the code was written against) and
    the same sentence in the other language; a placeholder every alternative has in a
    reference must stay, and only placeholders some reference has may be used.
    """
    parsed = project.yaml(project.replies)
    if not parsed.readable:
        return parsed.problems
    found = list(parsed.problems)
    data = parsed.data if isinstance(parsed.data, dict) else {}
    if not isinstance(data.get("en"), dict):
        return found + [Finding(parsed.name, None, ERROR, "the file must have an 'en:' block (English) and an 'es:' "
                                                          "block (Spanish) of sentences.")]
    committed = project.committed(project.replies)
    committed_en = committed.get("en") if isinstance(committed, dict) and isinstance(committed.get("en"), dict) else None
    current = {language: _placeholder_sets(data.get(language)) for language in ("en", "es")}
    for language, other in (("en", "es"), ("es", "en")):
        block = data.get(language)
        if not isinstance(block, dict):
            found.append(Finding(parsed.name, None, WARNING if language == "es" else ERROR,
                                 f"there is no '{language}:' block; the assistant falls back to English."))
            continue
        references = ([_placeholder_sets(committed_en)] if committed_en else []) + [current[other]]
        found.extend(_language_block(parsed, language, block, references, committed_en or data["en"]))
    english = [(parsed.name, _line(parsed, "en", path, alternative), f"the sentence '{'.'.join(path)}'", text)
               for path, alternative, text in sentences(data["en"])]
    found.extend(words_to_avoid(english, rules))
    return found


def _language_block(parsed: YamlFile, language: str, block: Dict[str, Any],
                    references: List[Dict[Key, List[Set[str]]]], english: Dict[str, Any]) -> List[Finding]:
    found = []
    present = {path for path, _, _ in sentences(block)}
    for path in dict.fromkeys(path for path, _, _ in sentences(english)):
        if path in present:
            continue
        name = ".".join(path)
        if language == "en":
            found.append(Finding(parsed.name, None, ERROR,
                                 f"the sentence '{name}' is missing from 'en:'. The assistant still uses it: put it "
                                 "back (see the copy in git)."))
        else:
            found.append(Finding(parsed.name, _line(parsed, language, path[:-1], None), WARNING,
                                 f"the sentence '{name}' has no Spanish version, so Spanish speakers get the "
                                 "English one. Add it under 'es:'."))
    for path, alternative, text in sentences(block):
        line = _line(parsed, language, path, alternative)
        name = ".".join(path) + (f" (alternative {alternative + 1})" if alternative is not None else "")
        try:
            names = placeholders(text)
        except ValueError:
            found.append(Finding(parsed.name, line, ERROR,
                                 f"the sentence '{name}' has a {{ or }} that is not part of a placeholder like "
                                 "{emergency}. Remove it, or close the placeholder."))
            continue
        if numbers_in(text):
            found.append(Finding(parsed.name, line, ERROR,
                                 f"the sentence '{name}' contains a number. Numbers live only in data/hotlines.yml; "
                                 "the assistant puts the right one for where the person is into {emergency}."))
        expected = _expected(references, path)
        if expected is None:
            continue
        required, allowed = expected
        for missing in sorted(required - names):
            found.append(Finding(parsed.name, line, ERROR,
                                 f"the sentence '{name}' no longer has {{{missing}}}, which the assistant fills in "
                                 f"({_MEANING.get(missing, 'from the conversation')}). Put it back, braces and all."))
        for extra in sorted(names - allowed):
            found.append(Finding(parsed.name, line, ERROR,
                                 f"the sentence '{name}' uses {{{extra}}}, which the assistant does not fill in here, so "
                                 f"the reply would fail. The placeholders this sentence can use: "
                                 f"{_braced(allowed) or 'none'}."))
    return found


_MEANING = {
    "emergency": "the emergency number where the person is",
    "service": "a service's name",
    "region": "where the person is",
    "country": "a country's name",
    "place": "a place they named",
    "choices": "the countries to choose between",
    "number": "a phone number from data/hotlines.yml",
    "keyword": "a text keyword from data/hotlines.yml",
    "address": "a web address from data/hotlines.yml",
    "note": "a note from data/hotlines.yml",
    "exceptions": "when the service shares details",
}


def _braced(names: Set[str]) -> str:
    return ", ".join(f"{{{n}}}" for n in sorted(names))


def _line(parsed: YamlFile, language: str, path: Key, alternative: int | None) -> int | None:
    keys: Tuple[Any, ...] = (language, *path) + ((alternative,) if alternative is not None else ())
    return parsed.line_at(*keys)
