"""Whole conversations through the real model, stores and action server, in process.

Runs messages the way our channels do (`bot.channels.common.answer`) so the
stores can be inspected directly: Rasa's own tracker endpoint would create an
empty conversation for an unknown id and prove nothing.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, List

import pytest

from bot.channels.common import answer
from bot.stores import EphemeralLockStore, EphemeralTrackerStore, tracker_store_of
from bot.stores.tracker import KEPT_USER_TURNS
from tests.expected import emergency, number
from tests.expected import say as words

CANARY = "canary-7Q4v-conversation"


def new_sender() -> str:
    return "test-" + uuid.uuid4().hex[:12]


def say(app: Any, loop: Any, sender: str, text: str) -> List[str]:
    result = loop.run_until_complete(answer(app, app.ctx.agent.handle_message, text, sender, "rest"))
    return [m.get("text", "") for m in result.messages]


def store_of(agent: Any) -> EphemeralTrackerStore:
    return tracker_store_of(agent)


def test_our_stores_are_the_ones_loaded_from_endpoints_yml(agent: Any) -> None:
    # Rasa silently falls back to InMemoryTrackerStore when a custom store fails to import.
    assert isinstance(store_of(agent), EphemeralTrackerStore)
    assert isinstance(agent.lock_store, EphemeralLockStore)
    assert store_of(agent).event_broker is None


@pytest.mark.parametrize(
    ("text", "first_number"),
    [
        ("he has a knife and hes coming for me", emergency("US")),
        ("pls help hes kicking the door in", emergency("US")),
        ("i really dont want to be alive anymore", number("us_suicide")),
        ("a grown man keeps asking my 13 yr old for pictures of her body", number("us_cybertip")),
    ],
)
def test_crisis_is_routed_in_the_first_reply(app: Any, loop: Any, text: str, first_number: str) -> None:
    replies = say(app, loop, new_sender(), text)
    assert first_number in replies[0]


def test_danger_reply_starts_with_the_emergency_number(app: Any, loop: Any) -> None:
    first = say(app, loop, new_sender(), "help he is hitting me right now")[0]
    assert first.index(emergency("US")) < first.index(number("us_dv"))


def test_danger_in_the_middle_of_another_topic_still_gets_the_emergency_number(app: Any, loop: Any) -> None:
    sender = new_sender()
    assert "debt" in " ".join(say(app, loop, sender, "what is debt bondage")).lower()
    replies = say(app, loop, sender, "ok but right now he is here and he has a knife")
    assert emergency("US") in replies[0]


def test_region_is_kept_for_the_conversation(app: Any, loop: Any) -> None:
    sender = new_sender()
    say(app, loop, sender, "i live in london")
    replies = " ".join(say(app, loop, sender, "my husband hits me, who can i call"))
    assert number("gb_dv") in replies and number("us_dv") not in replies
    danger = say(app, loop, sender, "hes got a knife")
    assert emergency("GB") in danger[0]


def test_a_question_about_the_chat_does_not_keep_the_next_disclosure_from_its_service(app: Any, loop: Any) -> None:
    # "is this safe to use" is answered from a knowledge answer that names no service;
    # the abuse described next must still get the helpline, in the region they named.
    sender = new_sender()
    say(app, loop, sender, "im in ireland")
    say(app, loop, sender, "is this safe to use")
    replies = " ".join(say(app, loop, sender, "my partner pushes me around and takes my money"))
    assert number("ie_dv") in replies


def test_region_said_after_the_question_re_routes_it(app: Any, loop: Any) -> None:
    sender = new_sender()
    first = " ".join(say(app, loop, sender, "my boss took my passport and wont let me leave"))
    assert number("us_trafficking") in first
    second = " ".join(say(app, loop, sender, "im in australia"))
    assert number("au_trafficking") in second


def test_greeting_asks_whether_it_is_safe_and_explains_exit(app: Any, loop: Any) -> None:
    sender = new_sender()
    greeting = " ".join(say(app, loop, sender, "hi"))
    assert "safe to chat" in greeting and "exit" in greeting
    assert "What would you like to know" in " ".join(say(app, loop, sender, "yes"))


def test_not_safe_after_greeting_gets_emergency_number(app: Any, loop: Any) -> None:
    sender = new_sender()
    say(app, loop, sender, "hello")
    assert emergency("US") in say(app, loop, sender, "no")[0]


def test_nonsense_gets_what_i_can_do_and_core_hotlines(app: Any, loop: Any) -> None:
    replies = " ".join(say(app, loop, new_sender(), "qwzx plorb vvv"))
    assert words("menu") in replies
    for expected in (emergency("US"), number("us_dv"), number("us_trafficking"), number("us_suicide")):
        assert expected in replies


# ---- quick exit -------------------------------------------------------------

def _stored_text(agent: Any) -> str:
    return repr(store_of(agent).kv.memory._items)


@pytest.mark.parametrize("exit_text", ["exit", "Quick exit!", "/quick_exit"])
def test_quick_exit_erases_the_conversation_in_the_same_request(app: Any, agent: Any, loop: Any, exit_text: str) -> None:
    sender = new_sender()
    say(app, loop, sender, f"im in the uk and my name is {CANARY}")
    assert loop.run_until_complete(store_of(agent).retrieve(sender)) is not None
    assert CANARY in _stored_text(agent)

    replies = say(app, loop, sender, exit_text)

    assert len(replies) <= 1 and all(len(r) <= 40 for r in replies)
    assert loop.run_until_complete(store_of(agent).retrieve(sender)) is None
    assert CANARY not in _stored_text(agent) and sender not in _stored_text(agent)
    assert agent.lock_store.get_lock(sender) is None


def test_after_quick_exit_the_next_message_starts_a_new_conversation(app: Any, agent: Any, loop: Any) -> None:
    sender = new_sender()
    say(app, loop, sender, "i live in london")
    say(app, loop, sender, "exit")
    replies = " ".join(say(app, loop, sender, "my boss keeps my passport, who can help"))
    assert number("us_trafficking") in replies  # the UK region was forgotten
    # Answered, but not kept: for a few minutes the erased id stores nothing, so a message
    # that was still on its way when the exit landed cannot bring the conversation back.
    assert loop.run_until_complete(store_of(agent).retrieve(sender)) is None


def test_exit_inside_a_sentence_erases_nothing(app: Any, agent: Any, loop: Any) -> None:
    sender = new_sender()
    say(app, loop, sender, "i live in london")
    say(app, loop, sender, "how do I exit a toxic relationship")
    tracker = loop.run_until_complete(store_of(agent).retrieve(sender))
    assert tracker is not None and tracker.get_slot("region") == "GB"


def test_routing_action_runs_not_only_the_safety_net(app: Any, agent: Any, loop: Any) -> None:
    """The safety net hides a broken action; the tracker shows who answered."""
    sender = new_sender()
    say(app, loop, sender, "my boss took my passport and wont let me leave")
    tracker = loop.run_until_complete(store_of(agent).retrieve(sender))
    uttered = [e.text for e in tracker.events if e.type_name == "bot"]
    assert any(number("us_trafficking") in (text or "") for text in uttered)


# ---- long conversations: only the latest turns are kept -------------------------

def test_a_long_conversation_keeps_its_region_and_recent_need_but_not_old_text(
    app: Any, agent: Any, loop: Any
) -> None:
    sender = new_sender()
    say(app, loop, sender, f"i live in london {CANARY}")
    for text in ["what is debt bondage", "what is coercive control", "thanks", "is this chat private",
                 "what is sextortion", "how do i know if there is a spy app on my phone", "ok"]:
        say(app, loop, sender, text)
    stored = _stored_text(agent)
    assert CANARY not in stored  # the first message is no longer held
    tracker = loop.run_until_complete(store_of(agent).retrieve(sender))
    assert tracker.get_slot("region") == "GB"
    assert len([e for e in tracker.events if e.type_name == "user"]) == KEPT_USER_TURNS
    # the region said 8 messages ago still picks the numbers
    assert number("gb_dv") in " ".join(say(app, loop, sender, "my husband hits me, who can i call"))
    assert emergency("GB") in say(app, loop, sender, "he has a knife")[0]


def test_saying_where_you_are_late_in_a_conversation_re_answers_the_last_need(
    app: Any, loop: Any
) -> None:
    sender = new_sender()
    for text in ["hi", "yes", "what is debt bondage", "what is coercive control", "thanks",
                 "my boss took my passport and wont let me leave"]:
        say(app, loop, sender, text)
    assert number("au_trafficking") in " ".join(say(app, loop, sender, "im in australia"))


def test_a_failing_routing_action_still_routes_from_the_directory_and_logs_no_text(
    app: Any, loop: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot import rasa_patches

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"routing broke on {CANARY}")

    assert rasa_patches.action_executor is not None  # actions run in process here
    monkeypatch.setitem(rasa_patches.action_executor.actions, "action_respond", broken)
    with caplog.at_level(logging.DEBUG):
        replies = say(app, loop, new_sender(), f"he has a knife {CANARY}")
    assert emergency("US") in replies[0] and replies[0].index(emergency("US")) < replies[0].index(number("us_dv"))
    assert "RuntimeError" in caplog.text  # the failure is visible ...
    assert CANARY not in caplog.text  # ... without what the user wrote
