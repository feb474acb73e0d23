"""Tracker and lock stores that forget: quick exit erases, idle conversations expire.

Configured in endpoints.yml; both read REDIS_URL and CONVERSATION_TTL_MINUTES
from `bot.config`. Without REDIS_URL everything stays in this process's memory
(nothing on disk); with it, every Rasa server behind a load balancer shares the
same conversations, and Redis key expiry does the forgetting.

Rasa 3.6 traps this module exists to avoid (read in rasa/core/):
- no tracker store can delete, and the processor saves the tracker *after*
  the actions ran, so an erase inside a custom action is undone. We erase in
  `save()` itself, when the message being saved is a quick exit.
- RedisTrackerStore merges the stored tracker into the one being saved, which
  would resurrect erased events; we overwrite instead.
- FailSafeTrackerStore falls back to an InMemoryTrackerStore that never
  expires anything when a store raises; we never raise for Redis outages and
  fall back to our own expiring memory instead.
- Every store keeps a conversation's whole history, and every message reads,
  replays and rewrites all of it, so each reply gets slower as a conversation
  goes on. We keep the latest turns and the current slot values only: less of
  what someone wrote is held, and the cost of a message stays flat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, Iterable, List, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.core.tracker_store import SerializedTrackerAsText, TrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import (
    DialogueStateTracker,
    get_trackers_for_conversation_sessions,
)

from bot import rasa_speedups
from bot.config import settings
from bot.nlu.quick_exit import QUICK_EXIT_INTENT

rasa_speedups.install()

logger = logging.getLogger(__name__)

KEY_PREFIX = "helpbot:"
# A lock outlives no request by much; expiry only matters if a server dies mid-message.
LOCK_TTL_SECONDS = 120.0
LOCK_POLL_SECONDS = 0.01
REDIS_RETRY_SECONDS = 5.0
# User messages kept per conversation (with what followed each). Must cover
# MemoizationPolicy's max_history (4, config.yml) and how far back routing looks
# for the need when someone says where they are (bot.hotlines.need_for_conversation).
KEPT_USER_TURNS = 6


class _MemoryKV:
    """Expiring key-value pairs in this process, swept on access and by a timer."""

    def __init__(self) -> None:
        self._items: Dict[str, Tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._items.get(key)
            if item and item[1] > time.monotonic():
                return item[0]
            self._items.pop(key, None)
            return None

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            self._items[key] = (value, time.monotonic() + ttl)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def add_if_absent(self, key: str, value: str, ttl: float) -> bool:
        """Set only when missing (or expired); True when this call set it."""
        with self._lock:
            item = self._items.get(key)
            if item and item[1] > time.monotonic():
                return False
            self._items[key] = (value, time.monotonic() + ttl)
            return True

    def keys(self, prefix: str) -> List[str]:
        self.sweep()
        with self._lock:
            return [k for k in self._items if k.startswith(prefix)]

    def sweep(self) -> int:
        """Drop expired items; returns how many were dropped."""
        now = time.monotonic()
        with self._lock:
            expired = [k for k, (_, until) in self._items.items() if until <= now]
            for key in expired:
                del self._items[key]
        return len(expired)


class KeyValue:
    """Redis when configured and reachable, else expiring memory; never raises for Redis."""

    def __init__(self, redis_url: str | None) -> None:
        self.memory = _MemoryKV()
        self.redis: Any = None
        self._redis_down_until = 0.0
        self._redis_down = False
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(
                redis_url, socket_timeout=1.0, socket_connect_timeout=1.0
            )
        self._start_sweeper()

    def _start_sweeper(self) -> None:
        interval = min(60.0, max(1.0, settings().conversation_ttl_seconds / 4))

        def sweep_forever() -> None:
            while True:
                time.sleep(interval)
                self.memory.sweep()

        threading.Thread(target=sweep_forever, name="conversation-expiry", daemon=True).start()

    def _use_redis(self) -> bool:
        return self.redis is not None and time.monotonic() >= self._redis_down_until

    def _redis_failed(self, error: Exception) -> None:
        self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
        if not self._redis_down:
            self._redis_down = True
            # The error class only: its message can carry the key (a conversation id).
            logger.error(
                "Redis is unreachable (%s); conversations are kept in this server's "
                "expiring memory until it is back.",
                type(error).__name__,
            )

    def _redis_ok(self) -> None:
        if self._redis_down:
            self._redis_down = False
            logger.warning("Redis is reachable again.")

    def _redis(self, operation: str, *args: Any, **kwargs: Any) -> Tuple[bool, Any]:
        """Run a Redis command; (False, None) when Redis is not usable now."""
        if not self._use_redis():
            return False, None
        import redis

        try:
            result = getattr(self.redis, operation)(*args, **kwargs)
        except redis.RedisError as error:
            self._redis_failed(error)
            return False, None
        self._redis_ok()
        return True, result

    def get(self, key: str) -> str | None:
        ok, value = self._redis("get", key)
        if ok and value is not None:
            return value.decode("utf-8")
        return self.memory.get(key)

    def set(self, key: str, value: str, ttl: float) -> None:
        ok, _ = self._redis("set", key, value, px=int(ttl * 1000))
        if ok:
            self.memory.delete(key)
        else:
            self.memory.set(key, value, ttl)

    def delete(self, key: str) -> None:
        self._redis("delete", key)
        self.memory.delete(key)

    def add_if_absent(self, key: str, value: str, ttl: float) -> bool:
        """Atomic set-if-missing (Redis SET NX), so two servers cannot both claim a key."""
        ok, created = self._redis("set", key, value, px=int(ttl * 1000), nx=True)
        if ok:
            return bool(created)
        return self.memory.add_if_absent(key, value, ttl)

    def keys(self, prefix: str) -> List[str]:
        found = set(self.memory.keys(prefix))
        ok, redis_keys = self._redis("keys", prefix + "*")
        if ok:
            found.update(k.decode("utf-8") for k in redis_keys)
        return sorted(found)


_shared: Dict[str | None, KeyValue] = {}
_shared_lock = threading.Lock()


def shared_kv() -> KeyValue:
    """One KeyValue per process and REDIS_URL, shared by the tracker and lock stores."""
    url = settings().redis_url
    with _shared_lock:
        if url not in _shared:
            _shared[url] = KeyValue(url)
        return _shared[url]


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

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store (refreshing expiry), or erase when this message was a quick exit."""
        if asks_for_quick_exit(tracker):
            await self.erase(tracker.sender_id)
            return
        stored = json.dumps(Dialogue(tracker.sender_id, recent_events(tracker)).as_dict())
        self.kv.set(self.PREFIX + tracker.sender_id, stored, self.ttl)

    async def erase(self, sender_id: str) -> None:
        """Remove everything kept for this conversation."""
        self.kv.delete(self.PREFIX + sender_id)

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


