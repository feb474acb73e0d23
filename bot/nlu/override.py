"""Shared helper for rule components that replace the model's intent."""

from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def override_intent(message: Message, intent: str, confidence: float = 1.0) -> None:
    """Make `intent` the prediction (confidence 1.0: a rule, not a guess), keeping the model's ranking below it."""
    winner = {"name": intent, "confidence": confidence}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
    message.set(INTENT, winner, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [winner, *ranking], add_to_output=True)
