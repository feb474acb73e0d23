"""Quick exit: the whole message equals an exit phrase -> intent `quick_exit`.

Deterministic on purpose: erasing a conversation must never be a model's guess,
and "how do I exit a toxic relationship" must not erase anything. The phrases
come from QUICK_EXIT_PHRASES at run time, so changing them needs no retraining.
"""

from __future__ import annotations

from typing import Iterable, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.base import RuleComponent
from bot.nlu.override import override_intent
from bot.text import normalise_phrase

QUICK_EXIT_INTENT = "quick_exit"
QUICK_EXIT_PAYLOAD = "/quick_exit"


def is_quick_exit(text: str | None, phrases: Iterable[str] | None = None) -> bool:
    """Whether a message, as a whole, asks for a quick exit (phrase or payload)."""
    if text is None:
        return False
    if text.strip() == QUICK_EXIT_PAYLOAD:
        return True
    if phrases is None:
        from bot.config import settings

        phrases = settings().quick_exit_phrases
    return normalise_phrase(text) in set(phrases)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class QuickExitMatcher(RuleComponent, IntentClassifier):
    """Sets `quick_exit` on an exact phrase; strips it from any other prediction.

    No state: the phrases are read from the settings at run time.
    """

    def process(self, messages: List[Message]) -> List[Message]:
        """Exact match wins; a model guess of quick_exit on other text is demoted."""
        for message in messages:
            text = message.get(TEXT) or ""
            predicted = (message.get(INTENT) or {}).get("name")
            if text.startswith("/"):
                continue  # payloads are resolved by Rasa's RegexMessageHandler
            if is_quick_exit(text):
                override_intent(message, QUICK_EXIT_INTENT)
            elif predicted == QUICK_EXIT_INTENT:
                _demote(message)
        return messages


def _demote(message: Message) -> None:
    """Replace a model-guessed quick_exit with the best other intent (or fallback)."""
    ranking = [
        r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != QUICK_EXIT_INTENT
    ]
    best = ranking[0] if ranking else {"name": "nlu_fallback", "confidence": 1.0}
    message.set(INTENT, best, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
