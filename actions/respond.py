"""action_respond: every turn's reply, composed from the conversation's state (bot/conversation).

The action is a thin adapter between the Rasa SDK and the composer: it reads
the turn (intent, knowledge answer, entities, the SMS sender's country) and
the state from the tracker's slots, and returns the reply and the slots that
changed. The channels' safety net calls the same composer when this action
cannot run, so a failure never changes what a person in crisis is told.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import State, composer
from bot.conversation.state import slot_changes
from bot.conversation.turns import turn_from_parse

ACTION_NAME = "action_respond"
RECENT_BOT_TEXTS = 2


class ActionRespond(Action):
    """Say what this turn needs, and remember what it changed."""

    def name(self) -> str:
        return ACTION_NAME

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[Dict[str, Any]]:
        slots = dict(tracker.slots)
        turn = turn_from_parse(tracker.latest_message or {}, _latest_user_metadata(tracker.events),
                               _bot_texts(tracker.events))
        reply = composer().respond(State.from_slots(slots), turn, _bot_texts(tracker.events)[-RECENT_BOT_TEXTS:])
        for message in reply.messages:
            buttons = [{"title": title, "payload": payload} for title, payload in message.buttons]
            dispatcher.utter_message(text=message.text, buttons=buttons or None)
        return [SlotSet(name, value) for name, value in slot_changes(slots, reply.state).items()]


def _latest_user_metadata(events: List[Dict[str, Any]]) -> Mapping[str, Any]:
    for event in reversed(events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def _bot_texts(events: List[Dict[str, Any]]) -> List[str]:
    """What the assistant said, one entry per turn (messages of a turn joined)."""
    turns: List[str] = []
    current: List[str] = []
    for event in events:
        if event.get("event") == "bot" and event.get("text"):
            current.append(str(event["text"]))
        elif event.get("event") == "user" and current:
            turns.append("\n".join(current))
            current = []
    if current:
        turns.append("\n".join(current))
    return turns
