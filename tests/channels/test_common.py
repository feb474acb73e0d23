"""What every channel does the same way (bot/channels/common.py), in process: parsing and screening."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any, List

import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels.common import BadRequest, answer, check_sender, parse_message_request, screen_payload
from tests.expected import emergency

INTENTS = ("affirm", "deny", "quick_exit", "faq", "greet")


def request(body: bytes, content_type: str = "application/json") -> Any:
    return SimpleNamespace(headers={"content-type": content_type}, body=body)


# ---- '/' messages: only a domain intent's payload reaches Rasa as a payload -------------------

@pytest.mark.parametrize("payload", ["/affirm", "/deny", "/quick_exit", " /greet ", "/faq"])
def test_a_well_formed_payload_of_a_domain_intent_passes(payload: str) -> None:
    assert screen_payload(payload, INTENTS) == payload.strip()


@pytest.mark.parametrize(
    ("text", "seen_as"),
    [
        ("/", ""),
        ("//", ""),
        ("/{canary", "{canary"),
        ("/@canary", "@canary"),
        ("/ canary", "canary"),
        ("/ /canary", "canary"),
        ("/canary", "canary"),
        ("/faq{\"x\": \"canary\"}", "faq{\"x\": \"canary\"}"),
        ("/affirm@0.5", "affirm@0.5"),
        ("/affirm{}", "affirm{}"),
        ("//affirm", "affirm"),
        ("/affirm\n", "/affirm"),  # surrounding space is not part of the message
        ("what is debt bondage", "what is debt bondage"),
        ("a/b", "a/b"),
    ],
)
def test_anything_else_is_text_without_its_leading_slashes(text: str, seen_as: str) -> None:
    assert screen_payload(text, INTENTS) == seen_as


def _app(intents: tuple = INTENTS) -> Any:
    class Store:
        async def retrieve(self, sender_id: str) -> None:
            return None

    agent = SimpleNamespace(domain=SimpleNamespace(intents=list(intents)), tracker_store=Store())
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


def _run(app: Any, text: str) -> tuple:
    seen: List[str] = []

    async def rasa(message: UserMessage) -> None:
        seen.append(message.text)
        message.output_channel.messages.append({"recipient_id": message.sender_id, "text": "ok"})

    result = asyncio.new_event_loop().run_until_complete(answer(app, rasa, text, "rest-1", "rest"))
    return seen, result


@pytest.mark.parametrize("text", ["/{canary", "/@canary", "/ canary", "/faq{broken canary"])
def test_rasa_never_sees_a_malformed_payload(text: str) -> None:
    seen, _ = _run(_app(), text)
    assert seen and not seen[0].startswith("/")


def test_a_message_of_slashes_alone_gets_the_core_hotlines_without_rasa() -> None:
    seen, result = _run(_app(), " / ")
    assert seen == []
    assert emergency("US") in result.messages[0]["text"]


# ---- request bodies ------------------------------------------------------------------

def test_deeply_nested_json_is_a_400_not_a_recursion_error() -> None:
    body = b'{"sender": "a", "message": ' + b"[" * 1200 + b"]" * 1200 + b"}"
    assert len(body) < 6 * 2000
    with pytest.raises(BadRequest) as refused:
        parse_message_request(request(body))
    assert refused.value.status == 400


def test_deeply_nested_json_object_is_a_400_too() -> None:
    body = b'{"a":' * 1200 + b"1" + b"}" * 1200
    with pytest.raises(BadRequest) as refused:
        parse_message_request(request(body))
    assert refused.value.status == 400


# ---- conversation ids ----------------------------------------------------------------

@pytest.mark.parametrize("sender", ["abc\n", "abc\r\n", "\nabc", "a b", "", "x" * 129, 5, None])
def test_a_sender_must_be_the_whole_pattern(sender: Any) -> None:
    with pytest.raises(BadRequest):
        check_sender(sender)


@pytest.mark.parametrize("sender", ["web-0123abcd", "sms-" + "0" * 64, "WEB-x", "Sms-x"])
def test_rest_cannot_address_the_web_or_sms_id_spaces(sender: str) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_message_request(request(json.dumps({"sender": sender, "message": "hi"}).encode()))
    assert refused.value.status == 400


def test_the_web_channel_only_addresses_web_ids() -> None:
    body = json.dumps({"sender": "web-0123abcd", "message": "hi"}).encode()
    assert parse_message_request(request(body), channel="web") == ("web-0123abcd", "hi")
    for other in ("rest-user", "sms-" + "0" * 64):
        with pytest.raises(BadRequest):
            parse_message_request(request(json.dumps({"sender": other, "message": "hi"}).encode()), channel="web")


def test_rest_ids_still_work() -> None:
    body = json.dumps({"sender": "any-random-id", "message": "hi"}).encode()
    assert parse_message_request(request(body)) == ("any-random-id", "hi")
