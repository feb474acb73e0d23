"""The language of each message (English or Spanish): a `language` entity, and explicit switches.

"Español" (or ESPANOL by SMS) and "English" as a whole message switch the
language (intent `switch_language`). Otherwise py3langid, an offline detector
limited to English and Spanish, decides messages of a few words when it is
sure; short messages count as Spanish when they are common Spanish words or
carry Spanish letters (ñ, ¿, á ...), longer ones when they have ñ, ¿ or ¡.
When unsure, nothing is set and the conversation keeps its language.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.base import RuleComponent, add_entities
from bot.nlu.conversation_cues import CUES_FILE
from bot.nlu.override import override_intent
from bot.text import normalise

LANGUAGE_ENTITY = "language"
SWITCH_INTENT = "switch_language"
# ñ ¿ ¡ are Spanish wherever they appear; an accented vowel is Spanish only in a short
# message, because longer English ones carry names and words with them ("the gardaí", "café").
_SPANISH_MARKS = re.compile(r"[ñ¿¡]", re.IGNORECASE)
_ACCENTED_VOWELS = re.compile(r"[áéíóú]", re.IGNORECASE)


class LanguageGuesser:
    """English or Spanish for one message, or None when unsure."""

    def __init__(self, config: Dict[str, Any]) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self.switch = {normalise(str(p)): lang for lang, listed in (config.get("switch") or {}).items()
                       for p in listed or []}
        self.spanish_words = {normalise(str(w)) for w in config.get("spanish_words") or []}
        self.min_confidence = float(config.get("min_confidence", 0.9))
        self.min_words = int(config.get("min_words", 3))
        self.identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
        self.identifier.set_languages(["en", "es"])

    def switch_to(self, text: str) -> str | None:
        """The language a whole-message switch asks for ("español" -> es)."""
        return self.switch.get(normalise(text))

    def guess(self, text: str) -> str | None:
        words = normalise(text)
        if not words:
            return None
        short = len(words.split()) < self.min_words
        if words in self.spanish_words or _SPANISH_MARKS.search(text) or (short and _ACCENTED_VOWELS.search(text)):
            return "es"
        if short:
            return None
        language, confidence = self.identifier.classify(text.lower())
        return str(language) if confidence >= self.min_confidence else None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class LanguageDetector(RuleComponent, IntentClassifier):
    """Adds the `language` entity; a whole-message switch also becomes the switch_language intent."""

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        raw = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8")) or {}
        self.guesser = LanguageGuesser(raw.get("language") or {})

    def process(self, messages: List[Message]) -> List[Message]:
        """Set the language entity when the message's language is clear."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            switch = self.guesser.switch_to(text)
            if switch:
                override_intent(message, SWITCH_INTENT)
                add_entities(message, LANGUAGE_ENTITY, [switch], self.__class__.__name__)
                continue
            language = self.guesser.guess(text)
            if language:
                add_entities(message, LANGUAGE_ENTITY, [language], self.__class__.__name__)
        return messages
