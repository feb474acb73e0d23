"""Checks on the training examples: enough of them, no repeats, nothing the model must not learn."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Set, Tuple

import yaml

from bot.text import normalise
from tools.content.checks.project import Project
from tools.content.checks.rules import Rules
from tools.content.source import ERROR, WARNING, Content, Example, Finding, IntentBlock

# Sentences this short ("hi", "is it free", "exit") are naturally both in a test set and in the
# training data; copying a longer one into training hides it from the measurement.
SHORT_SENTENCE_WORDS = 3


def plain(text: str) -> str:
    """Example text without entity markup ("[london](region)" -> "london"), normalised."""
    return normalise(re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", r"\1\2", text))


def too_few_examples(content: Content, rules: Rules) -> List[Finding]:
    """Each intent needs `min_examples` different examples, English and Spanish files together."""
    distinct: Dict[str, Set[str]] = defaultdict(set)
    first_block: Dict[str, IntentBlock] = {}
    for block in content.intents:
        distinct[block.intent].update(plain(e.text) for e in block.examples)
        first_block.setdefault(block.intent, block)
    found = []
    for intent, texts in distinct.items():
        count = len(texts)
        if intent in rules.exempt or count >= rules.min_examples:
            continue
        block = first_block[intent]
        found.append(Finding(
            block.file, block.line, ERROR,
            f"the intent '{intent}' has {count} different example{'' if count == 1 else 's'} (English and Spanish "
            f"together); it needs at least {rules.min_examples}. Add {rules.min_examples - count} more ways a person "
            "might say this, in their own words (short and long, with typos and text-speak).",
        ))
    return found


def repeated_examples(content: Content) -> List[Finding]:
    """The same example twice in one intent teaches nothing new and must not count toward the minimum."""
    found = []
    seen: Dict[Tuple[str, str], Example] = {}
    for example in content.examples():
        key = (example.intent, plain(example.text))
        first = seen.setdefault(key, example)
        if first is not example:
            where = f"line {first.line}" if first.file == example.file else f"{first.file} line {first.line}"
            found.append(Finding(
                example.file, example.line, ERROR,
                f"'{example.text}' is already an example of '{example.intent}' ({where}). A repeat teaches the "
                "model nothing and does not count toward the minimum: delete this line, or write a new way to say it.",
            ))
    return found


def duplicate_examples(content: Content, rules: Rules) -> List[Finding]:
    """The same, or nearly the same, example must not teach two different intents."""
    examples = [(example, plain(example.text)) for example in content.examples()]
    found = []
    by_text: Dict[str, List[Example]] = defaultdict(list)
    for example, text in examples:
        by_text[text].append(example)
    exact: Set[Tuple[int, int]] = set()
    for same in by_text.values():
        intents_seen: Dict[str, Example] = {}
        for example in same:
            intents_seen.setdefault(example.intent, example)
        firsts = list(intents_seen.values())
        for i, first in enumerate(firsts):
            for second in firsts[i + 1:]:
                exact.add((id(first), id(second)))
                found.append(_duplicate_finding(first, second, exact=True))
    long_ones = [(frozenset(text.split()), example) for example, text in examples
                 if len(text.split()) >= rules.duplicate_min_words]
    for i, j in _similar_pairs([words for words, _ in long_ones], rules.duplicate_overlap):
        (words_a, first), (words_b, second) = long_ones[i], long_ones[j]
        if first.intent == second.intent or words_a == words_b or (id(first), id(second)) in exact:
            continue
        found.append(_duplicate_finding(first, second, exact=False))
    return found


def _similar_pairs(sets: Sequence[frozenset], threshold: float) -> Iterable[Tuple[int, int]]:
    """Index pairs (i < j) whose word sets share at least `threshold` of their words (Jaccard).

    Prefix filtering: with words ordered rarest first, two sets that reach the
    threshold must share one of the first few words of each, so only those are indexed.
    """
    frequency = Counter(word for words in sets for word in words)
    index: Dict[str, List[int]] = defaultdict(list)
    for j, words in enumerate(sets):
        ordered = sorted(words, key=lambda w: (frequency[w], w))
        prefix = ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]
        candidates = {i for word in prefix for i in index[word]}
        for i in sorted(candidates):
            other = sets[i]
            if min(len(other), len(words)) < threshold * max(len(other), len(words)):
                continue
            if len(other & words) / len(other | words) >= threshold:
                yield i, j
        for word in prefix:
            index[word].append(j)


def _duplicate_finding(first: Example, second: Example, exact: bool) -> Finding:
    how = "the same example" if exact else "nearly the same example"
    return Finding(
        second.file, second.line, ERROR,
        f"{how} is in two intents: '{second.text}' ({second.intent}) and '{first.text}' "
        f"({first.intent}, {first.file} line {first.line}). The model cannot learn both. "
        "Keep it in the intent it really belongs to and delete or reword the other.",
    )


def crisis_sounding_examples(content: Content, safety_net: Path, crisis_intents: Sequence[str]) -> List[Finding]:
    """An example the crisis safety net takes away never reaches its own intent.

    Under a knowledge answer that is an error (issue 15: the question would get the
    crisis reply, and the example teaches the model crisis wording for a question);
    under another non-crisis intent a warning (the person still gets the crisis reply).
    """
    from bot.nlu.safety_net import SafetyNetError, load_rules

    try:
        crisis_rules = load_rules(safety_net)
    except SafetyNetError:
        return []  # the safety-net check reports the file itself
    found = []
    quick = [_FirstWordIndex(rule) for rule in crisis_rules]
    for example in content.examples():
        if example.intent in crisis_intents or example.intent == "quick_exit":
            continue
        words = normalise(example.text)
        for rule, index in zip(crisis_rules, quick, strict=True):
            if not index.may_match(words) or not rule.matches(words):
                continue
            matched = matched_words(words, rule) or "its words"
            knowledge = example.intent.startswith("faq/")
            found.append(Finding(
                example.file, example.line, ERROR if knowledge else WARNING,
                f"'{example.text}' is an example of '{example.intent}', but the crisis safety net "
                f"(data/safety_net.yml) sends this message to {rule.intent} because it contains {matched}. "
                + ("The question would never reach its answer. Reword it without those words, or delete it; "
                   "if it really describes a crisis, it belongs in data/nlu/crisis.yml."
                   if knowledge else
                   "The person gets the crisis reply, not this intent's. If that is right, move the example to "
                   "data/nlu/crisis.yml; if not, reword it."),
            ))
            break
    return found


class _FirstWordIndex:
    """A quick "could this rule match?" for thousands of examples (the safety net tests one message).

    A phrase can only be in a message whose words include the phrase's first word, so
    a rule whose phrases (or, for an all_of, one of whose groups) have no first word in
    the message cannot match; only the rest go through the safety net's own test.
    """

    def __init__(self, rule: object) -> None:
        self.phrases = {p.split()[0] for p in getattr(rule, "phrases", ()) if p}
        self.combinations = [[{p.split()[0] for p in group if p} for group in combination]
                             for combination in getattr(rule, "all_of", ()) if combination]

    def may_match(self, words: str) -> bool:
        present = set(words.split())
        if self.phrases & present:
            return True
        return any(all(group & present for group in combination) for combination in self.combinations)


def matched_words(words: str, rule: object) -> str | None:
    """Which of a crisis rule's phrases a normalised message contains, said for staff ('"has a knife"')."""
    def contains_phrase(words: str, phrase: str) -> bool:  # whole words, both already normalised
        return f" {phrase} " in f" {words} "

    for phrase in getattr(rule, "phrases", ()):
        if contains_phrase(words, phrase):
            return f'"{phrase}"'
    for combination in getattr(rule, "all_of", ()):
        if not combination:
            continue
        hits = [next((p for p in group if contains_phrase(words, p)), None) for group in combination]
        if all(hits):
            return " and ".join(f'"{hit}"' for hit in hits)
    return None


