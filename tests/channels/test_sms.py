"""The SMS channel, driven as Twilio drives it: signed form posts in, TwiML out.

Most tests talk to a real Rasa server (real model, action server and Redis)
started as `make run` starts it, signing requests with twilio's own
RequestValidator. Settings that need a differently configured server (SMS
disabled, insecure development mode, a quick-exit reply, a failing store) run
the channel's real blueprint in an in-process Sanic server instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any, Callable, Dict, List
from urllib.parse import urlencode

import aiohttp
import pytest
import redis
import requests
from rasa.shared.core.domain import Domain
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.channels.sms import SmsInput, conversation_id
from bot.channels.sms_text import MAX_SMS_CHARS, gsm7_length, is_gsm7
from bot.stores import EphemeralLockStore, EphemeralTrackerStore
from tests.channels.conftest import API_TOKEN, ID_SECRET, PUBLIC_URL, TWILIO_TOKEN
from tests.expected import crisis_lead, emergency, number, say
from tools.harness import Server, free_port

WEBHOOK = "/webhooks/sms/webhook"
NOTICE = "Texts stay on your phone until you delete them"
# Every number a test texts from, so the last test can look for each in logs and the store.
USED_NUMBERS: List[str] = []


def new_number() -> str:
    phone = "+1555" + "".join(random.choice("0123456789") for _ in range(7))
    USED_NUMBERS.append(phone)
    return phone


def new_sid() -> str:
    return "SM" + uuid.uuid4().hex


def twilio_form(body: str, phone: str, sid: str | None = None) -> Dict[str, str]:
    """The fields Twilio posts for an incoming SMS (blank ones included: they are signed too)."""
    sid = sid or new_sid()
    return {
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
        "FromZip": "94105", "SmsSid": sid, "FromState": "CA", "SmsStatus": "received",
        "FromCity": "SAN FRANCISCO", "Body": body, "FromCountry": "US", "To": "+15550001111",
        "ToZip": "", "NumSegments": "1", "MessageSid": sid, "AccountSid": "AC" + "0" * 32,
        "From": phone, "ApiVersion": "2010-04-01",
    }


def sign(form: Dict[str, str], token: str = TWILIO_TOKEN, url: str = PUBLIC_URL) -> str:
    return RequestValidator(token).compute_signature(url, form)


def post(server: Server, form: Dict[str, str], signature: str | None = None) -> requests.Response:
    headers = {"X-Twilio-Signature": sign(form) if signature is None else signature}
    if signature == "":
        headers = {}
    return requests.post(server.url + WEBHOOK, data=form, headers=headers, timeout=60)


def twiml_messages(reply: Any) -> List[str]:
    """The <Message> bodies of a 200 TwiML reply, checked to be SMS-safe."""
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].split(";")[0] == "text/xml"
    root = ET.fromstring(reply.content)
    assert root.tag == "Response"
    assert all(child.tag == "Message" for child in root)
    bodies = [m.text or "" for m in root.findall("Message")]
    for body in bodies:
        assert is_gsm7(body) and gsm7_length(body) <= MAX_SMS_CHARS, body
    return bodies


def text(server: Server, phone: str, body: str, sid: str | None = None) -> List[str]:
    return twiml_messages(post(server, twilio_form(body, phone, sid)))


def tracker(server: Server, phone: str) -> Dict[str, Any]:
    conversation = conversation_id(phone, ID_SECRET)
    reply = requests.get(server.url + f"/conversations/{conversation}/tracker",
                         params={"token": API_TOKEN}, timeout=10)
    reply.raise_for_status()
    return reply.json()


def user_texts(server: Server, phone: str) -> List[str]:
    return [e.get("text") for e in tracker(server, phone)["events"] if e["event"] == "user"]


# ---- answers -----------------------------------------------------------------

def test_a_signed_question_gets_twiml_with_the_right_hotline_and_the_notice_once(rasa_sms: Server) -> None:
    phone = new_number()
    first = "\n".join(text(rasa_sms, phone, "my boss took my passport and wont let me leave"))
    assert number("us_trafficking") in first
    assert NOTICE in first
    second = "\n".join(text(rasa_sms, phone, "what is debt bondage"))
    assert "debt" in second.lower()
    assert NOTICE not in second


def test_crisis_gets_the_emergency_number_of_the_region_first(rasa_sms: Server) -> None:
    phone = new_number()
    text(rasa_sms, phone, "i live in london")
    first = text(rasa_sms, phone, "he has a knife and he is in the house")[0]
    assert emergency("GB") in first
    assert first.index(emergency("GB")) < first.index(number("gb_dv"))


def test_the_conversation_is_keyed_by_a_hash_not_the_number(rasa_sms: Server, redis_server: Server) -> None:
    phone = new_number()
    text(rasa_sms, phone, "what is coercive control")
    keys = [k.decode() for k in redis.Redis(port=redis_server.port, db=3).keys("helpbot:tracker:*")]
    assert f"helpbot:tracker:{conversation_id(phone, ID_SECRET)}" in keys
    assert user_texts(rasa_sms, phone) == ["what is coercive control"]


# ---- authenticity ----------------------------------------------------------------

def _unsigned(form: Dict[str, str]) -> Dict[str, Any]:
    return {"data": form, "headers": {}}


def _wrong_token(form: Dict[str, str]) -> Dict[str, Any]:
    return {"data": form, "headers": {"X-Twilio-Signature": sign(form, token="someone-elses-token")}}


def _tampered(form: Dict[str, str]) -> Dict[str, Any]:
    signature = sign(form)
    return {"data": {**form, "Body": form["Body"] + " and more"}, "headers": {"X-Twilio-Signature": signature}}


def _other_sender(form: Dict[str, str]) -> Dict[str, Any]:
    signature = sign(form)
    return {"data": {**form, "From": "+15550009999"}, "headers": {"X-Twilio-Signature": signature}}


def _local_url(form: Dict[str, str]) -> Dict[str, Any]:
    # Signed for the address the server sees, not the public URL Twilio was given.
    return {"data": form, "headers": {"X-Twilio-Signature": sign(form, url="http://127.0.0.1/webhooks/sms/webhook")}}


def _garbage(form: Dict[str, str]) -> Dict[str, Any]:
    return {"data": form, "headers": {"X-Twilio-Signature": "not-a-signature"}}


def _json(form: Dict[str, str]) -> Dict[str, Any]:
    return {"json": form, "headers": {"X-Twilio-Signature": sign(form)}}


@pytest.mark.parametrize("forge", [_unsigned, _wrong_token, _tampered, _other_sender, _local_url, _garbage, _json])
def test_unauthentic_requests_get_403_and_nothing_is_processed(
    rasa_sms: Server, forge: Callable[[Dict[str, str]], Dict[str, Any]]
) -> None:
    phone = new_number()
    form = twilio_form("he has a knife", phone)
    reply = requests.post(rasa_sms.url + WEBHOOK, timeout=60, **forge(form))
    assert reply.status_code == 403
    assert "<Message>" not in reply.text
    assert user_texts(rasa_sms, phone) == []
    # The same message, properly signed, is then answered: the forgery recorded nothing.
    assert emergency("US") in "\n".join(twiml_messages(post(rasa_sms, form)))


def test_a_replayed_message_sid_is_processed_once(rasa_sms: Server) -> None:
    phone = new_number()
    form = twilio_form("i want to kill myself", phone)
    assert number("us_suicide") in "\n".join(twiml_messages(post(rasa_sms, form)))
    assert twiml_messages(post(rasa_sms, form)) == []
    assert twiml_messages(post(rasa_sms, form)) == []
    assert user_texts(rasa_sms, phone) == ["i want to kill myself"]
    # A new message with the same words is a new message.
    assert number("us_suicide") in "\n".join(text(rasa_sms, phone, "i want to kill myself"))
    assert len(user_texts(rasa_sms, phone)) == 2


def _raw_post(server: Server, body: str, signature: str) -> requests.Response:
    return requests.post(server.url + WEBHOOK, data=body.encode(), timeout=60, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})


def test_a_field_name_shifted_into_its_value_is_refused(rasa_sms: Server) -> None:
    """Twilio signs names and values joined without a separator: MessageSid=SMx and
    MessageSi=dSMx sign alike, and without a MessageSid the replay check was skipped."""
    phone = new_number()
    form = twilio_form("i want to kill myself", phone)
    signature = sign(form)
    assert number("us_suicide") in "\n".join(twiml_messages(post(rasa_sms, form)))
    shifted = {k: v for k, v in form.items() if k != "MessageSid"}
    shifted["MessageSi"] = "d" + form["MessageSid"]
    assert sign(shifted) == signature  # the forgery Twilio's scheme allows
    for _ in range(2):
        reply = requests.post(rasa_sms.url + WEBHOOK, data=shifted, timeout=60,
                              headers={"X-Twilio-Signature": signature})
        assert reply.status_code == 400 and "<Message>" not in reply.text
    assert user_texts(rasa_sms, phone) == ["i want to kill myself"]


def test_a_whole_form_as_one_empty_named_field_is_refused(rasa_sms: Server) -> None:
    phone = new_number()
    form = twilio_form("he has a knife", phone)
    joined = "".join(name + form[name] for name in sorted(form))
    forged = {"": joined}
    assert sign(forged) == sign(form)
    reply = _raw_post(rasa_sms, urlencode(forged), sign(form))
    assert reply.status_code == 400 and "<Message>" not in reply.text
    assert user_texts(rasa_sms, phone) == []


@pytest.mark.parametrize("change", [
    {"MessageSid": ""}, {"MessageSid": "SM123"}, {"MessageSid": "XX" + "0" * 32}, {"MessageSid": "SM" + "g" * 32},
    {"Injected": "1"}, {"messagesid": "SM" + "0" * 32},
])
def test_signed_forms_need_a_well_formed_message_sid_and_known_fields(rasa_sms: Server, change: Dict[str, str]) -> None:
    phone = new_number()
    form = {**twilio_form("he has a knife", phone), **change}
    if change.get("MessageSid") == "":
        del form["MessageSid"]
    reply = post(rasa_sms, form)
    assert reply.status_code == 400
    assert user_texts(rasa_sms, phone) == []


def test_twilios_optional_fields_are_accepted(rasa_sms: Server) -> None:
    form = {**twilio_form("what is debt bondage", new_number()), "MessagingServiceSid": "MG" + "0" * 32,
            "MediaUrl0": "", "MediaContentType0": "", "OptOutType": "", "ProfileName": "x", "WaId": "1"}
    assert "debt" in "\n".join(twiml_messages(post(rasa_sms, form))).lower()


# ---- numbered choices ------------------------------------------------------------

def _latest_intent(server: Server, phone: str) -> str:
    return tracker(server, phone)["latest_message"]["intent"]["name"]


def test_buttons_become_numbered_choices_and_a_number_picks_one(rasa_sms: Server) -> None:
    safe, unsafe = new_number(), new_number()
    for phone in (safe, unsafe):
        greeting = "\n".join(text(rasa_sms, phone, "hi"))
        assert "Reply 1 for Yes, I can chat" in greeting
        assert "Reply 2 for No" in greeting
    assert "What would you like to know" in "\n".join(text(rasa_sms, safe, "1"))
    assert _latest_intent(rasa_sms, safe) == "affirm"
    assert emergency("US") in "\n".join(text(rasa_sms, unsafe, "2"))
    assert _latest_intent(rasa_sms, unsafe) == "deny"


def test_a_number_with_no_such_choice_is_an_ordinary_message(rasa_sms: Server) -> None:
    phone = new_number()
    text(rasa_sms, phone, "hi")
    assert text(rasa_sms, phone, "7")  # still answered
    assert user_texts(rasa_sms, phone)[-1] == "7"


# ---- keywords ---------------------------------------------------------------------

@pytest.mark.parametrize("keyword", ["HELP", "info", " Help "])
def test_help_gets_the_core_hotlines_and_stores_nothing(rasa_sms: Server, keyword: str) -> None:
    phone = new_number()
    reply = "\n".join(text(rasa_sms, phone, keyword))
    for hotline in (emergency("US"), number("us_dv"), number("us_trafficking"), number("us_suicide")):
        assert hotline in reply
    assert "STOP" in reply and NOTICE in reply
    assert user_texts(rasa_sms, phone) == []


def test_help_uses_the_region_of_the_conversation(rasa_sms: Server) -> None:
    phone = new_number()
    text(rasa_sms, phone, "im in australia")
    reply = "\n".join(text(rasa_sms, phone, "HELP"))
    assert emergency("AU") in reply and number("au_dv") in reply
    assert NOTICE not in reply


NOTICE_ES = "Los mensajes quedan en tu telefono"


def _to_sms(text: str) -> str:
    from bot.channels.sms_text import to_gsm7

    return to_gsm7(text)


@pytest.mark.parametrize("keyword", ["AYUDA", "ayuda", " Ayuda! "])
def test_ayuda_gets_the_core_hotlines_in_spanish_and_switches_the_conversation(rasa_sms: Server, keyword: str) -> None:
    from bot.channels.common import core_messages

    phone = new_number()
    reply = "\n".join(text(rasa_sms, phone, keyword))
    for line in _to_sms("\n".join(core_messages("US", "es"))).splitlines():
        assert line.strip() in reply
    assert emergency("US") in reply
    assert "STOP" in reply and NOTICE_ES in reply and NOTICE not in reply
    assert tracker(rasa_sms, phone)["slots"]["language"] == "es"
    again = "\n".join(text(rasa_sms, phone, "HELP"))  # HELP now answers in the conversation's language
    assert _to_sms(core_messages("US", "es")[0]).splitlines()[0] in again


@pytest.mark.parametrize("keyword", ["ESPANOL", "español", "Espanol."])
def test_espanol_switches_the_conversation_to_spanish(rasa_sms: Server, keyword: str) -> None:
    phone = new_number()
    reply = "\n".join(text(rasa_sms, phone, keyword))
    assert _to_sms(say("switched_language", "es")) in reply
    assert NOTICE_ES in reply and NOTICE not in reply
    assert tracker(rasa_sms, phone)["slots"]["language"] == "es"
    hi = "\n".join(text(rasa_sms, phone, "hola"))
    assert "Responde 1 para" in hi  # numbered choices in Spanish too


@pytest.mark.parametrize("stop", ["STOP", "stop", "Unsubscribe", "CANCEL", "end", "QUIT", "stopall", "OPTOUT", "revoke"])
def test_stop_is_honoured_and_nothing_is_sent_until_start(rasa_sms: Server, stop: str) -> None:
    phone = new_number()
    text(rasa_sms, phone, "i live in london")
    assert text(rasa_sms, phone, stop) == []
    assert user_texts(rasa_sms, phone) == []  # erased too
    assert text(rasa_sms, phone, "he has a knife") == []
    assert text(rasa_sms, phone, "HELP") == []
    assert user_texts(rasa_sms, phone) == []
    assert "HELP" in "\n".join(text(rasa_sms, phone, "START"))
    assert emergency("US") in "\n".join(text(rasa_sms, phone, "he has a knife"))


def test_yes_restarts_after_stop_but_is_an_ordinary_answer_otherwise(rasa_sms: Server) -> None:
    phone = new_number()
    text(rasa_sms, phone, "hi")
    assert "What would you like to know" in "\n".join(text(rasa_sms, phone, "yes"))
    assert text(rasa_sms, phone, "STOP") == []
    assert "HELP" in "\n".join(text(rasa_sms, phone, "YES"))
    assert user_texts(rasa_sms, phone) == []


# ---- quick exit -------------------------------------------------------------------

@pytest.mark.parametrize("phrase", ["exit", "EXIT", "Quick exit!"])
def test_the_exit_phrase_erases_everything_and_sends_nothing(
    rasa_sms: Server, redis_server: Server, phrase: str
) -> None:
    phone = new_number()
    conversation = conversation_id(phone, ID_SECRET)
    text(rasa_sms, phone, "i live in london")
    text(rasa_sms, phone, "my boyfriend checks my phone")
    store = redis.Redis(port=redis_server.port, db=3)
    assert store.exists(f"helpbot:tracker:{conversation}")
    reply = post(rasa_sms, twilio_form(phrase, phone))
    assert twiml_messages(reply) == []
    assert not store.keys(f"*{conversation}*")
    state = tracker(rasa_sms, phone)
    assert state["slots"]["region"] is None and not [e for e in state["events"] if e["event"] == "user"]
    # The next text starts a new conversation: the notice again, numbers for the default region.
    fresh = "\n".join(text(rasa_sms, phone, "he has a knife"))
    assert NOTICE in fresh and emergency("US") in fresh


# ---- malformed but signed: still answered, never a 5xx ----------------------------

def test_a_signed_message_without_a_body_gets_the_core_hotlines(rasa_sms: Server) -> None:
    phone = new_number()
    form = twilio_form("", phone)
    form["NumMedia"] = "1"  # a picture without words
    reply = "\n".join(twiml_messages(post(rasa_sms, form)))
    assert emergency("US") in reply and number("us_suicide") in reply


def test_a_signed_request_without_from_or_body_fields_gets_the_core_hotlines(rasa_sms: Server) -> None:
    form = {k: v for k, v in twilio_form("hi", new_number()).items() if k not in ("From", "Body")}
    assert emergency("US") in "\n".join(twiml_messages(post(rasa_sms, form)))


def test_an_overlong_signed_message_is_still_routed_by_its_crisis_words(rasa_sms: Server) -> None:
    phone = new_number()
    reply = text(rasa_sms, phone, "he has a knife " + "please " * 500)
    assert reply[0].startswith(crisis_lead("US"))


def test_control_characters_do_not_stop_a_message(rasa_sms: Server) -> None:
    phone = new_number()
    assert number("us_trafficking") in "\n".join(text(rasa_sms, phone, "my boss took my passport\x00\x07 and wont let me leave"))


def test_wrong_content_type_and_huge_bodies_are_refused(rasa_sms: Server) -> None:
    # Signed over no form fields (what the server can check), but not a form: 415.
    body = json.dumps({"Body": "hi"})
    reply = requests.post(rasa_sms.url + WEBHOOK, data=body, timeout=30, headers={
        "Content-Type": "application/json", "X-Twilio-Signature": sign({})})
    assert reply.status_code == 415
    huge = twilio_form("x" * 70_000, new_number())
    assert post(rasa_sms, huge).status_code == 413
    assert emergency("US") in "\n".join(text(rasa_sms, new_number(), "he has a knife"))  # still serving


# ---- privacy: runs last, over everything the tests above sent ---------------------

def test_no_phone_number_in_the_store_or_any_log_line(rasa_sms: Server, redis_server: Server) -> None:
    phone = new_number()
    for body in ("hi my phone is " + phone, "HELP", "STOP", "START", "exit", "he has a knife"):
        post(rasa_sms, twilio_form(body, phone))
    post(rasa_sms, twilio_form("hi", phone), signature="")
    post(rasa_sms, {"From": phone})
    output = rasa_sms.output()
    assert "SMS is disabled" not in output
    assert not [line for line in output.splitlines() if "bot.channels.sms" in line and "ERROR" in line]
    store = redis.Redis(port=redis_server.port, db=3)
    keys = [k.decode() for k in store.keys("*")]
    values = "".join(store.get(k).decode("utf-8", "replace") for k in keys if store.type(k) == b"string")
    assert keys
    for used in USED_NUMBERS:
        for form in (used, used.lstrip("+"), used[2:]):
            assert form not in output, f"{form} in the server's output"
            assert not [k for k in keys if form in k], f"{form} in a store key"
            if used != phone:  # this one was also the text of a message, which is kept while chatting
                assert form not in values, f"{form} in a stored value"


# ---- in-process: other configurations --------------------------------------------

async def _serve_and_post(channel: SmsInput, agent: Any, on_new_message: Any,
                          requests_to_send: List[Dict[str, Any]]) -> List[tuple]:
    """Run the channel's blueprint in a real Sanic server and send requests to it."""
    # Sanic 21.12 rewrites its connection handler at each app's start-up; the second
    # app in one process fails unless, as sanic-testing does, test mode keeps the original.
    Sanic.test_mode = True
    app = Sanic(f"sms_test_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = agent
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/sms")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                     access_log=False)
    await server.startup()
    await server.start_serving()
    results = []
    try:
        async with aiohttp.ClientSession() as session:
            for request in requests_to_send:
                method = request.pop("method", "POST")
                async with session.request(method, f"http://127.0.0.1:{port}/webhooks/sms{request.pop('path', '/webhook')}",
                                           **request) as reply:
                    results.append((reply.status, reply.headers.get("content-type", ""), await reply.read()))
    finally:
        server.close()
        await server.wait_closed()
    return results


def _configure(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for key in ("TWILIO_AUTH_TOKEN", "SMS_PUBLIC_URL", "SMS_ID_SECRET", "SMS_INSECURE_DEV",
                "SMS_QUICK_EXIT_REPLY", "REDIS_URL"):
        monkeypatch.setenv(key, env.get(key, ""))
    from bot.config import settings
    settings.cache_clear()


def _light_agent() -> SimpleNamespace:
    """Real expiring stores (in memory), no model: for paths that never reach the model."""
    return SimpleNamespace(tracker_store=EphemeralTrackerStore(Domain.empty()), lock_store=EphemeralLockStore())


async def _never_called(message: Any) -> None:
    raise AssertionError("the message reached Rasa")


class _Reply:
    def __init__(self, status: int, content_type: str, content: bytes) -> None:
        self.status_code, self.content = status, content
        self.headers = {"content-type": content_type}
        self.text = content.decode()


def test_without_a_token_sms_is_disabled_loudly_and_answers_503(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _configure(monkeypatch)
    with caplog.at_level(logging.INFO):
        channel = SmsInput.from_credentials(None)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "SMS is disabled" in errors[0].getMessage() and "TWILIO_AUTH_TOKEN" in errors[0].getMessage()
    form = twilio_form("he has a knife", new_number())
    results = asyncio.run(_serve_and_post(channel, _light_agent(), _never_called, [
        {"data": form, "headers": {"X-Twilio-Signature": sign(form)}},
        {"method": "GET", "path": "/"},
    ]))
    (status, _, body), (health_status, _, _) = results
    assert status == 503 and b"SMS is disabled" in body and b"SMS_INSECURE_DEV" in body
    assert health_status == 503


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"TWILIO_AUTH_TOKEN": "t", "SMS_ID_SECRET": "s" * 32}, "SMS_PUBLIC_URL"),
        ({"TWILIO_AUTH_TOKEN": "t", "SMS_PUBLIC_URL": "sms.example.org", "SMS_ID_SECRET": "s" * 32}, "SMS_PUBLIC_URL"),
        ({"TWILIO_AUTH_TOKEN": "t", "SMS_PUBLIC_URL": PUBLIC_URL}, "SMS_ID_SECRET"),
        ({"TWILIO_AUTH_TOKEN": "t", "SMS_PUBLIC_URL": PUBLIC_URL, "SMS_ID_SECRET": "short"}, "SMS_ID_SECRET"),
        ({"SMS_INSECURE_DEV": "ture"}, "TWILIO_AUTH_TOKEN"),  # a typo keeps checks on
    ],
)
def test_incomplete_sms_settings_disable_sms_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, env: Dict[str, str], problem: str
) -> None:
    _configure(monkeypatch, **env)
    channel = SmsInput.from_credentials(None)
    assert channel.config.disabled and problem in channel.config.disabled


