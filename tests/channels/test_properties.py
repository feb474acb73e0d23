"""Property-based tests (Hypothesis) over every channel's request parsing and the SMS text encoder.

The channels run in a real Sanic server in this process (a thread of its own),
with the real stores in memory and a stand-in for Rasa that answers every
message, so thousands of odd requests take seconds. For any request:
never a 5xx; every 4xx of the JSON channels carries the core hotlines; SMS
answers valid, GSM-7 TwiML; nothing the request carried reaches the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any, Dict, Iterator, List

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rasa.shared.core.domain import Domain
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.channels import common, sms_text
from bot.channels.common import BadRequest, parse_message_request, screen_payload
from bot.channels.rest import SafeRestInput
from bot.channels.sms import SmsInput
from bot.channels.sms_form import form_problem, read_form
from bot.channels.web import WebInput
from bot.config import PROJECT_ROOT
from bot.config import settings as bot_settings
from bot.nlu.quick_exit import is_quick_exit
from bot.stores import EphemeralLockStore, EphemeralTrackerStore
from tests.expected import emergency
from tools.harness import free_port

MARK = "zqxjcanary"  # in every generated text, so the log can be searched for any of it
TOKEN = "fuzz-twilio-token-0b9e"
PUBLIC_URL = "https://sms.example.org/webhooks/sms/webhook"
DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))
HTTP = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


class LogCapture(logging.Handler):
    """Everything logged at any level, from any thread (the server runs in another)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def channels() -> Iterator[SimpleNamespace]:
    """REST, web and SMS blueprints in one real Sanic server, with a stand-in for Rasa."""
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "SMS_PUBLIC_URL": PUBLIC_URL, "SMS_ID_SECRET": "fuzz-id-secret-5d1c2a7b",
           "SMS_INSECURE_DEV": "false", "REDIS_URL": "", "CONVERSATION_TTL_MINUTES": "1"}
    import os

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    bot_settings.cache_clear()

    async def rasa(message: Any) -> None:
        # Answers with what a channel must never echo into a log: the text itself.
        message.output_channel.messages.append({"recipient_id": message.sender_id, "text": f"ok {message.text}",
                                                "buttons": [{"title": "Yes", "payload": "/affirm"}]})

    agent = SimpleNamespace(tracker_store=EphemeralTrackerStore(DOMAIN), lock_store=EphemeralLockStore(), domain=DOMAIN)
    port = free_port()
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    capture = LogCapture()
    logging.getLogger().addHandler(capture)

    async def start() -> Any:
        Sanic.test_mode = True
        app = Sanic(f"fuzz_{uuid.uuid4().hex[:8]}")
        app.ctx.agent = agent
        for channel, prefix in ((SafeRestInput(), "rest"), (WebInput.from_credentials(None), "web"),
                                (SmsInput.from_credentials(None), "sms")):
            app.blueprint(channel.blueprint(rasa), url_prefix=f"/webhooks/{prefix}")
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.before_start()
        await server.start_serving()
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        holder["server"] = loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    holder: Dict[str, Any] = {}
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}", log=capture)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        logging.getLogger().removeHandler(capture)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        bot_settings.cache_clear()


