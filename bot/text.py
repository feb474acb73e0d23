"""Text normalisation shared by every exact-match rule (quick exit, crisis, region)."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

_NOT_WORD = re.compile(r"[^a-z0-9]+")
# C0 control characters other than tab, newline and carriage return, plus DEL: never in a message.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise(text: str) -> str:
    """Lower-case, fold accents and apostrophes, turn punctuation into single spaces.

    "He's got a KNIFE!!" -> "hes got a knife"; "Quick-Exit." -> "quick exit".
    Apostrophes are dropped (not spaced) so "don't" and "dont" match alike.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = folded.lower().replace("'", "").replace("\u2019", "")
    return _NOT_WORD.sub(" ", folded).strip()


_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def normalise_phrase(text: str) -> str:
    """A whole message as an exact-match rule compares it, without losing any letter.

    Width, case, accents, punctuation and spacing are folded ("ＥＸＩＴ", "Exit!",
    "salida rápida" -> "exit", "salida rapida"), but letters of every script stay:
    `normalise` drops non-ASCII, which turned "Как мне exit ...?" and "ex—it" into
    "exit", and a whole-message match must not erase a chat on such text.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.casefold().replace("'", "").replace("\u2019", "")
    return _NOT_LETTER_OR_DIGIT.sub(" ", folded).strip()



def phrases_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """One compiled pattern for many already-normalised phrases, matched as whole words.

    Search it in `f" {normalised_text} "`. Checking a thousand phrases this way costs
    microseconds; a Python loop over them cost milliseconds a message.
    """
    unique = sorted(set(p for p in phrases if p), key=len, reverse=True)
    if not unique:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile(r"(?<= )(?:" + "|".join(re.escape(p) for p in unique) + r")(?= )")
