"""SMS channel at /webhooks/sms/webhook: Twilio's messaging webhook, answered with TwiML.

Replaces Rasa's `twilio` channel, which trusts any POST, keys conversations by
the raw phone number and replies through Twilio's REST API. Here:
- every request's X-Twilio-Signature is checked with twilio's RequestValidator
  against SMS_PUBLIC_URL (the URL Twilio calls, not the one a proxy hands us);
  a bad signature gets 403 and nothing is processed;
- the reply is the HTTP response (<Response><Message>...), so we only ever
  answer someone who texted us, and need no outbound API credentials;
- the conversation id is HMAC-SHA256(SMS_ID_SECRET, number): the number itself
  is never stored or logged;
- replies are GSM-7, at most 320 characters each; buttons become "Reply 1 for ...";
- HELP/INFO, STOP (and the other opt-out words) and START are honoured;
- a repeated MessageSid is answered once; a failure anywhere still answers with
  the safety net, never a 5xx to the gateway.

Without TWILIO_AUTH_TOKEN (and without SMS_INSECURE_DEV=true) the channel is
disabled: one ERROR line at start-up and 503 with that message on every SMS
request, while the web and REST channels keep working.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Mapping, Sequence

import yaml
from rasa.core.channels.channel import InputChannel
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.common import (
    BadRequest,
    OnNewMessage,
    answer,
    check_text,
    core_messages,
    safety_net_messages,
)
from bot.channels.sms_form import FORM_TYPE, MAX_FORM_BYTES, Params, form_problem, read_form
from bot.channels.sms_text import chosen_payload, render_reply
from bot.config import PROJECT_ROOT, Settings, settings
from bot.conversation import State
from bot.places import country_for_phone
from bot.stores import KEY_PREFIX, erase_conversation, shared_kv
from bot.text import CONTROL_CHARACTERS, normalise

logger = logging.getLogger(__name__)

WORDS_FILE = PROJECT_ROOT / "data" / "sms.yml"
_WORD_KEYS = ("first_notice", "choice", "help_footer", "resume")

# A MessageSid seen in the last day is a replay: Twilio does not retry messaging
# webhooks after that, and a day of hashed ids is small.
SID_PREFIX = KEY_PREFIX + "sms-sid:"
SID_TTL_SECONDS = 24 * 3600.0
# An opt-out is kept for a year under the keyed hash only. Twilio enforces STOP on
# its side too; this copy keeps us silent if that is ever switched off.
OPT_OUT_PREFIX = KEY_PREFIX + "sms-optout:"
OPT_OUT_TTL_SECONDS = 365 * 24 * 3600.0
MIN_SECRET_CHARS = 16

# Twilio's default keywords (whole message, any case). YES re-subscribes only
# someone who opted out: otherwise it is an ordinary answer ("yes, I can chat").
OPT_OUT_WORDS = frozenset({"stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit",
                           "optout", "opt out", "revoke"})
OPT_IN_WORDS = frozenset({"start", "unstop", "yes", "optin", "opt in"})
HELP_WORDS = frozenset({"help", "info"})
# Spanish keywords (whole message): AYUDA is HELP in Spanish and switches the
# conversation to Spanish; ESPANOL switches it (the NLU reads it as switch_language).
SPANISH_HELP_WORDS = frozenset({"ayuda"})
SPANISH_WORDS = frozenset({"espanol"})
LANGUAGES = ("en", "es")

_HOW_TO_ENABLE = (
    "Set TWILIO_AUTH_TOKEN, SMS_PUBLIC_URL and SMS_ID_SECRET (README: 'Connecting SMS (Twilio)'), "
    "or SMS_INSECURE_DEV=true to try SMS locally without signature checks."
)


@lru_cache(maxsize=2)
def sms_words(language: str = "en") -> Dict[str, str]:
    """The SMS-only sentences from data/sms.yml in a language, checked to be all there."""
    loaded = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8")) or {}
    words = loaded if language == "en" else loaded.get(language) or {}
    missing = [key for key in _WORD_KEYS if not isinstance(words.get(key), str)]
    if missing:
        raise ValueError(f"{WORDS_FILE}: missing {', '.join(missing)} ({language})")
    return {key: words[key] for key in _WORD_KEYS}


def conversation_id(number: str, secret: str) -> str:
    """The conversation id for a phone number: a keyed hash, never the number."""
    digest = hmac.new(secret.encode("utf-8"), number.strip().encode("utf-8"), hashlib.sha256)
    return "sms-" + digest.hexdigest()


def twiml(bodies: Iterable[str]) -> HTTPResponse:
    """<Response> with one <Message> per body (xml-escaped); no bodies = send nothing."""
    reply = MessagingResponse()
    for body in bodies:
        reply.message(body)
    return response.text(reply.to_xml(xml_declaration=True), content_type="text/xml")


@dataclass(frozen=True)
class SmsConfig:
    """What the channel needs from the settings, checked once at start-up."""

    validator: RequestValidator | None
    public_url: str
    id_secret: str
    disabled: str | None  # why SMS is off, or None

    @classmethod
    def from_settings(cls, config: Settings) -> SmsConfig:
        """Check the SMS settings; log once what is wrong or unsafe."""
        problems: List[str] = []
        insecure = config.sms_insecure_dev
        token, url, secret = config.twilio_auth_token, config.sms_public_url or "", config.sms_id_secret
        if not token and not insecure:
            problems.append("TWILIO_AUTH_TOKEN is not set")
        if token and not re.match(r"^https?://[^\s/?#]+", url):
            problems.append("SMS_PUBLIC_URL must be the full URL Twilio calls, "
                            "e.g. https://help.example.org/webhooks/sms/webhook")
        if secret and len(secret) < MIN_SECRET_CHARS:
            problems.append(f"SMS_ID_SECRET must be at least {MIN_SECRET_CHARS} characters")
        elif not secret and not insecure:
            problems.append("SMS_ID_SECRET is not set")
        if problems:
            reason = "SMS is disabled: " + "; ".join(problems) + ". " + _HOW_TO_ENABLE
            logger.error(reason)
            return cls(None, url, "", reason)
        if insecure and not token:
            logger.warning("SMS_INSECURE_DEV is on: SMS requests are NOT checked for Twilio's "
                           "signature. Never use this where the server can be reached from outside.")
        if not secret:
            logger.warning("SMS_ID_SECRET is not set: using a random one, so SMS conversations "
                           "end when this server restarts and are not shared with other servers.")
            secret = secrets.token_hex(32)
        return cls(RequestValidator(token) if token else None, url, secret, None)


class SmsInput(InputChannel):
    """Twilio-compatible SMS: signed requests in, TwiML out, no phone number kept."""

    @classmethod
    def name(cls) -> str:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> SmsInput:
        """Called by Rasa at start-up. Settings come from .env, not credentials.yml."""
        for language in LANGUAGES:  # a broken data file should fail here, not on someone's first text
            sms_words(language)
        return cls(SmsConfig.from_settings(settings()))

    def __init__(self, config: SmsConfig) -> None:
        self.config = config

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: GET / (status) and POST /webhook (Twilio's messaging webhook)."""
        blueprint = Blueprint("sms_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if self.config.disabled:
                return response.json({"status": "disabled", "reason": self.config.disabled}, status=503)
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.config.disabled:
                return response.text(self.config.disabled, status=503)
            if len(request.body or b"") > MAX_FORM_BYTES:
                return response.text("The request is too large.", status=413)
            form = read_form(request)
            if not self._authentic(request, form):
                # Nothing from the request is logged; the usual cause is a mismatched setting.
                logger.warning("Refused an SMS request without a valid Twilio signature (403). If real "
                               "texts get this, check SMS_PUBLIC_URL and TWILIO_AUTH_TOKEN.")
                return response.text("Forbidden: the X-Twilio-Signature is missing or wrong.", status=403)
            if form is None:
                return response.text(f"Send the webhook as {FORM_TYPE}.", status=415)
            problem = form_problem(form) if self.config.validator is not None else None
            if problem:
                # A re-spelt replay of a signed form, or a parameter Twilio added (then see TWILIO_FIELDS).
                logger.warning("Refused a signed SMS request with %s (400). If real texts get this, "
                               "Twilio may have added a parameter: see bot/channels/sms_form.py.", problem)
                return response.text(f"Refused: {problem}.", status=400)
            try:
                return await self._reply(request, on_new_message, form)
            except Exception as error:  # noqa: BLE001 - the gateway must never get a 5xx
                logger.error("An SMS could not be processed (%s); sent the safety net.",
                             type(error).__name__)
                return self._safety_net(form.get("Body"), State())

        return blueprint

    # ---- checks -----------------------------------------------------------
    def _authentic(self, request: Request, form: Params | None) -> bool:
        validator = self.config.validator
        if validator is None:  # SMS_INSECURE_DEV without a token
            return True
        signature = request.headers.get("x-twilio-signature") or ""
        if not signature:
            return False
        return bool(validator.validate(self.config.public_url, form or {}, signature))

    def _hash(self, value: str) -> str:
        return conversation_id(value, self.config.id_secret)[len("sms-"):]

    def _first_time(self, sid: str) -> bool:
        """Record a MessageSid; False if it was seen before (a replay or a retry)."""
        return shared_kv().add_if_absent(SID_PREFIX + self._hash(sid), "1", SID_TTL_SECONDS)

    # ---- replies ----------------------------------------------------------
    async def _reply(self, request: Request, on_new_message: OnNewMessage, form: Params) -> HTTPResponse:
        sid = form.get("MessageSid") or form.get("SmsSid")
        if sid and not self._first_time(sid):
            return twiml([])
        number = (form.get("From") or "").strip()
        text = CONTROL_CHARACTERS.sub(" ", form.get("Body") or "").strip()
        if not number:
            logger.warning("A signed SMS request had no From; answered with the core hotlines.")
            return self._safety_net(text, State())
        conversation = conversation_id(number, self.config.id_secret)
        # Only the country of the calling code (+44 -> GB) goes further; the number does not.
        country = country_for_phone(number)
        del number
        agent = request.app.ctx.agent
        kv = shared_kv()
        keyword = normalise(text)
        if keyword in OPT_OUT_WORDS:
            kv.set(OPT_OUT_PREFIX + conversation, "1", OPT_OUT_TTL_SECONDS)
            await erase_conversation(agent, conversation)
            return twiml([])  # carriers forbid anything after STOP but their own confirmation
        if kv.get(OPT_OUT_PREFIX + conversation) is not None:
            if keyword in OPT_IN_WORDS:
                kv.delete(OPT_OUT_PREFIX + conversation)
                return twiml(self._render([], [sms_words()["resume"]]))
            return twiml([])

        tracker = await agent.tracker_store.retrieve(conversation)
        state = State.from_slots(tracker.current_slot_values()) if tracker is not None else State()
        if not state.region:
            state = replace(state, region=country)
        if keyword in SPANISH_HELP_WORDS or keyword in SPANISH_WORDS:
            state = replace(state, language="es")
        first = not _has_user_message(tracker)
        if keyword in SPANISH_HELP_WORDS:
            await _remember_language(agent, conversation, "es")
        if keyword in HELP_WORDS or keyword in SPANISH_HELP_WORDS:
            words = sms_words(state.language)
            return twiml(self._render([], [*core_messages(state.region, state.language), words["help_footer"],
                                           *self._notice(first, state.language)], state.language))
        try:
            text = check_text(text)
        except BadRequest:
            # From the real gateway, so someone is waiting: an empty text (a picture) or
            # an over-long one still gets the numbers, by crisis phrases alone if need be.
            return self._safety_net(text, state, self._notice(first, state.language))

        notice = self._notice(first, state.language)
        text = chosen_payload(text, _last_buttons(tracker)) or text
        result = await answer(request.app, on_new_message, text, conversation, self.name(),
                              metadata={"country": country} if country else None)
        if result.quick_exit:
            # By default nothing: a confirmation on the phone shows there was a chat.
            reply = settings().sms_quick_exit_reply
            return twiml(self._render([], [reply] if reply else []))
        return twiml(self._render(result.messages, notice, state.language))

    def _render(self, messages: Iterable[Mapping[str, Any]], extra: Sequence[str], language: str = "en") -> List[str]:
        return render_reply(messages, sms_words(language)["choice"], extra)

    def _notice(self, first: bool, language: str) -> List[str]:
        """The first reply's notice that texts stay on the phone (nothing after that)."""
        if not first:
            return []
        phrases = settings().quick_exit_phrases
        exit_phrase = "salir" if language == "es" and "salir" in phrases else phrases[0]
        return [sms_words(language)["first_notice"].format(exit=exit_phrase.upper())]

    def _safety_net(self, text: str | None, state: State, extra: Sequence[str] = ()) -> HTTPResponse:
        """The reply from the hotline directory alone (crisis phrases, else the core hotlines)."""
        try:
            return twiml(self._render([], [*safety_net_messages(text, state), *extra], state.language))
        except Exception as error:  # noqa: BLE001 - still a valid, empty TwiML, never a 5xx
            logger.error("The SMS safety net failed (%s).", type(error).__name__)
            return twiml([])


async def _remember_language(agent: Any, conversation: str, language: str) -> None:
    """Set the conversation's language slot without a turn (AYUDA is a keyword, not a message)."""
    async with agent.lock_store.lock(conversation):
        store = agent.tracker_store
        tracker = await store.retrieve(conversation) or store.init_tracker(conversation)
        tracker.update(SlotSet("language", language))
        await store.save(tracker)


def _has_user_message(tracker: Any) -> bool:
    return tracker is not None and any(isinstance(e, UserUttered) for e in tracker.events)


def _last_buttons(tracker: Any) -> List[Mapping[str, Any]]:
    """Buttons of the bot's last turn, in the order `render_reply` numbered them."""
    if tracker is None:
        return []
    turn: List[Mapping[str, Any]] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            turn = list((event.data or {}).get("buttons") or []) + turn
    return turn
