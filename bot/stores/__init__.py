"""Where conversations are remembered, and forgotten (configured in endpoints.yml).

Without REDIS_URL everything stays in this process's memory (nothing on disk);
with it, every Rasa server behind a load balancer shares the same conversations,
and Redis key expiry does the forgetting.

- kv.py       expiring key-value pairs (Redis or memory), also used by the SMS channel
- tracker.py  EphemeralTrackerStore: conversations, cut to their latest turns, erased on exit
- lock.py     EphemeralLockStore: one message per conversation at a time
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import TrackerStore

from bot.stores.kv import KEY_PREFIX, KeyValue, shared_kv
from bot.stores.lock import EphemeralLockStore
from bot.stores.tracker import EphemeralTrackerStore


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


__all__ = [
    "KEY_PREFIX",
    "EphemeralLockStore",
    "EphemeralTrackerStore",
    "KeyValue",
    "erase_conversation",
    "shared_kv",
    "tracker_store_of",
]
