"""Crisis safety net: phrase rules from data/safety_net.yml that override the model.

Danger, suicide and child-exploitation wording must reach the right answer even
when the classifier is unsure or distracted by another topic in the same message,
so this runs after the classifier (and after FallbackClassifier) and wins.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.config import PROJECT_ROOT
from bot.nlu.base import RuleComponent
from bot.nlu.override import override_intent
from bot.text import normalise, phrases_pattern

logger = logging.getLogger(__name__)

AGES = range(5, 18)
CHILD_INTENT = "child_exploitation"
# Blocks of phrases in other languages inside each crisis intent.
LANGUAGE_BLOCKS = ("es",)
# The one home of the safety-net file's path (the component, the channels and the checks read it).
SAFETY_NET_FILE = PROJECT_ROOT / "data" / "safety_net.yml"


class SafetyNetError(ValueError):
    """data/safety_net.yml is malformed."""


def _expand(phrase: str) -> List[str]:
    """Normalise a phrase and expand the {age} placeholder into 5..17."""
    if "{age}" in phrase:
        return [normalise(phrase.replace("{age}", str(age))) for age in AGES]
    return [normalise(phrase)]


@dataclass(frozen=True)
class CrisisRule:
    """One crisis intent's phrases and all-of combinations (one per language), already normalised."""

    intent: str
    phrases: Tuple[str, ...]
    all_of: Tuple[Tuple[Tuple[str, ...], ...], ...]
    children: Tuple[str, ...] = ()  # words that name a child (child_exploitation only)

    def names_a_child(self, words: str) -> bool:
        """Whether a normalised message names a child: `children`, or the first group of an all_of."""
        return bool(self._child_pattern.search(f" {words} "))

    @cached_property
    def _child_pattern(self) -> re.Pattern:
        return phrases_pattern(self.children + tuple(p for c in self.all_of if c for p in c[0]))

    def matches(self, words: str) -> bool:
        """Whether a normalised message triggers this rule."""
        padded = f" {words} "
        if self._phrase_pattern.search(padded):
            return True
        return any(all(group.search(padded) for group in combination) for combination in self._group_patterns)

    @cached_property
    def _phrase_pattern(self) -> re.Pattern:
        return phrases_pattern(self.phrases)

    @cached_property
    def _group_patterns(self) -> Tuple[Tuple[re.Pattern, ...], ...]:
        # One compiled alternation per group: about a thousand phrases are checked in C, not Python.
        return tuple(tuple(phrases_pattern(group) for group in combination) for combination in self.all_of if combination)


def load_rules(path: Path) -> Tuple[CrisisRule, ...]:
    """Parse the safety-net file, in priority order."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SafetyNetError(f"cannot read {path}: {error}") from error
    if not isinstance(raw, dict) or not raw:
        raise SafetyNetError(f"{path}: expected crisis intents with phrases")
    rules = []
    for intent, spec in raw.items():
        if not isinstance(spec, dict):
            raise SafetyNetError(f"{path}: '{intent}' must have 'phrases' and/or 'all_of'")
        # The English phrases at the top; other languages in a block of their own (es:).
        blocks = [spec, *(spec[lang] for lang in LANGUAGE_BLOCKS if isinstance(spec.get(lang), dict))]
        phrases = tuple(p for block in blocks for raw_p in block.get("phrases") or [] for p in _expand(str(raw_p)))
        combinations = tuple(
            tuple(tuple(p for raw_p in group for p in _expand(str(raw_p))) for group in block.get("all_of") or [])
            for block in blocks
        )
        if not phrases and not any(combinations):
            raise SafetyNetError(f"{path}: '{intent}' has no phrases")
        children = tuple(p for block in blocks for raw_p in block.get("children") or [] for p in _expand(str(raw_p)))
        rules.append(CrisisRule(str(intent), tuple(p for p in phrases if p), combinations, children))
    return tuple(rules)


def crisis_intent_for(text: str, rules: Sequence[CrisisRule]) -> str | None:
    """The first crisis intent whose rule matches the text, if any."""
    words = normalise(text)
    for rule in rules:
        if rule.matches(words):
            return rule.intent
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CrisisSafetyNet(RuleComponent, IntentClassifier):
    """Overrides the predicted intent when the message matches a crisis rule.

    The rules are read when the model loads, so edits apply on restart without retraining.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """`rules`: the safety-net file (relative to the project root); `model_threshold`: see process()."""
        return {"rules": str(SAFETY_NET_FILE.relative_to(PROJECT_ROOT)), "model_threshold": 0.1}

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__({**self.get_default_config(), **config})
        path = Path(config["rules"])
        self.rules = load_rules(path if path.is_absolute() else PROJECT_ROOT / path)
        self._child_rule = next((r for r in self.rules if r.intent == CHILD_INTENT), None)

    def process(self, messages: List[Message]) -> List[Message]:
        """Replace the intent with the matched crisis intent (confidence 1.0).

        Without a phrase match, a message the fallback marked "not understood"
        whose best model guess is a crisis intent with at least `model_threshold`
        confidence gets that crisis intent.
        """
        crisis_intents = {rule.intent for rule in self.rules}
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # an explicit payload already names its intent
            intent = crisis_intent_for(text, self.rules)
            confidence = 1.0
            current = (message.get(INTENT) or {}).get("name")
            if intent is None and current == "nlu_fallback":
                guesses = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != "nlu_fallback"]
                best = guesses[0] if guesses else {}
                if best.get("name") in crisis_intents and best.get("confidence", 0) >= self.config["model_threshold"]:
                    # The model's guess keeps its own confidence: a guess, not a rule.
                    intent, confidence = best["name"], float(best["confidence"])
            if intent is None and current == CHILD_INTENT and self._an_adult_not_a_child(message, text):
                intent = self._next_guess(message, crisis_intents)
                confidence = float((message.get(INTENT) or {}).get("confidence") or 0.0)
            if intent and intent != current:
                override_intent(message, intent, confidence)
                logger.debug("Crisis safety net routed a message to %s.", intent)
        return messages

    def _an_adult_not_a_child(self, message: Message, text: str) -> bool:
        """An adult's age is said ("im 31", "soy hombre de 30"), no child's, and no word names a child.

        The model alone then does not make it child exploitation: adults' sextortion was
        taken for a child's. A safety-net phrase (a child named with something sexual) still wins.
        """
        facets = {e.get("value") for e in message.get(ENTITIES) or [] if e.get("entity") == "facet"}
        return self._child_rule is not None and "adult" in facets and "under_18" not in facets \
            and not self._child_rule.names_a_child(normalise(text))

    @staticmethod
    def _next_guess(message: Message, crisis_intents: set) -> str:
        """The model's best intent that is not a crisis one ("not understood" when it has none)."""
        ranked = [r.get("name") for r in message.get(INTENT_RANKING_KEY) or []]
        return next((str(n) for n in ranked if n and n not in crisis_intents and n != "nlu_fallback"), "nlu_fallback")


__all__ = ["CrisisSafetyNet", "CrisisRule", "crisis_intent_for", "load_rules"]
