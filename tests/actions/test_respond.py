"""action_respond with real Rasa SDK trackers: the state it keeps and what it says from it."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.respond import ActionRespond
from bot.hotlines import directory
from tests.expected import crisis_lead, emergency, number


def tracker(text: str, intent: str, slots: Dict[str, Any] | None = None, entities: List[Dict[str, Any]] | None = None,
            metadata: Dict[str, Any] | None = None, answer: List[Dict[str, Any]] | None = None,
            confidence: float = 0.9, history: List[Dict[str, Any]] | None = None) -> Tracker:
    parse: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": confidence},
                             "entities": entities or []}
    if answer is not None:
        parse["response_selector"] = {intent: {"response": {"responses": answer, "intent_response_key": "faq/x"}}}
    events = [*(history or []), {"event": "user", "text": text, "parse_data": parse, "metadata": metadata or {}}]
    return Tracker("t1", slots or {}, parse, events, False, None, {}, "action_listen")


def run(t: Tracker) -> tuple:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRespond().run(dispatcher, t, {}))
    return "\n".join(m.get("text") or "" for m in dispatcher.messages), {e["name"]: e["value"] for e in events}


def test_a_disclosure_remembers_the_need_and_gives_the_one_service_for_the_region() -> None:
    said, slots = run(tracker("my partner hits me", "help_domestic_abuse", {"region": "GB"}))
    assert slots["need"] == "domestic_abuse"
    assert number("gb_dv") in said and number("us_dv") not in said
    assert said.count("\n- ") == 1  # one service, not a menu


def test_the_sms_senders_country_sets_the_region_and_the_number_is_not_kept() -> None:
    said, slots = run(tracker("he has a knife", "danger_now", metadata={"country": "AU"}))
    assert slots["region"] == "AU" and slots["crisis"] == "danger"
    assert said.startswith(crisis_lead("AU"))


def test_a_named_region_wins_over_the_phones_country() -> None:
    said, slots = run(tracker("he has a knife", "danger_now", {"region": "IE"}, metadata={"country": "GB"}))
    assert "region" not in slots and said.startswith(crisis_lead("IE"))


def test_an_age_under_18_is_remembered_and_changes_the_service() -> None:
    said, slots = run(tracker("im 15 and he shared my pics", "help_image_threat", {"region": "US"},
                              entities=[{"entity": "facet", "value": "under_18"}]))
    assert slots["facets"] == ["under_18"]
    assert "takeitdown" in said.lower() and "stopncii" not in said.lower()


def test_a_knowledge_answer_inside_a_need_ends_with_that_needs_service() -> None:
    answer = [{"text": "Debt bondage means...", "metadata": {"need": "trafficking"}},
              {"text": "La servidumbre por deudas...", "condition": [{"type": "slot", "name": "language", "value": "es"}]}]
    said, _ = run(tracker("what is debt bondage", "faq", {"region": "CA", "need": "trafficking"}, answer=answer))
    assert said.startswith("Debt bondage means") and number("ca_trafficking") in said
    said_es, _ = run(tracker("que es la servidumbre por deudas", "faq", {"region": "US", "language": "es"}, answer=answer))
    assert said_es.startswith("La servidumbre por deudas") and number("us_trafficking") in said_es


def test_a_crisis_stays_until_the_person_says_they_are_safe() -> None:
    said, _ = run(tracker("can i text instead", "ask_text_option", {"region": "US", "crisis": "danger", "need": "danger"}))
    assert said.startswith(crisis_lead("US")) and directory().services["us_dv"].text in said
    said, slots = run(tracker("he left, im safe now", "say_safe", {"region": "US", "crisis": "danger", "need": "danger"}))
    assert slots["crisis"] is None and emergency("US") in said


def test_someone_helping_gets_helper_words() -> None:
    said, _ = run(tracker("my friend is being trafficked", "help_trafficking", {"region": "US", "asker": "helper"}))
    assert "You are not alone" not in said and number("us_trafficking") in said
    assert "worried" in said or "looking out" in said


def test_the_region_hint_is_said_once() -> None:
    said, slots = run(tracker("my boss took my passport", "help_trafficking"))
    assert "the US" in said and slots["hint_shown"] is True
    again, _ = run(tracker("what do i do", "ask_what_to_do", {"need": "trafficking", "hint_shown": True}))
    assert "the US" not in again