# ---- test sentences in the training data ------------------------------------------------------


def test_sentences(project: Project) -> Dict[str, Tuple[str, int]]:
    """Normalised test sentence -> (file, line) of its first appearance in a test set."""
    found: Dict[str, Tuple[str, int]] = {}
    for path in project.test_sets():
        parsed = project.yaml(path)
        if not parsed.readable:
            continue
        for text, line in _sentences_with_lines(parsed.node):
            key = plain(text)
            if key:
                found.setdefault(key, (parsed.name, line))
    return found


def _sentences_with_lines(node: yaml.Node) -> Iterable[Tuple[str, int]]:
    """Examples under `examples: |` and user turns (`user:`) anywhere in a test file."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else ""
            if name == "examples" and isinstance(value, yaml.ScalarNode):
                first = value.start_mark.line + 2
                for offset, raw in enumerate(value.value.splitlines()):
                    if raw.strip().startswith("-"):
                        yield raw.strip()[1:].strip(), first + offset
            elif name == "user" and isinstance(value, yaml.ScalarNode):
                yield value.value, value.start_mark.line + 1
            else:
                yield from _sentences_with_lines(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _sentences_with_lines(item)


def known_overlap(project: Project) -> Set[str]:
    """Overlaps that were there before this check existed (tests/nlu/known_overlap.yml)."""
    parsed = project.yaml(project.known_overlap)
    if not parsed.readable or not isinstance(parsed.data, dict):
        return set()
    return {plain(str(s)) for s in parsed.data.get("sentences") or []}


def test_sentences_in_training(content: Content, project: Project) -> List[Finding]:
    """A test sentence copied into data/nlu stops being measured: the figures quietly lose it."""
    tests = test_sentences(project)
    accepted = known_overlap(project)
    found = []
    for example in content.examples():
        key = plain(example.text)
        if key not in tests or len(key.split()) <= SHORT_SENTENCE_WORDS or key in accepted:
            continue
        test_file, test_line = tests[key]
        found.append(Finding(
            example.file, example.line, ERROR,
            f"'{example.text}' is also a test sentence ({test_file} line {test_line}). Test sentences measure how "
            "well the assistant understands wording it never learned; in the training data this one would no longer "
            "be measured. Delete it here, or write the same idea in your own words.",
        ))
    return found