class EphemeralLockStore(LockStore):
    """Per-conversation locks in the same place as the conversations, with expiry.

    Rasa's own protocol reads and rewrites a ticket record about seven times a
    message (with Redis, seven blocking round trips), and two servers can both
    take the first ticket. Here one atomic set-if-absent takes the lock and one
    delete gives it back; a second message for the same conversation waits,
    checking every LOCK_POLL_SECONDS, until the first one is answered.
    """

    PREFIX = KEY_PREFIX + "lock:"

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        self.kv = shared_kv()
        super().__init__()

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_TTL_SECONDS,
        wait_time_in_seconds: float = LOCK_POLL_SECONDS,
    ) -> AsyncIterator[TicketLock]:
        """Hold the conversation while one message is handled (Rasa's interface).

        Waits at most `lock_lifetime` seconds, then raises LockError (the channel
        then answers with the safety net). Rasa passes a 1 s wait between
        checks; we check more often, as a reply takes milliseconds.
        """
        key = self.PREFIX + conversation_id
        held = TicketLock(conversation_id)
        held.issue_ticket(lock_lifetime)
        give_up = time.monotonic() + lock_lifetime
        while not self.kv.add_if_absent(key, held.dumps(), lock_lifetime):
            if time.monotonic() >= give_up:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(min(wait_time_in_seconds, LOCK_POLL_SECONDS))
        try:
            yield held
        finally:
            # Ours unless this message outlived the lock's expiry (minutes): accepted.
            self.kv.delete(key)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """Fetch the lock, if any."""
        stored = self.kv.get(self.PREFIX + conversation_id)
        return None if stored is None else TicketLock.from_dict(json.loads(stored))

    def delete_lock(self, conversation_id: str) -> None:
        """Remove the lock (quick exit does, once the message is answered)."""
        self.kv.delete(self.PREFIX + conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Store the lock with an expiry, so a crashed server leaves nothing behind."""
        self.kv.set(self.PREFIX + lock.conversation_id, lock.dumps(), LOCK_TTL_SECONDS)


def tracker_store_of(agent: Any) -> TrackerStore:
    """The agent's own tracker store, without Rasa's FailSafeTrackerStore wrapper.

    The wrapper forwards only the base interface (its `exists` even deserialises
    the whole conversation), so erase and exists must reach our store directly.
    """
    store = agent.tracker_store
    return getattr(store, "_tracker_store", store)


async def erase_conversation(agent: Any, sender_id: str) -> None:
    """Remove a conversation and its lock from this agent's stores, whatever wraps them."""
    store = tracker_store_of(agent)
    if isinstance(store, EphemeralTrackerStore):
        await store.erase(sender_id)
    else:  # a store we do not control: overwrite with an empty conversation
        await store.save(store.init_tracker(sender_id))
    lock_store = agent.lock_store
    if not lock_store.is_someone_waiting(sender_id):
        lock_store.delete_lock(sender_id)
