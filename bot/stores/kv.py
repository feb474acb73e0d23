"""Expiring key-value pairs: Redis when configured and reachable, else this process's memory.

What every store of this assistant keeps goes through here: conversations and
locks (bot.stores), and the SMS channel's replay and opt-out records. It never
raises for Redis: an outage falls back to expiring memory with one log line,
so a person still gets an answer.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from typing import Any, Dict, List, Tuple

from bot.config import settings

logger = logging.getLogger(__name__)

# Every key this assistant writes starts with this, so an operator can find (and flush) them.
KEY_PREFIX = "helpbot:"
REDIS_RETRY_SECONDS = 5.0


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

    def set_unless(self, key: str, value: str, ttl: float, blocker: str) -> bool:
        """Set unless `blocker` exists; True when set."""
        with self._lock:
            item = self._items.get(blocker)
            if item and item[1] > time.monotonic():
                return False
            self._items[key] = (value, time.monotonic() + ttl)
            return True

    def delete_if_equal(self, key: str, value: str) -> bool:
        """Delete only while the key still holds `value`; True when deleted."""
        with self._lock:
            item = self._items.get(key)
            if item and item[0] == value:
                del self._items[key]
                return True
            return False

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


# Two checks and a write as one Redis command each (scripts run atomically), so a
# message pays no extra round trip for them.
_SET_UNLESS = """
if redis.call('exists', KEYS[2]) == 1 then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
_DELETE_IF_EQUAL = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


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
            # Scripts are sent by their SHA (EVALSHA), loaded on first use.
            self._set_unless = self.redis.register_script(_SET_UNLESS)
            self._delete_if_equal = self.redis.register_script(_DELETE_IF_EQUAL)
        self._stop = threading.Event()
        self._sweeper = self._start_sweeper()

    def _start_sweeper(self) -> threading.Thread:
        interval = min(60.0, max(1.0, settings().conversation_ttl_seconds / 4))

        def sweep_until_closed() -> None:
            while not self._stop.wait(interval):
                self.memory.sweep()

        thread = threading.Thread(target=sweep_until_closed, name="conversation-expiry", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Stop the sweeper and drop the Redis connections (at shutdown)."""
        self._stop.set()
        self._sweeper.join(timeout=5)
        if self.redis is not None:
            self.redis.close()

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

    def _redis_call(self, script: Any, **kwargs: Any) -> Tuple[bool, Any]:
        """Run a registered script; (False, None) when Redis is not usable now."""
        import redis

        try:
            result = script(**kwargs)
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

    def set_unless(self, key: str, value: str, ttl: float, blocker: str) -> bool:
        """Set `key` (with expiry) unless `blocker` exists, atomically; True when set."""
        if self._use_redis():
            ok, created = self._redis_call(self._set_unless, keys=[key, blocker], args=[value, int(ttl * 1000)])
            if ok:
                self.memory.delete(key)
                return bool(created)
        return self.memory.set_unless(key, value, ttl, blocker)

    def delete_if_equal(self, key: str, value: str) -> bool:
        """Delete `key` only while it still holds `value` (compare-and-delete); True when deleted."""
        deleted = self.memory.delete_if_equal(key, value)
        if self._use_redis():
            ok, count = self._redis_call(self._delete_if_equal, keys=[key], args=[value])
            deleted = deleted or bool(ok and count)
        return deleted

    def keys(self, prefix: str) -> List[str]:
        """Keys with this prefix, for admin tools (`rasa export`): never on a message's path.

        SCAN in batches, not KEYS, so Redis keeps serving other clients meanwhile.
        """
        found = set(self.memory.keys(prefix))
        ok, redis_keys = self._redis("scan_iter", match=prefix + "*", count=500)
        if ok:
            import redis

            try:
                found.update(k.decode("utf-8") for k in redis_keys)
            except redis.RedisError as error:  # the scan is lazy: errors come while iterating
                self._redis_failed(error)
        return sorted(found)


_shared: Dict[str | None, KeyValue] = {}
_shared_lock = threading.Lock()


def shared_kv() -> KeyValue:
    """One KeyValue per process and REDIS_URL, shared by the stores and the SMS channel."""
    url = settings().redis_url
    with _shared_lock:
        if url not in _shared:
            _shared[url] = KeyValue(url)
        return _shared[url]


@atexit.register
def close_all() -> None:
    """Stop every store's sweeper (the server's shutdown, or the end of a test run)."""
    with _shared_lock:
        stores = list(_shared.values())
        _shared.clear()
    for store in stores:
        store.close()