def test_insecure_dev_mode_accepts_unsigned_requests(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _configure(monkeypatch, SMS_INSECURE_DEV="true")
    with caplog.at_level(logging.WARNING):
        channel = SmsInput.from_credentials(None)
    assert channel.config.disabled is None
    assert "NOT checked" in caplog.text and "random" in caplog.text
    [(status, content_type, body)] = asyncio.run(_serve_and_post(channel, _light_agent(), _never_called, [
        {"data": twilio_form("HELP", new_number())},
    ]))
    assert emergency("US") in "\n".join(twiml_messages(_Reply(status, content_type, body)))


def test_sms_quick_exit_reply_sets_what_the_exit_phrase_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    _configure(monkeypatch, TWILIO_AUTH_TOKEN=TWILIO_TOKEN, SMS_PUBLIC_URL=PUBLIC_URL, SMS_ID_SECRET=ID_SECRET,
               SMS_QUICK_EXIT_REPLY="Okay \u2014 bye \U0001F44B")
    channel = SmsInput.from_credentials(None)
    agent = _light_agent()
    phone = new_number()
    conversation = conversation_id(phone, ID_SECRET)
    seen: List[str] = []

    async def rasa(message: Any) -> None:
        seen.append(message.text)
        message.output_channel.messages.append({"recipient_id": message.sender_id, "text": "Chat cleared."})

    async def remember() -> None:
        await agent.tracker_store.save(agent.tracker_store.init_tracker(conversation))

    asyncio.run(remember())
    assert conversation in asyncio.run(_keys(agent))
    form = twilio_form("exit", phone)
    [(status, content_type, body)] = asyncio.run(_serve_and_post(channel, agent, rasa, [
        {"data": form, "headers": {"X-Twilio-Signature": sign(form)}},
    ]))
    assert twiml_messages(_Reply(status, content_type, body)) == ["Okay - bye"]
    assert seen == ["exit"]
    assert conversation not in asyncio.run(_keys(agent))


async def _keys(agent: Any) -> List[str]:
    return list(await agent.tracker_store.keys())


def test_a_failure_inside_still_answers_with_the_safety_net_and_logs_no_text(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _configure(monkeypatch, TWILIO_AUTH_TOKEN=TWILIO_TOKEN, SMS_PUBLIC_URL=PUBLIC_URL, SMS_ID_SECRET=ID_SECRET)
    channel = SmsInput.from_credentials(None)
    phone = new_number()

    class BrokenStore:
        async def retrieve(self, sender_id: str) -> None:
            raise ConnectionError(f"store down for {sender_id}")

    agent = SimpleNamespace(tracker_store=BrokenStore(), lock_store=EphemeralLockStore())
    form = twilio_form("he has a knife canary-sms-77", phone)
    with caplog.at_level(logging.DEBUG):
        [(status, content_type, body)] = asyncio.run(_serve_and_post(channel, agent, _never_called, [
            {"data": form, "headers": {"X-Twilio-Signature": sign(form)}},
        ]))
    reply = twiml_messages(_Reply(status, content_type, body))
    assert reply[0].startswith(crisis_lead("US"))
    assert "ConnectionError" in caplog.text
    assert "canary-sms-77" not in caplog.text and phone not in caplog.text and phone[1:] not in caplog.text