def marked(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return text.map(lambda t: f"{t}{MARK}{t[:3]}")


texts = marked(st.text(max_size=60))
# Values a JSON body can carry, nested a little.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
senders = st.one_of(texts, st.from_regex(r"[A-Za-z0-9_.:@+-]{1,12}", fullmatch=True).map(lambda s: s + MARK),
                    st.sampled_from(["web-" + MARK, "sms-" + MARK, MARK + "\n"]), json_values)
messages = st.one_of(texts, st.sampled_from(["/", "//" + MARK, "/{" + MARK, "/@" + MARK, "/affirm", "exit " + MARK]),
                     json_values)
bodies = st.one_of(
    st.builds(lambda s, m: json.dumps({"sender": s, "message": m}).encode(), senders, messages),
    st.builds(lambda b: json.dumps(b).encode(), json_values),
    st.binary(max_size=200).map(lambda b: b + MARK.encode()),
    st.integers(1, 3000).map(lambda depth: b'{"sender": "' + MARK.encode() + b'", "message": ' + b"[" * depth
                             + b"]" * depth + b"}"),
)
content_types = st.sampled_from(["application/json", "text/plain;charset=UTF-8", "text/plain", "",
                                 "application/x-www-form-urlencoded", "application/json; charset=latin-1"])


def assert_clean_log(channels: SimpleNamespace) -> None:
    leaked = [line for line in channels.log.lines if MARK in line]
    assert not leaked, leaked[:3]


def assert_hotlines_on_4xx(reply: requests.Response) -> None:
    assert reply.status_code < 500, reply.text[:300]
    if reply.status_code >= 400:
        payload = reply.json()
        assert emergency("US") in payload["messages"][0]["text"]


@HTTP
@given(body=bodies, content_type=content_types)
def test_rest_never_5xx_and_every_4xx_carries_the_hotlines(channels: SimpleNamespace, body: bytes,
                                                           content_type: str) -> None:
    reply = requests.post(channels.url + "/webhooks/rest/webhook", data=body, timeout=30,
                          headers={"Content-Type": content_type})
    assert_hotlines_on_4xx(reply)
    if reply.status_code == 200:
        assert isinstance(reply.json(), list)
    assert_clean_log(channels)


origins = st.lists(st.one_of(st.sampled_from(["http://127.0.0.1", "null", "http://[", "https://evil.test"]),
                             st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30)),
                   max_size=2)


@HTTP
@given(body=bodies, content_type=content_types, origin_headers=origins)
def test_web_never_5xx_and_every_4xx_carries_the_hotlines(channels: SimpleNamespace, body: bytes, content_type: str,
                                                          origin_headers: List[str]) -> None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", int(channels.url.rsplit(":", 1)[1]), timeout=30)
    connection.putrequest("POST", "/webhooks/web/webhook")
    for origin in origin_headers:
        connection.putheader("Origin", origin)
    connection.putheader("Content-Type", content_type)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    raw = connection.getresponse()
    status, payload, headers = raw.status, raw.read(), dict(raw.getheaders())
    connection.close()
    assert status < 500, payload[:300]
    assert headers.get("Content-Security-Policy", "").startswith("default-src 'none'")
    if status >= 400:
        assert emergency("US") in json.loads(payload)["messages"][0]["text"]
    assert_clean_log(channels)


field_names = st.one_of(st.sampled_from(["MessageSid", "From", "Body", "To", "", "MessageSi", "SmsSid", "NumMedia"]),
                        st.text(max_size=10))
forms = st.dictionaries(field_names, texts, max_size=6)


def _twiml_bodies(payload: bytes) -> List[str]:
    root = ET.fromstring(payload)
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]


