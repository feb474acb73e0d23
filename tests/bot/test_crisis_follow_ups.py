"""In a crisis every reply leads with the emergency number where the person is, whatever they say next.

Walks every crisis, every kind of follow-up, every region (and countries without
a directory) and both languages through the composer that answers every turn.
"""

from __future__ import annotations

import re
from typing import List

import pytest

from bot.conversation import State, Turn, composer
from bot.conversation.words import load_words
from bot.hotlines import directory

FOLLOW_UPS = [
    "cannot_talk", "ask_if_danger", "ask_text_option", "dont_want_to_call", "ask_what_to_do", "feel_scared", "goodbye", "thanks",
    "affirm", "deny", "greet", "nlu_fallback", "out_of_scope", "faq", "ask_cost", "ask_language", "ask_confidential",
    "ask_police_immigration", "ask_for_someone_else", "ask_what_happens", "ask_talk_to_person", "inform_identity",
    "inform_contact_limits", "inform_helper", "inform_region", "find_hotline", "what_can_you_do", "bot_challenge",
    "help_domestic_abuse", "help_trafficking", "help_image_threat", "help_sexual_assault", "how_to_exit",
]
REGIONS = [*directory().regions, "IN", "ZA", "JP", "MX"]
CRISES = [intent for need in directory().crisis_needs for intent in directory().needs[need].intents]
_NUMBER = re.compile(r"(?<![\d/])\+?\d[\d -]{1,15}\d(?!\d)")


def first_number(text: str) -> str:
    found = _NUMBER.search(text)
    return found.group(0).strip() if found else ""


def allowed(region: str, crisis: str) -> List[str]:
    found = directory()
    if region in found.regions:
        return list(found.emergency_numbers(region))
    entry = found.emergencies[region]
    return [n for n in (entry.call, entry.ambulance, *entry.also) if n]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("crisis", CRISES)
def test_every_follow_up_in_a_crisis_leads_with_the_emergency_number(crisis: str, region: str, language: str) -> None:
    words = load_words()
    goodbyes = set(words.alternatives_everywhere("goodbye"))
    menus = set(words.alternatives_everywhere("menu"))
    state = composer().respond(State(region=region, language=language), Turn(intent=crisis)).state
    assert state.crisis
    for intent in FOLLOW_UPS:
        turn = Turn(intent=intent, answer={"en": "An answer.", "es": "Una respuesta."} if intent == "faq" else {})
        reply = composer().respond(state, turn)
        text = reply.messages[0].text
        assert first_number(text) in allowed(region, crisis), f"{crisis} > {intent} in {region}/{language}: {text!r}"
        assert not any(g in text for g in goodbyes) and not any(m in text for m in menus), text
        assert reply.state.crisis == state.crisis, f"{intent} ended the crisis"


@pytest.mark.parametrize("region", list(directory().regions))
def test_saying_you_are_safe_ends_the_crisis_with_a_service_and_the_number_for_later(region: str) -> None:
    state = composer().respond(State(region=region), Turn(intent="danger_now")).state
    safe = composer().respond(state, Turn(intent="say_safe", confidence=0.9))
    assert safe.state.crisis is None
    assert directory().emergency_numbers(region)[0] in safe.messages[0].text


def test_an_unsure_say_safe_does_not_end_the_crisis() -> None:
    state = composer().respond(State(region="GB"), Turn(intent="danger_now")).state
    unsure = composer().respond(state, Turn(intent="say_safe", confidence=0.45))
    assert unsure.state.crisis == "danger"
    assert unsure.messages[0].text.startswith(load_words().say("en", "crisis_lead", "danger", emergency="999"))


def test_the_same_reply_is_never_given_three_times_in_a_row() -> None:
    state = composer().respond(State(region="US"), Turn(intent="danger_now")).state
    said: List[str] = []
    for _ in range(6):
        reply = composer().respond(state, Turn(intent="affirm"), said[-2:])
        said.append(reply.messages[0].text)
    for i in range(2, len(said)):
        assert not (said[i] == said[i - 1] == said[i - 2]), said


@pytest.mark.parametrize("language", ["en", "es"])
def test_in_danger_what_to_say_on_the_call_starts_with_where_you_are(language: str) -> None:
    # "what do i say when i ring" mid-danger is about the emergency call, not a hotline's intake.
    state = composer().respond(State(region="NZ", language=language), Turn(intent="danger_now")).state
    text = composer().respond(state, Turn(intent="ask_what_happens")).messages[0].text
    assert text.startswith(load_words().say(language, "crisis_lead", "danger", emergency="111").split("\n")[0])
    assert load_words().say(language, "crisis_what_to_say") in text
