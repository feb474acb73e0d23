"""The running assistant, started as `make run` starts it, driven over HTTP.

Covers the REST channel contract, bad input, the HTTP API switch, the action
server being down, two servers sharing Redis, and the log canary.
"""

from __future__ import annotations

import time
import uuid

import pytest
import redis
import requests

from tests.expected import emergency, number
from tools.harness import PAIR_TTL_SECONDS, Server, say, texts

CANARY = "canary-R2d9-server"
WEBHOOK = "/webhooks/rest/webhook"


def sender() -> str:
    return "srv-" + uuid.uuid4().hex[:12]


def post_raw(server: Server, body: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(server.url + WEBHOOK, data=body, headers={"Content-Type": content_type}, timeout=60)


def test_a_question_gets_an_answer(rasa_memory: Server) -> None:
    reply = texts(say(rasa_memory, sender(), "what is debt bondage"))
    assert "debt" in reply.lower()


def test_danger_gets_emergency_number_first(rasa_memory: Server) -> None:
    first = say(rasa_memory, sender(), "he's got a gun and says he'll shoot me")[0]["text"]
    assert first.index(emergency("US")) < first.index(number("us_dv"))


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b'{"sender": "a"}', "application/json", 400, "'message'"),
        (b'{"message": "hi"}', "application/json", 400, "'sender'"),
        (b'["hi"]', "application/json", 400, "JSON object"),
        (b'{"sender": "a", "message": 5}', "application/json", 400, "must be a string"),
        (b'{"sender": "a", "message": "hi\\u0000there"}', "application/json", 400, "control characters"),
        (b'{"sender": "a", "message": "\xff\xfe"}', "application/json", 400, "UTF-8"),
        (b"sender=a&message=hi", "application/x-www-form-urlencoded", 415, "application/json"),
        (b'{"sender": "a", "message": "' + b"x" * 100_000 + b'"}', "application/json", 413, "too large"),
        (b'{"sender": "a", "message": "' + b"x" * 3000 + b'"}', "application/json", 413, "longer than"),
    ],
)
def test_malformed_requests_get_a_clear_4xx_with_the_core_hotlines(
    rasa_memory: Server, body: bytes, content_type: str, status: int, says: str
) -> None:
    reply = post_raw(rasa_memory, body, content_type)
    assert reply.status_code == status
    payload = reply.json()
    assert says in payload["error"]
    assert emergency("US") in payload["messages"][0]["text"]
    # and the server keeps serving
    assert "debt" in texts(say(rasa_memory, sender(), "what is debt bondage")).lower()


def test_http_api_needs_the_token(rasa_memory: Server) -> None:
    url = rasa_memory.url + "/conversations/someone/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "wrong"}, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "test-token"}, timeout=10).status_code == 200


def test_http_api_is_off_without_a_token(rasa_no_actions: Server) -> None:
    assert requests.get(rasa_no_actions.url + "/conversations/someone/tracker", timeout=10).status_code == 404


def test_quick_exit_over_rest_leaves_nothing_the_api_can_see(rasa_memory: Server) -> None:
    who = sender()
    say(rasa_memory, who, f"i live in london, note {CANARY}")
    exit_reply = say(rasa_memory, who, "EXIT")
    assert len(exit_reply) <= 1
    tracker = requests.get(
        rasa_memory.url + f"/conversations/{who}/tracker", params={"token": "test-token"}, timeout=10
    ).json()
    assert CANARY not in str(tracker)
    assert tracker["slots"]["region"] is None


# ---- action server down -----------------------------------------------------

@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("he has a knife and he is in the house", [emergency("US")]),
        ("i want to kill myself", [number("us_suicide")]),
        ("my boss took my passport and wont let me leave", [number("us_trafficking")]),
        ("zzqx blorp", [emergency("US"), number("us_dv"), number("us_trafficking"), number("us_suicide")]),
    ],
)
def test_action_server_down_still_routes_every_message(rasa_no_actions: Server, text: str, numbers: list) -> None:
    reply = texts(say(rasa_no_actions, sender(), text))
    for expected in numbers:
        assert expected in reply


def test_action_server_down_keeps_the_region(rasa_no_actions: Server) -> None:
    who = sender()
    say(rasa_no_actions, who, "im in the uk")
    assert emergency("GB") in texts(say(rasa_no_actions, who, "hes going to kill me"))


def test_faq_answers_do_not_need_the_action_server(rasa_no_actions: Server) -> None:
    assert "smuggl" in texts(say(rasa_no_actions, sender(), "whats the difference between smuggling and trafficking")).lower()


# ---- two servers sharing Redis ------------------------------------------------

def test_conversation_alternating_between_two_servers_stays_coherent(rasa_pair: tuple) -> None:
    first, second = rasa_pair
    who = sender()
    say(first, who, "i live in london")
    assert number("gb_dv") in texts(say(second, who, "my partner hurts me, who can i call"))
    assert emergency("GB") in say(first, who, "he has a knife")[0]["text"]


def test_quick_exit_on_one_server_leaves_nothing_on_either(rasa_pair: tuple, redis_server: Server) -> None:
    first, second = rasa_pair
    client = redis.Redis(port=redis_server.port, db=0)
    who = sender()
    say(first, who, f"im in sydney {CANARY}")
    assert client.keys(f"*{who}*")
    say(second, who, "quick exit")
    assert client.keys(f"*{who}*") == []
    assert all(CANARY.encode() not in (client.get(k) or b"") for k in client.keys("*"))
    # neither server remembers Australia
    assert number("us_trafficking") in texts(say(first, who, "my boss keeps my passport, who can help"))


def test_redis_conversations_expire_when_idle(rasa_pair: tuple, redis_server: Server) -> None:
    first, _ = rasa_pair
    client = redis.Redis(port=redis_server.port, db=0)
    who = sender()
    say(first, who, "im in canada")
    key = f"helpbot:tracker:{who}"
    assert 0 < client.pttl(key) <= PAIR_TTL_SECONDS * 1000
    time.sleep(PAIR_TTL_SECONDS + 0.5)
    assert not client.exists(key)


def _routed_by_the_action(server: Server) -> None:
    """The safety net lists every core line; the action names the trafficking line only."""
    reply = texts(say(server, sender(), "my boss keeps my passport, who can help"))
    assert number("us_trafficking") in reply and number("us_dv") not in reply
    assert "while running action 'action_respond'" not in server.output()
    assert "could not be processed" not in server.output()


def test_routing_runs_in_process_without_an_action_server(rasa_memory: Server) -> None:
    _routed_by_the_action(rasa_memory)


def test_routing_reaches_the_action_server_when_configured(rasa_remote_actions: Server) -> None:
    _routed_by_the_action(rasa_remote_actions)


# ---- Redis configured but unreachable ------------------------------------------

def test_redis_down_every_message_still_answered_with_one_clean_log_line(rasa_redis_down: Server) -> None:
    who = sender()
    say(rasa_redis_down, who, f"im in the uk {CANARY}")
    assert emergency("GB") in texts(say(rasa_redis_down, who, "he has a knife"))  # region kept in memory
    assert number("us_trafficking") in texts(say(rasa_redis_down, sender(), "my boss keeps my passport, who can help"))
    output = rasa_redis_down.output()
    assert output.count("Redis is unreachable") == 1
    assert CANARY not in output and who not in output
