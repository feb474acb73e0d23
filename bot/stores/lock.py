"""The lock store: one message of a conversation at a time, across every server."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore

from bot.stores.kv import KEY_PREFIX, shared_kv

# A lock outlives no request by much; expiry only matters if a server dies mid-message.
LOCK_TTL_SECONDS = 120.0
LOCK_POLL_SECONDS = 0.01


class EphemeralLockStore(LockStore):
    """Per-conversation locks in the same place as the conversations, with expiry.

    Rasa's own protocol reads and rewrites a ticket record about seven times a
    message (with Redis, seven blocking round trips), and two servers can both
    take the first ticket. Here one atomic set-if-absent takes the lock and one
    delete gives it back; a second message for the same conversation waits,
    checking every LOCK_POLL_SECONDS, until the first one is answered. The lock
    holds a random token and is given back only by the holder of that token.
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
        # The token makes this holder's value unique, so giving back compares it.
        token = json.dumps({**json.loads(held.dumps()), "token": secrets.token_hex(16)})
        give_up = time.monotonic() + lock_lifetime
        while not self.kv.add_if_absent(key, token, lock_lifetime):
            if time.monotonic() >= give_up:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(min(wait_time_in_seconds, LOCK_POLL_SECONDS))
        try:
            yield held
        finally:
            # Compare-and-delete: a message that outlived its lock's expiry must not
            # delete the lock another message has taken since.
            self.kv.delete_if_equal(key, token)

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
