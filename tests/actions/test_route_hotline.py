"""The routing action, run as the action server runs it (real Tracker and dispatcher)."""

from __future__ import annotations

import asyncio
from typing import List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.hotlines import ActionRouteHotline


def user_event(intent: str) -> dict:
    return {"event": "user", "text": "(text)", "parse_data": {"intent": {"name": intent, "confidence": 1.0}}}


def run_action(intents: List[str], region: str | None) -> List[str]:
    """Run action_route_hotline after the user's intents (oldest first)."""
    events = [user_event(intent) for intent in intents]
    tracker = Tracker(
        sender_id="t1",
        slots={"region": region},
        latest_message=events[-1]["parse_data"],
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    events_out = asyncio.new_event_loop().run_until_complete(
        ActionRouteHotline().run(dispatcher, tracker, {})
    )
    assert events_out == []
    return [m["text"] for m in dispatcher.messages]


@pytest.mark.parametrize(
    ("intent", "region", "expected", "absent"),
    [
        ("danger_now", None, ["911", "1-800-799-7233"], []),
        ("danger_now", "UK", ["999", "press 55"], ["911"]),
        ("danger_now", "AU", ["000", "1800 737 732"], ["911"]),
        ("suicidal", "US", ["988"], []),
        ("suicidal", "UK", ["116 123"], ["988"]),
        ("suicidal", "AU", ["13 11 14"], ["988"]),
        ("child_exploitation", "US", ["1-800-843-5678"], []),
        ("child_exploitation", "CA", ["1-866-658-9022"], []),
        ("help_domestic_abuse", "US", ["1-800-799-7233", "88788"], []),
        ("help_domestic_abuse", "UK", ["0808 2000 247"], ["1-800"]),
        ("help_domestic_abuse", "CA", ["1-866-863-0511", "911"], []),
        ("help_trafficking", "US", ["1-888-373-7888", "233733"], []),
        ("help_trafficking", "UK", ["08000 121 700"], []),
        ("help_trafficking", "CA", ["1-833-900-1010"], []),
        ("help_trafficking", "AU", ["131 237"], []),
        ("help_image_threat", "US", ["stopncii.org", "1-800-799-7233"], []),
        ("help_image_threat", "UK", ["0345 6000 459"], []),
        ("find_hotline", "US", ["911", "1-800-799-7233", "1-888-373-7888", "988"], []),
        ("out_of_scope", "UK", ["999", "0808 2000 247", "116 123"], []),
        ("nlu_fallback", None, ["911", "988"], []),
    ],
)
def test_routes_by_need_and_region(intent: str, region: str | None, expected: List[str], absent: List[str]) -> None:
    reply = "\n".join(run_action([intent], region))
    for number in expected:
        assert number in reply
    for number in absent:
        assert number not in reply


def test_emergency_number_is_the_first_thing_said_in_danger() -> None:
    first = run_action(["danger_now"], "US")[0]
    assert first.index("911") < first.index("1-800-799-7233")
    assert first.splitlines()[0].endswith("call 911 first.")


def test_region_given_later_re_routes_the_earlier_need() -> None:
    reply = "\n".join(run_action(["help_trafficking", "inform_region"], "UK"))
    assert "08000 121 700" in reply and "1-888" not in reply


def test_unknown_region_gets_default_numbers_and_an_invitation_to_say_where() -> None:
    messages = run_action(["help_trafficking"], None)
    assert "1-888-373-7888" in messages[0]
    assert "These numbers are for the US" in messages[1]


def test_known_region_gets_no_invitation() -> None:
    assert len(run_action(["help_trafficking"], "AU")) == 1


def test_default_region_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_REGION", "UK")
    messages = run_action(["help_domestic_abuse"], None)
    assert "0808 2000 247" in messages[0]
    assert "the UK" in messages[1]
