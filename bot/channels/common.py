"""What every channel does the same way: validate, answer, never stay silent, erase.

Channels call `answer()` instead of Rasa's `on_new_message` directly, so that a
failure anywhere (action server down, Redis down, a bug) still gives the person
a reply with the right hotlines, and nothing they wrote reaches a log.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Awaitable, Callable, Collection, Dict, List, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.config import settings
from bot.conversation import State, Turn, composer
from bot.conversation.turns import turn_from_parse
from bot.nlu.quick_exit import is_quick_exit
from bot.nlu.safety_net import SAFETY_NET_FILE, CrisisRule, crisis_intent_for, load_rules
from bot.stores import erase_conversation
from bot.text import CONTROL_CHARACTERS

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# Matched with fullmatch: `$` would also accept a trailing newline.
_SENDER = re.compile(r"[A-Za-z0-9_.:@+-]{1,128}")
# Conversation ids each channel owns: the widget's random ids and SMS's keyed hashes.
# Nobody may reach one channel's conversations through another (REST cannot write
# into a widget's or a phone's conversation).
CHANNEL_ID_PREFIXES = {"web": "web-", "sms": "sms-"}
# A button's payload: "/" and a domain intent's name, nothing else (no entities, no
# confidence). Rasa's YAML story reader logs any other "/" text whole, and would
# read `/intent{...}` typed by a person as a command.
_PAYLOAD = re.compile(r"/([A-Za-z_][A-Za-z0-9_]*)")
_LEADING_SLASHES = re.compile(r"^[\s/]+")


class BadRequest(ValueError):
    """A request we refuse, with the HTTP status and a message safe to show."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_text(text: Any) -> str:
    """A usable message text, or BadRequest saying plainly what is wrong."""
    if not isinstance(text, str):
        raise BadRequest(400, "'message' must be a string.")
    if not text.strip():
        raise BadRequest(400, "'message' is empty.")
    limit = settings().max_message_chars
    if len(text) > limit:
        raise BadRequest(413, f"'message' is longer than {limit} characters.")
    if CONTROL_CHARACTERS.search(text):
        raise BadRequest(400, "'message' contains control characters.")
    return text


def check_sender(sender: Any, channel: str = "rest") -> str:
    """A usable conversation id of this channel (1-128 letters, digits or _.:@+-)."""
    if not isinstance(sender, str) or not _SENDER.fullmatch(sender):
        raise BadRequest(400, "'sender' must be 1-128 letters, digits or _.:@+- characters.")
    own = CHANNEL_ID_PREFIXES.get(channel)
    if own is not None and not sender.startswith(own):
        raise BadRequest(400, f"'sender' must start with {own!r} on this channel.")
    if own is None and sender.lower().startswith(tuple(CHANNEL_ID_PREFIXES.values())):
        reserved = " or ".join(repr(p) for p in CHANNEL_ID_PREFIXES.values())
        raise BadRequest(400, f"'sender' must not start with {reserved}: those ids belong to other channels.")
    return sender


def screen_payload(text: str, intents: Collection[str]) -> str:
    """The text Rasa may parse: a domain intent's payload ("/affirm") as it is, anything
    else without its leading slashes, so it is read as words ("/{x" -> "{x")."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    payload = _PAYLOAD.fullmatch(stripped)
    if payload and payload.group(1) in intents:
        return stripped
    return _LEADING_SLASHES.sub("", stripped)


def content_type_of(request: Any) -> str:
    """The request's media type, lower-case, without parameters such as charset."""
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


