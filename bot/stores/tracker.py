"""The tracker store: conversations that expire when idle and vanish on quick exit.

Rasa 3.6 traps this module exists to avoid (read in rasa/core/):
- no tracker store can delete, and the processor saves the tracker *after*
  the actions ran, so an erase inside a custom action is undone. We erase in
  `save()` itself, when the message being saved is a quick exit.
- RedisTrackerStore merges the stored tracker into the one being saved, which
  would resurrect erased events; we overwrite instead.
- FailSafeTrackerStore falls back to an InMemoryTrackerStore that never
  expires anything when a store raises; we never raise for Redis outages and
  fall back to our own expiring memory instead (bot.stores.kv).
- Every store keeps a conversation's whole history, and every message reads,
  replays and rewrites all of it, so each reply gets slower as a conversation
  goes on. We keep the latest turns and the current slot values only: less of
  what someone wrote is held, and the cost of a message stays flat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any, Iterable, List

from rasa.core.tracker_store import SerializedTrackerAsText, TrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions

from bot.config import settings
from bot.nlu.quick_exit import QUICK_EXIT_INTENT
from bot.stores.kv import KEY_PREFIX, shared_kv

# User messages kept per conversation (with what followed each). Must cover
# MemoizationPolicy's max_history (4, config.yml) and how far back routing looks
# for the conversation's state (bot.conversation).
KEPT_USER_TURNS = 6

# After an erase, a tombstone says "store nothing for this conversation" for a few
# minutes: a message still uploading when the exit landed (Sanic waits up to 60 s
# for a body; the lock a little more) is answered but not kept, so it cannot bring
# the conversation back. Its key is a keyed hash of the id, never the id.
ERASED_PREFIX = KEY_PREFIX + "erased:"
ERASED_TTL_SECONDS = 3 * 60.0
# The tombstones' hash key: random, made once by whichever server needs it first and
# shared through the same store, so every server finds every tombstone.
ERASE_KEY = KEY_PREFIX + "erase-key"


class EphemeralTrackerStore(TrackerStore, SerializedTrackerAsText):
    """Conversations that expire when idle and vanish on quick exit."""

    PREFIX = KEY_PREFIX + "tracker:"

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: Any = None,
        **kwargs: Any,
    ) -> None:
        # No event broker, ever: a broker would copy every message elsewhere.
        super().__init__(domain, None)
        self.kv = shared_kv()
        self.ttl = settings().conversation_ttl_seconds
        self._key: bytes | None = None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store (refreshing expiry), or erase when this message was a quick exit."""
        if asks_for_quick_exit(tracker):
            await self.erase(tracker.sender_id)
            return
        stored = json.dumps(Dialogue(tracker.sender_id, recent_events(tracker)).as_dict())
        # One atomic command: nothing is written while the conversation's tombstone lasts.
        self.kv.set_unless(self.PREFIX + tracker.sender_id, stored, self.ttl, self._tombstone(tracker.sender_id))

    async def erase(self, sender_id: str) -> None:
        """Remove everything kept for this conversation, and keep late messages out for a while."""
        self.kv.set(self._tombstone(sender_id), "1", ERASED_TTL_SECONDS)
        self.kv.delete(self.PREFIX + sender_id)

    def _tombstone(self, sender_id: str) -> str:
        digest = hmac.new(self._erase_key(), sender_id.encode("utf-8"), hashlib.sha256).hexdigest()
        return ERASED_PREFIX + digest

    def _erase_key(self) -> bytes:
        if self._key is None:
            self.kv.add_if_absent(ERASE_KEY, secrets.token_hex(32), 10 * 365 * 24 * 3600.0)
            found = self.kv.get(ERASE_KEY)
            if found is None:  # the store lost it at once: a key for now, asked for again next time
                return secrets.token_bytes(32)
            self._key = found.encode("utf-8")
        return self._key

    async def exists(self, conversation_id: str) -> bool:
        """Whether the conversation is still kept, without deserialising it."""
        return self.kv.get(self.PREFIX + conversation_id) is not None

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The latest session of the conversation, if it has not expired."""
        tracker = await self.retrieve_full_tracker(sender_id)
        if tracker is None:
            return None
        sessions = get_trackers_for_conversation_sessions(tracker)
        return sessions[-1] if len(sessions) > 1 else tracker

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        """All sessions of the conversation, if it has not expired."""
        stored = self.kv.get(self.PREFIX + sender_id)
        return None if stored is None else self.deserialise_tracker(sender_id, stored)

    async def keys(self) -> Iterable[str]:
        """Conversation ids currently kept."""
        return [k[len(self.PREFIX):] for k in self.kv.keys(self.PREFIX)]


def recent_events(tracker: DialogueStateTracker, user_turns: int = KEPT_USER_TURNS) -> List[Event]:
    """The conversation cut to its last `user_turns` user messages, slots intact.

    The cut starts a fresh session (as Rasa's own session start does) that sets
    the slots to their current values, then replays the kept turns from the
    listen before the oldest of them, so policies see the same recent history.
    """
    events = list(tracker.events)
    user_positions = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
    if len(user_positions) <= user_turns:
        return events
    start = user_positions[-user_turns]
    before = events[start - 1]
    if isinstance(before, ActionExecuted) and before.action_name == ACTION_LISTEN_NAME:
        start -= 1
    when = events[start].timestamp
    head: List[Event] = [
        ActionExecuted(ACTION_SESSION_START_NAME, timestamp=when),
        SessionStarted(timestamp=when),
    ]
    head += [
        SlotSet(name, slot.value, timestamp=when)
        for name, slot in tracker.slots.items()
        if slot.value != slot.initial_value
    ]
    return head + events[start:]


def asks_for_quick_exit(tracker: DialogueStateTracker) -> bool:
    """Whether the message being handled is a quick exit."""
    latest = tracker.latest_message
    return bool(latest and (latest.intent or {}).get("name") == QUICK_EXIT_INTENT)
