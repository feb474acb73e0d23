"""Routing to the right hotline, by need and region, from the hotline directory."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.hotlines import route_messages, user_intents_newest_first

REGION_SLOT = "region"


class ActionRouteHotline(Action):
    """Answer with the services for the user's need, in their region.

    Crisis needs put the emergency number first. The same text is what the
    Rasa server's safety net sends if this server cannot be reached.
    """

    def name(self) -> str:
        return "action_route_hotline"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[Dict[str, Any]]:
        intents = user_intents_newest_first(tracker.events)
        for text in route_messages(intents, tracker.get_slot(REGION_SLOT)):
            dispatcher.utter_message(text=text)
        return []
