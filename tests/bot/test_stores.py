"""Tracker and lock stores: expiry, erasure on quick exit, Redis and its outages."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Iterator

import pytest
import redis
from rasa.core.lock import TicketLock
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import stores
from bot.config import PROJECT_ROOT
from bot.stores import EphemeralLockStore, EphemeralTrackerStore, lock
from bot.stores import kv as kv_store
from bot.stores import tracker as tracker_store
from tools import harness as servers

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))
CANARY = "canary-zx81-store"


def run(coroutine: Any) -> Any:
    return asyncio.new_event_loop().run_until_complete(coroutine)


def tracker_with(sender: str, text: str, intent: str, region: str = "GB") -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(UserUttered(text, {"name": intent, "confidence": 1.0}))
    tracker.update(SlotSet("region", region))
    return tracker


@pytest.fixture()
def memory_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("CONVERSATION_TTL_MINUTES", "0.01")  # 0.6 seconds
    kv_store.close_all()
    yield
    kv_store.close_all()


@pytest.fixture()
def redis_env(monkeypatch: pytest.MonkeyPatch, redis_server: servers.Server) -> Iterator[redis.Redis]:
    url = f"redis://127.0.0.1:{redis_server.port}/1"
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("CONVERSATION_TTL_MINUTES", "0.05")  # 3 seconds
    kv_store.close_all()
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield client
    client.flushdb()
    kv_store.close_all()


def test_memory_store_keeps_a_conversation_then_forgets_it_when_idle(memory_env: None) -> None:
    store = EphemeralTrackerStore(DOMAIN)
    run(store.save(tracker_with("alice", CANARY, "faq")))
    kept = run(store.retrieve("alice"))
    assert kept is not None and kept.get_slot("region") == "GB"
    time.sleep(0.8)
    assert run(store.retrieve("alice")) is None
    assert list(run(store.keys())) == []


def test_memory_sweeper_frees_idle_conversations_without_any_request(memory_env: None) -> None:
    store = EphemeralTrackerStore(DOMAIN)
    run(store.save(tracker_with("bob", CANARY, "faq")))
    deadline = time.monotonic() + 5
    def conversations() -> list:
        return [k for k in store.kv.memory._items if k != tracker_store.ERASE_KEY]

    while conversations() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert conversations() == []


def test_saving_a_quick_exit_erases_instead(memory_env: None) -> None:
    store = EphemeralTrackerStore(DOMAIN)
    run(store.save(tracker_with("carol", CANARY, "faq")))
    exiting = tracker_with("carol", "exit", "quick_exit")
    run(store.save(exiting))
    assert run(store.retrieve("carol")) is None
    assert CANARY not in repr(store.kv.memory._items)


def test_redis_store_sets_expiry_and_refreshes_it(redis_env: redis.Redis) -> None:
    store = EphemeralTrackerStore(DOMAIN)
    run(store.save(tracker_with("dave", CANARY, "faq")))
    key = EphemeralTrackerStore.PREFIX + "dave"
    assert 0 < redis_env.pttl(key) <= 3000
    time.sleep(1.5)
    run(store.save(tracker_with("dave", "again", "faq")))
    assert redis_env.pttl(key) > 2000
    time.sleep(3.2)
    assert not redis_env.exists(key)
    assert run(store.retrieve("dave")) is None


def test_redis_store_overwrites_rather_than_merging(redis_env: redis.Redis) -> None:
    store = EphemeralTrackerStore(DOMAIN)
    run(store.save(tracker_with("erin", CANARY, "faq")))
    run(store.save(DialogueStateTracker("erin", DOMAIN.slots)))
    assert CANARY.encode() not in redis_env.get(EphemeralTrackerStore.PREFIX + "erin")


def test_redis_quick_exit_removes_the_key(redis_env: redis.Redis) -> None:
    store = EphemeralTrackerStore(DOMAIN)
    run(store.save(tracker_with("frank", CANARY, "faq")))
    run(store.save(tracker_with("frank", "exit", "quick_exit")))
    left = sorted(k.decode() for k in redis_env.keys("*"))
    # Only the tombstone (a keyed hash, never the id) and the key it is hashed with.
    assert [k for k in left if not k.startswith(tracker_store.ERASED_PREFIX)] == [tracker_store.ERASE_KEY]
    assert not [k for k in left if "frank" in k]
    assert all(CANARY.encode() not in redis_env.get(k) for k in left)


@pytest.mark.parametrize("env", ["memory_env", "redis_env"])
def test_a_late_message_of_an_erased_conversation_stores_nothing(env: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue(env)
    store = EphemeralTrackerStore(DOMAIN)
    run(store.save(tracker_with("fay", "first", "faq")))
    run(store.save(tracker_with("fay", "exit", "quick_exit")))
    # A message that was still uploading when the exit landed is saved afterwards.
    run(store.save(tracker_with("fay", CANARY, "faq")))
    assert run(store.retrieve("fay")) is None and not run(store.exists("fay"))
    # Other conversations are stored as usual.
    run(store.save(tracker_with("fred", "hello", "greet")))
    assert run(store.exists("fred"))


def test_the_tombstone_is_a_keyed_hash_that_lasts_minutes(redis_env: redis.Redis) -> None:
    store = EphemeralTrackerStore(DOMAIN)
    run(store.erase("gus-0123"))
    [key] = [k.decode() for k in redis_env.keys(tracker_store.ERASED_PREFIX + "*")]
    assert "gus" not in key
    assert 60_000 <= redis_env.pttl(key) <= tracker_store.ERASED_TTL_SECONDS * 1000
    import hashlib

    assert key[len(tracker_store.ERASED_PREFIX):] != hashlib.sha256(b"gus-0123").hexdigest()  # keyed, not plain


def test_lock_store_in_redis_expires(redis_env: redis.Redis) -> None:
    locks = EphemeralLockStore()
    locks.save_lock(TicketLock("gina"))
    key = EphemeralLockStore.PREFIX + "gina"
    assert 0 < redis_env.pttl(key) <= lock.LOCK_TTL_SECONDS * 1000
    assert locks.get_lock("gina") is not None
    locks.delete_lock("gina")
    assert not redis_env.exists(key)


def test_unreachable_redis_falls_back_to_expiring_memory_with_one_clean_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{servers.free_port()}/0")
    monkeypatch.setenv("CONVERSATION_TTL_MINUTES", "0.01")
    kv_store.close_all()
    store = EphemeralTrackerStore(DOMAIN)
    with caplog.at_level(logging.INFO):
        run(store.save(tracker_with("hank", CANARY, "faq")))
        assert run(store.retrieve("hank")).get_slot("region") == "GB"
        run(store.save(tracker_with("hank", CANARY, "faq")))
    errors = [r for r in caplog.records if r.name == "bot.stores.kv"]
    assert len(errors) == 1 and "Redis is unreachable" in errors[0].getMessage()
    assert "hank" not in caplog.text and CANARY not in caplog.text
    time.sleep(0.8)
    assert store.kv.memory.get(EphemeralTrackerStore.PREFIX + "hank") is None
    kv_store.close_all()


def test_add_if_absent_claims_a_key_once(memory_env: None) -> None:
    kv = stores.shared_kv()
    assert kv.add_if_absent("helpbot:test:once", "1", 0.5)
    assert not kv.add_if_absent("helpbot:test:once", "1", 0.5)
    time.sleep(0.6)
    assert kv.add_if_absent("helpbot:test:once", "1", 0.5)


def test_add_if_absent_in_redis_is_shared(redis_env: redis.Redis) -> None:
    kv = stores.shared_kv()
    assert kv.add_if_absent("helpbot:test:sid", "1", 3)
    assert not stores.KeyValue(f"redis://127.0.0.1:{redis_env.connection_pool.connection_kwargs['port']}/1").add_if_absent(
        "helpbot:test:sid", "1", 3)


def test_exists_follows_expiry_and_erasure(memory_env: None) -> None:
    store = EphemeralTrackerStore(DOMAIN)
    assert not run(store.exists("ivy"))
    run(store.save(tracker_with("ivy", CANARY, "faq")))
    assert run(store.exists("ivy"))
    run(store.erase("ivy"))
    assert not run(store.exists("ivy"))


# ---- only the latest turns are stored -------------------------------------------

def _long_tracker(sender: str, turns: int) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(ActionExecuted(ACTION_SESSION_START_NAME))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    for turn in range(turns):
        text = f"{CANARY} first" if turn == 0 else f"message {turn}"
        tracker.update(UserUttered(text, {"name": "faq", "confidence": 1.0}))
        if turn == 0:
            tracker.update(SlotSet("region", "AU"))
        tracker.update(ActionExecuted("utter_faq"))
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    return tracker


def test_a_long_conversation_is_stored_as_its_latest_turns_with_its_slots(memory_env: None) -> None:
    store = EphemeralTrackerStore(DOMAIN)
    run(store.save(_long_tracker("long", tracker_store.KEPT_USER_TURNS + 5)))
    assert CANARY not in store.kv.get(store.PREFIX + "long")
    kept = run(store.retrieve("long"))
    user_texts = [e.text for e in kept.events if isinstance(e, UserUttered)]
    assert user_texts == [f"message {t}" for t in range(5, tracker_store.KEPT_USER_TURNS + 5)]
    assert kept.get_slot("region") == "AU"
    # the kept part starts like a session, then the listen before the oldest kept message
    assert isinstance(kept.events[0], ActionExecuted) and isinstance(kept.events[1], SessionStarted)
    first_user = next(i for i, e in enumerate(kept.events) if isinstance(e, UserUttered))
    assert kept.events[first_user - 1] == ActionExecuted(ACTION_LISTEN_NAME)


def test_a_short_conversation_is_stored_whole(memory_env: None) -> None:
    tracker = _long_tracker("short", tracker_store.KEPT_USER_TURNS)
    assert tracker_store.recent_events(tracker) == list(tracker.events)


def test_a_slot_changed_within_the_kept_turns_keeps_its_latest_value(memory_env: None) -> None:
    tracker = _long_tracker("changed", tracker_store.KEPT_USER_TURNS + 3)
    tracker.update(UserUttered("im in canada", {"name": "inform_region", "confidence": 1.0}))
    tracker.update(SlotSet("region", "CA"))
    store = EphemeralTrackerStore(DOMAIN)
    run(store.save(tracker))
    assert run(store.retrieve("changed")).get_slot("region") == "CA"


# ---- the lock: one atomic take, one give-back --------------------------------------

async def _hold(locks: EphemeralLockStore, who: str, seconds: float, log: list) -> None:
    async with locks.lock(who):
        log.append("in")
        await asyncio.sleep(seconds)
        log.append("out")


def test_lock_is_held_while_a_message_is_handled_and_gone_after(redis_env: redis.Redis) -> None:
    locks = EphemeralLockStore()
    key = EphemeralLockStore.PREFIX + "hana"

    async def check() -> None:
        async with locks.lock("hana"):
            assert redis_env.exists(key)
            assert 0 < redis_env.pttl(key) <= lock.LOCK_TTL_SECONDS * 1000
        assert not redis_env.exists(key)

    run(check())
    assert locks.get_lock("hana") is None


def test_a_second_message_waits_for_the_first_even_on_another_server(redis_env: redis.Redis) -> None:
    first_server, second_server = EphemeralLockStore(), EphemeralLockStore()
    kv_store.close_all()  # the second "server" gets its own connection
    second_server.kv = stores.shared_kv()
    log: list = []

    async def both() -> None:
        await asyncio.gather(_hold(first_server, "ivo", 0.2, log), _hold(second_server, "ivo", 0.0, log))

    run(both())
    assert log == ["in", "out", "in", "out"]


def test_different_conversations_do_not_wait_for_each_other(memory_env: None) -> None:
    locks = EphemeralLockStore()
    log: list = []

    async def both() -> None:
        await asyncio.gather(_hold(locks, "jo", 0.2, log), _hold(locks, "kai", 0.2, log))

    started = time.monotonic()
    run(both())
    assert log[:2] == ["in", "in"] and time.monotonic() - started < 0.35


@pytest.mark.parametrize("env", ["memory_env", "redis_env"])
def test_a_lock_is_given_back_only_by_its_holder(env: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue(env)
    locks = EphemeralLockStore()
    key = EphemeralLockStore.PREFIX + "hal"

    async def slow_then_fast() -> None:
        async with locks.lock("hal", lock_lifetime=0.2):
            await asyncio.sleep(0.4)  # outlives its lock; meanwhile another message takes it
            assert locks.kv.get(key) is not None and locks.kv.get(key) != held_by_first
        assert locks.kv.get(key) is not None  # the first one's release left the second one's lock alone

    async def second() -> None:
        await asyncio.sleep(0.25)
        async with locks.lock("hal", lock_lifetime=5):
            await asyncio.sleep(0.3)

    held_by_first = None

    async def both() -> None:
        nonlocal held_by_first
        first = asyncio.ensure_future(slow_then_fast())
        await asyncio.sleep(0.05)
        held_by_first = locks.kv.get(key)
        await asyncio.gather(first, second())

    run(both())
    assert locks.kv.get(key) is None


def test_a_lock_never_given_back_makes_the_next_message_fail_after_its_lifetime(memory_env: None) -> None:
    from rasa.core.lock_store import LockError

    locks = EphemeralLockStore()
    locks.kv.add_if_absent(EphemeralLockStore.PREFIX + "lee", "held by a crashed server", 60)

    async def wait() -> None:
        async with locks.lock("lee", lock_lifetime=0.1):
            pass

    with pytest.raises(LockError):
        run(wait())
