"""Entities about the person from data/conversation_cues.yml: who the help is for, how they can reach it.

- `facet`: under_18 or adult (from an age: "im 15", "tengo 14"), men, native;
- `contact`: cannot_talk, text_only, deaf, no_calls;
- `asker`: helper (asking for someone else) or self.
Deterministic and data-driven, like the safety net: a staff edit needs no
retraining. The slots that remember them are filled by Rasa's own mappings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.config import PROJECT_ROOT
from bot.nlu.base import RuleComponent, add_entities
from bot.text import normalise, phrases_pattern

CUES_FILE = PROJECT_ROOT / "data" / "conversation_cues.yml"
ADULT_AGE = 18
_AGE = r"(\d{1,2})"


@dataclass(frozen=True)
class Cues:
    """The parsed cue file: phrases per entity value, the age patterns and the about-self phrases."""

    phrases: Mapping[str, Mapping[str, Tuple[str, ...]]]
    ages: Tuple[re.Pattern, ...]
    about_self: Tuple[str, ...]

    @classmethod
    def load(cls, path: Path = CUES_FILE) -> Cues:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        phrases: Dict[str, Dict[str, Tuple[str, ...]]] = {}
        for entity in ("facet", "contact", "asker"):
            phrases[entity] = {str(value): tuple(normalise(str(p)) for p in listed or [])
                               for value, listed in (raw.get(entity) or {}).items() if value != "age"}
        ages = tuple(re.compile(r"(?:^| )" + re.escape(normalise(str(p).replace("{age}", "AGE"))).replace("age", _AGE)
                                + r"(?: |$)")
                     for p in (raw.get("facet") or {}).get("age") or [])
        return cls(phrases, ages, tuple(normalise(str(p)) for p in raw.get("about_self") or []))

    def found(self, text: str) -> Dict[str, List[str]]:
        """Entity -> values this text sets."""
        words = normalise(text)
        padded = f" {words} "
        found: Dict[str, List[str]] = {}
        for entity, values in self._patterns.items():
            for value, pattern in values.items():
                if pattern.search(padded):
                    found.setdefault(entity, []).append(value)
        age = self.age(words)
        if age is not None:
            found.setdefault("facet", []).append("under_18" if age < ADULT_AGE else "adult")
        if "helper" in found.get("asker", []) and self._about_self.search(padded):
            found["asker"] = [v for v in found["asker"] if v != "helper"] or ["self"]
        return found

    @cached_property
    def _patterns(self) -> Dict[str, Dict[str, re.Pattern]]:
        return {entity: {value: phrases_pattern(listed) for value, listed in values.items()}
                for entity, values in self.phrases.items()}

    @cached_property
    def _about_self(self) -> re.Pattern:
        return phrases_pattern(self.about_self)

    def age(self, words: str) -> int | None:
        for pattern in self.ages:
            match = pattern.search(words)
            if match and 5 <= int(match.group(1)) <= 99:
                return int(match.group(1))
        return None


@lru_cache(maxsize=2)
def load_cues(path: Path = CUES_FILE) -> Cues:
    return Cues.load(path)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class CueExtractor(RuleComponent, EntityExtractorMixin):
    """Adds facet, contact and asker entities from data/conversation_cues.yml."""

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        self.cues = load_cues()

    def process(self, messages: List[Message]) -> List[Message]:
        """Add the entities the message's words set."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            for entity, values in self.cues.found(text).items():
                add_entities(message, entity, values, self.__class__.__name__)
        return messages


def phrase_lists(raw: Mapping[str, Any]) -> Sequence[str]:
    """Every phrase of the cue file (for content checks)."""
    return [str(p) for entity in ("facet", "contact", "asker") for listed in (raw.get(entity) or {}).values()
            for p in listed or []]
