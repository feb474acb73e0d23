"""Flesch-Kincaid grade level, with a small syllable heuristic (no dictionary needed).

grade = 0.39 * words/sentences + 11.8 * syllables/words - 15.59

The heuristic counts groups of vowels, then drops the silent endings English
spelling adds ("make", "loved", "makes"). It is right for most everyday words
and off by one on some (like "someone"); good enough to flag long sentences and
long words, which is what the budget is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019-][A-Za-z0-9]+)*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n+")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """Estimated syllables in one word ("trafficking" -> 3, "people" -> 2, "makes" -> 1)."""
    parts = [p for p in re.split(r"[-']", word.lower()) if p]
    if len(parts) > 1:
        return sum(syllables(p) for p in parts)
    letters = re.sub(r"[^a-z0-9]", "", word.lower())
    if not letters:
        return 0
    if letters.isdigit():
        return min(len(letters), 4)  # "65" ~ sixty-five, "2018" ~ twenty eighteen (measure() skips them)
    if len(letters) <= 3:
        return 1
    stem = letters
    if stem.endswith("e") and not re.search(r"[^aeiouy]le$", stem):
        stem = stem[:-1]  # silent e: "make", "decide"; but "people", "table" keep it
    elif re.search(r"[^aeiouydt]ed$", stem):
        stem = stem[:-2]  # "loved", "tracked"; "wanted" keeps its syllable
    elif re.search(r"[^aeiouyscgzx]es$", stem):
        stem = stem[:-2]  # "makes"; "places", "buses" keep it
    return max(1, len(_VOWEL_GROUP.findall(stem)))


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade level (US school grade needed to read it easily)."""
        if not self.words:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def words_per_sentence(self) -> float:
        return self.words / max(1, self.sentences)


def measure(text: str) -> Readability:
    """Count words, sentences and syllables of a reply text."""
    # Numbers (phone numbers, years) are not read as prose: they count neither as words nor syllables.
    words = [w for w in _WORD.findall(text) if not re.fullmatch(r"[\d'\u2019-]+", w)]
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    return Readability(len(words), max(1, len(sentences)), sum(syllables(w) for w in words))


def grade(text: str) -> float:
    """Flesch-Kincaid grade of `text`."""
    return measure(text).grade
