"""Nothing a user writes reaches a log at the default level, on any path we can provoke.

A unique canary is sent through every channel and failure (normal messages,
crisis, quick exit, malformed requests, odd payloads, actions in process and in
the action server, the action server down,
a processing failure), then searched for in everything every server printed.
"""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import pytest
import requests

from bot.channels.common import answer
from tests.expected import emergency
from tools.harness import Server

CANARY = "canaryQ9w7x"
PHONE = "+15551234567"

MESSAGES = [
    f"hi my name is {CANARY} and my number is {PHONE}",
    f"he has a knife {CANARY}",
    f"i want to die {CANARY}",
    f"im in london {CANARY}",
    f"/faq{{\"x\": \"{CANARY}\"}}",
    f"/danger_now{{\"region\": \"{CANARY}\"}}",
    f"/{CANARY}",
    f"/faq{{broken {CANARY}",
    # Rasa's YAML story reader logs these whole (structlog `message.parsing.failed`).
    f"/{{{CANARY}",
    f"/@{CANARY}",
    f"/ {CANARY}",
    # Messages that set every remembered slot: none of the values may reach a log either.
    f"im 15 and deaf and cant talk, its for my sister, im in cork {CANARY}",
    f"mi esposo me pega ahorita {CANARY}",
    f"//{CANARY}",
    "/",
    f" /@{CANARY}@0.9",
    "exit",
]
# Values the slots take for the messages above (facets, contact, asker, need, crisis); region
# codes and "es" are too short to search for without false alarms.
SLOT_VALUES = ["under_18", "cannot_talk", "domestic_abuse", "'helper'", '"helper"']
BAD_BODIES = [
    f'{{"sender": "a", "message": "{CANARY}'.encode(),
    f'{{"sender": "{CANARY} {PHONE}", "message": "hi"}}'.encode(),
    f'{{"sender": "a", "message": "{CANARY}\\u0001"}}'.encode(),
    f'{{"sender": "a", "message": "{CANARY * 400}"}}'.encode(),
]


def _send_everything(server: Server) -> None:
    for i, text in enumerate(MESSAGES):
        requests.post(server.url + "/webhooks/rest/webhook",
                      json={"sender": f"canary-{i}", "message": text}, timeout=60)
    for body in BAD_BODIES:
        requests.post(server.url + "/webhooks/rest/webhook", data=body,
                      headers={"Content-Type": "application/json"}, timeout=60)


def test_canary_never_reaches_server_logs(
    rasa_memory: Server, rasa_no_actions: Server, rasa_pair: tuple, rasa_redis_down: Server,
    rasa_remote_actions: Server, action_server: Server,
) -> None:
    # rasa_remote_actions sends routing to the action server, so its log is tested too.
    everyone = [rasa_memory, rasa_no_actions, *rasa_pair, rasa_redis_down, rasa_remote_actions]
    for server in everyone:
        _send_everything(server)
    for server in [*everyone, action_server]:
        output = server.output()
        assert output.strip(), f"{server.name} printed nothing; the capture is broken"
        assert CANARY not in output, f"{server.name} logged user text:\n" + "\n".join(
            line for line in output.splitlines() if CANARY in line
        )
        assert PHONE not in output and PHONE[2:] not in output
        for slot_value in SLOT_VALUES:
            assert slot_value not in output, f"{server.name} logged a remembered value: {slot_value}"
        # '/' text is screened before Rasa's story reader sees it, so even the event's name is gone.
        assert "message.parsing.failed" not in output, server.name
        assert "Failed to parse arguments" not in output, server.name


# What a caller of the HTTP API (token holder) or of any URL sends: ids, events, parameters.
API_CANARY = "canaryK4p2api"


def _api_calls(token: str) -> list:
    c = API_CANARY
    deep = b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    return [
        ("get", f"/conversations/{c}/tracker", {"params": {"token": token, "until": c}}),
        ("get", f"/conversations/{c}/tracker", {"params": {"token": token, "include_events": c}}),
        ("post", f"/conversations/{c}/tracker/events", {"params": {"token": token}, "json": [{"event": c}]}),
        ("post", f"/conversations/{c}/tracker/events",
         {"params": {"token": token}, "json": {"event": "slot", "name": c, "value": c}}),
        ("put", f"/conversations/{c}/tracker/events", {"params": {"token": token}, "json": [{"event": "user", "text": c}]}),
        ("get", f"/conversations/{c}/story", {"params": {"token": token, "until": c}}),
        ("post", f"/conversations/{c}/execute", {"params": {"token": token}, "json": {"name": c}}),
        ("post", f"/conversations/{c}/trigger_intent", {"params": {"token": token}, "json": {"name": c}}),
        ("post", f"/conversations/{c}/messages", {"params": {"token": token}, "json": {"text": c, "sender": c}}),
        ("post", "/model/parse", {"params": {"token": token, "emulation_mode": c}, "json": {"text": c}}),
        ("put", "/model", {"params": {"token": token}, "json": {"model_file": f"/tmp/{c}.tar.gz"}}),
        ("post", "/model/test/stories", {"params": {"token": token}, "data": c}),
        ("post", "/model/predict", {"params": {"token": token}, "json": {"events": c}}),
        # Unhandled errors: Sanic logs "Exception occurred while handling uri: <the full URL>".
        ("post", f"/model/parse?{c}=1", {"params": {"token": token}, "data": deep,
                                          "headers": {"Content-Type": "application/json"}}),
        ("post", f"/conversations/{c}/messages", {"params": {"token": token}, "data": deep,
                                                  "headers": {"Content-Type": "application/json"}}),
        ("get", f"/conversations/{c}/tracker", {"params": {"token": c}}),
        ("get", f"/no/such/{c}", {"params": {"token": c}}),
        ("get", f"/webhooks/web/{c}", {"params": {c: c}}),
        ("options", f"/webhooks/rest/webhook?{c}=1", {"data": c}),
    ]


def test_http_api_callers_and_urls_never_reach_the_log(rasa_memory: Server) -> None:
    statuses = []
    for method, path, options in _api_calls("test-token"):
        statuses.append(getattr(requests, method)(rasa_memory.url + path, timeout=60, **options).status_code)
    assert 500 in statuses  # the unhandled paths above were reached
    output = rasa_memory.output()
    leaked = [line for line in output.splitlines() if API_CANARY in line or "test-token" in line]
    assert not leaked, "\n".join(leaked)
    assert "body not consumed" not in output  # every OPTIONS logged this at ERROR
    # The server still serves after all that (the model was not replaced).
    assert emergency("US") in requests.post(rasa_memory.url + "/webhooks/rest/webhook", timeout=60,
                                            json={"sender": "after-api", "message": "he has a knife"}).text


def test_processing_failure_logs_no_user_text(caplog: pytest.LogCaptureFixture) -> None:
    """Rasa's own REST channel logs the text at ERROR here; ours must not."""

    async def broken(message: object) -> None:
        raise RuntimeError(f"boom while handling {CANARY}")

    class NoStore:
        async def retrieve(self, sender_id: str) -> None:
            raise ConnectionError(f"store down for {CANARY}")

    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=NoStore())))
    with caplog.at_level(logging.DEBUG):
        result = asyncio.new_event_loop().run_until_complete(
            answer(app, broken, f"he has a knife {CANARY}", "s1", "rest")
        )
    assert emergency("US") in result.messages[0]["text"]
    assert "RuntimeError" in caplog.text
    assert CANARY not in caplog.text