def parse_message_request(request: Any, content_types: Tuple[str, ...] = ("application/json",),
                          channel: str = "rest") -> Tuple[str, str]:
    """(sender, text) from a JSON request body, or BadRequest for every way it can be wrong."""
    content_type = content_type_of(request)
    if content_type not in content_types:
        raise BadRequest(415, f"Send JSON with Content-Type: {' or '.join(content_types)}.")
    # Room for JSON quoting around the longest allowed message.
    if len(request.body) > settings().max_message_chars * 6 + 1024:
        raise BadRequest(413, "The request is too large.")
    try:
        body = json.loads(request.body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest(400, "The request is not valid UTF-8.") from None
    except ValueError:
        raise BadRequest(400, "The request is not valid JSON.") from None
    except RecursionError:
        # json.loads recurses once per nesting level: ~1,000 brackets exhaust the stack.
        raise BadRequest(400, "The request is nested too deeply.") from None
    if not isinstance(body, dict):
        raise BadRequest(400, "Send a JSON object with 'sender' and 'message'.")
    return check_sender(body.get("sender"), channel), check_text(body.get("message"))


@lru_cache(maxsize=1)
def _crisis_rules() -> Tuple[CrisisRule, ...]:
    return load_rules(SAFETY_NET_FILE)


def crisis_intent(text: str | None) -> str | None:
    """Crisis intent from the safety-net phrases alone (no model needed)."""
    return crisis_intent_for(text, _crisis_rules()) if text else None


def error_payload(error: BadRequest) -> Dict[str, Any]:
    """The body of a 4xx: what was wrong, and the core hotlines so nobody is left without them."""
    return {"error": error.message, "messages": [{"text": t} for t in core_messages()]}


def core_messages(region: str | None = None, language: str = "en") -> List[str]:
    """The core hotlines, for errors where we know nothing about the message."""
    return composer().menu(State(region=region, language=language))


def safety_net_messages(text: str | None, state: State, turn: Turn | None = None,
                        phone_country: str | None = None) -> List[str]:
    """What to say without Rasa's actions: the crisis phrases first, else the understood turn, composed from the state."""
    crisis = crisis_intent(text)
    if crisis or turn is None:
        turn = Turn(intent=crisis or "nlu_fallback", text=text or "", phone_country=phone_country)
    return [message.text for message in composer().respond(state, turn).messages]


@dataclass
class Answer:
    """What a channel sends back: Rasa's message dicts, plus whether it was an exit."""

    messages: List[Dict[str, Any]]
    quick_exit: bool


async def answer(
    app: Any,
    on_new_message: OnNewMessage,
    text: str,
    sender_id: str,
    channel: str,
    metadata: Dict[str, Any] | None = None,
) -> Answer:
    """Run one message through Rasa and always return something to send."""
    if text.lstrip().startswith("/"):
        text = screen_payload(text, _domain_intents(app))
        if not text:  # nothing but slashes: nothing for Rasa to read
            return Answer([{"recipient_id": sender_id, "text": t} for t in core_messages()], False)
    collector = CollectingOutputChannel()
    failed = False
    try:
        await on_new_message(
            UserMessage(text, collector, sender_id, input_channel=channel, metadata=metadata)
        )
    except Exception as error:  # noqa: BLE001 - any failure must still answer
        failed = True
        # The exception's class only: messages of Rasa errors can quote user text.
        logger.error(
            "A %s message could not be processed (%s); sent the safety net.",
            channel,
            type(error).__name__,
        )
    exiting = is_quick_exit(text)
    if exiting:
        # The tracker store erases on save; this covers a failure before the save.
        await erase_conversation(app.ctx.agent, sender_id)
        return Answer(collector.messages, True)
    messages = collector.messages
    if not messages or failed:
        texts = await _safety_net(app, text, sender_id, failed, (metadata or {}).get("country"))
        messages = [{"recipient_id": sender_id, "text": t} for t in texts]
    return Answer(messages, False)


def _domain_intents(app: Any) -> Collection[str]:
    domain = getattr(app.ctx.agent, "domain", None)
    return frozenset(domain.intents) if domain is not None else frozenset()


async def _safety_net(app: Any, text: str, sender_id: str, failed: bool, phone_country: str | None) -> List[str]:
    """Answer from what we know: the saved conversation's state, and the crisis phrases."""
    state = State()
    turn = None
    try:
        tracker = await app.ctx.agent.tracker_store.retrieve(sender_id)
    except Exception as error:  # noqa: BLE001
        logger.error("Could not read the conversation for the safety net (%s).", type(error).__name__)
        tracker = None
    if tracker is not None:
        state = State.from_slots(tracker.current_slot_values())
        latest = tracker.latest_message
        if not failed and latest is not None and latest.text == text:
            # Understood but not answered (the action could not run): answer what was understood.
            turn = turn_from_parse(latest.parse_data, {"country": phone_country})
    return safety_net_messages(text, state, turn, phone_country)