@HTTP
@given(form=forms, real=st.booleans(), sid=st.sampled_from(["good", "bad", "none"]), body=texts)
def test_sms_never_5xx_and_answers_valid_gsm7_twiml(channels: SimpleNamespace, form: Dict[str, str], real: bool,
                                                    sid: str, body: str) -> None:
    if real:  # a form of Twilio's own shape, with fuzzed values
        form = {"From": "+1555" + str(uuid.uuid4().int)[:7], "To": "+15550001111", "Body": body,
                "AccountSid": "AC" + "0" * 32, "NumMedia": "0", **({} if sid == "none" else {
                    "MessageSid": ("SM" + uuid.uuid4().hex) if sid == "good" else "SM" + MARK})}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, form)
    reply = requests.post(channels.url + "/webhooks/sms/webhook", data=form, timeout=30,
                          headers={"X-Twilio-Signature": signature,
                                   "Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status_code in (200, 400), reply.text[:300]
    if reply.status_code == 200:
        for message in _twiml_bodies(reply.content):
            assert sms_text.is_gsm7(message) and sms_text.gsm7_length(message) <= sms_text.MAX_SMS_CHARS
    else:
        assert "<Message>" not in reply.text
    if real and sid == "good":
        assert reply.status_code == 200
    assert_clean_log(channels)


@HTTP
@given(body=st.binary(max_size=300))
def test_sms_unsigned_or_odd_bodies_are_refused_without_processing(channels: SimpleNamespace, body: bytes) -> None:
    reply = requests.post(channels.url + "/webhooks/sms/webhook", data=body + MARK.encode(), timeout=30,
                          headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"})
    assert reply.status_code == 403
    assert_clean_log(channels)


# ---- pure functions: many more examples ---------------------------------------------

@settings(max_examples=1000, deadline=None)
@given(body=st.binary(max_size=400), content_type=content_types)
def test_parsing_a_body_returns_or_refuses_nothing_else(body: bytes, content_type: str) -> None:
    request = SimpleNamespace(headers={"content-type": content_type}, body=body)
    for channel in ("rest", "web"):
        try:
            sender, text = parse_message_request(request, ("application/json", "text/plain"), channel)
        except BadRequest as error:
            assert 400 <= error.status < 500
        else:
            assert common._SENDER.fullmatch(sender) and text.strip()


@settings(max_examples=1000, deadline=None)
@given(text=st.text(max_size=80))
def test_screened_text_is_a_domain_payload_or_starts_without_a_slash(text: str) -> None:
    screened = screen_payload(text, DOMAIN.intents)
    if screened.startswith("/"):
        assert screened[1:] in DOMAIN.intents
    assert screen_payload(screened, DOMAIN.intents) == screened


@settings(max_examples=1000, deadline=None)
@given(left=st.text(max_size=10), right=st.text(max_size=10),
       letter=st.characters(categories=["Lu", "Ll", "Lo", "Nd"]))
def test_no_letter_of_any_script_beside_the_phrase_is_an_exit(left: str, right: str, letter: str) -> None:
    assume(letter.isalnum())
    assert not is_quick_exit(f"{left} exit {letter}{right}", ("exit",))
    assert not is_quick_exit(f"{left}{letter} exit {right}", ("exit",))


@settings(max_examples=1000, deadline=None)
@given(body=st.binary(max_size=400))
def test_reading_any_form_never_raises(body: bytes) -> None:
    form = read_form(SimpleNamespace(headers={"content-type": "application/x-www-form-urlencoded"}, body=body))
    assert form is not None
    problem = form_problem(form)
    assert problem is None or isinstance(problem, str)


sms_texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=900)


@settings(max_examples=1000, deadline=None)
@given(text=sms_texts)
def test_the_encoder_gives_gsm7_only_and_is_stable(text: str) -> None:
    encoded = sms_text.to_gsm7(text)
    assert sms_text.is_gsm7(encoded)
    assert sms_text.to_gsm7(encoded) == encoded


@settings(max_examples=500, deadline=None)
@given(texts_=st.lists(sms_texts, max_size=4), extra=st.lists(sms_texts, max_size=2),
       buttons=st.lists(st.fixed_dictionaries({"title": st.text(max_size=40), "payload": st.text(max_size=20)}),
                        max_size=4))
def test_every_reply_splits_into_gsm7_messages_of_at_most_320_that_keep_every_word(
    texts_: List[str], extra: List[str], buttons: List[Dict[str, str]]
) -> None:
    messages = [{"text": t} for t in texts_] + ([{"text": "Choose", "buttons": buttons}] if buttons else [])
    bodies_ = sms_text.render_reply(messages, "Reply {n} for {title}", extra)
    for body in bodies_:
        assert body and sms_text.is_gsm7(body) and sms_text.gsm7_length(body) <= sms_text.MAX_SMS_CHARS
    whole = "".join(sms_text.to_gsm7("\n\n".join(
        [*(t for t in texts_), *(["Choose", *sms_text.choice_lines(buttons, "Reply {n} for {title}")] if buttons else []),
         *extra])).split())
    assert "".join("".join(bodies_).split()) == whole


@settings(max_examples=1000, deadline=None)
@given(text=st.text(max_size=20), count=st.integers(0, 12))
def test_a_numbered_choice_picks_a_listed_payload_or_nothing(text: str, count: int) -> None:
    buttons = [{"title": f"t{i}", "payload": f"/p{i}"} for i in range(count)]
    picked = sms_text.chosen_payload(text, buttons)
    assert picked is None or picked in {b["payload"] for b in buttons}
