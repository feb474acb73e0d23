"""Under load: 50 conversations x 20 messages at once, across two servers sharing Redis.

No errors, no cross-talk (each conversation's replies use its own region and
are addressed to it), and once idle, every conversation expires and the store's
memory is back where it started.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import List, Tuple

import aiohttp
import redis

from tests.expected import number
from tools.harness import PAIR_TTL_SECONDS, Server

# Each conversation names a region, then asks for help; the numbers prove whose reply it is.
REGIONS: List[Tuple[str, str, str]] = [
    ("im in the uk", "GB", number("gb_trafficking")),
    ("i live in australia", "AU", number("au_trafficking")),
    ("i am in canada", "CA", number("ca_trafficking")),
    ("im in the us", "US", number("us_trafficking")),
]
TURNS = ["what is debt bondage", "is this chat private", "my boss took my passport and wont let me leave"]


async def _conversation(session: aiohttp.ClientSession, urls: List[str], index: int,
                        problems: List[str]) -> None:
    sender = f"load-{index}-{uuid.uuid4().hex[:8]}"
    opener, _, number = REGIONS[index % len(REGIONS)]
    messages = [opener] + [TURNS[i % len(TURNS)] for i in range(19)]
    for turn, text in enumerate(messages):
        url = urls[(index + turn) % len(urls)]  # alternate servers like a load balancer
        async with session.post(url, json={"sender": sender, "message": text}) as reply:
            if reply.status != 200:
                problems.append(f"{sender}: HTTP {reply.status}")
                continue
            body = await reply.json()
        if not body:
            problems.append(f"{sender}: empty reply to turn {turn}")
        if any(m.get("recipient_id") != sender for m in body):
            problems.append(f"{sender}: reply addressed to someone else")
        if "passport" in text:
            joined = " ".join(m.get("text", "") for m in body)
            if number not in joined:
                problems.append(f"{sender}: expected {number} for its region, got {joined[:80]!r}")


async def _run(urls: List[str]) -> List[str]:
    problems: List[str] = []
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*[_conversation(session, urls, i, problems) for i in range(50)])
    return problems


def test_fifty_concurrent_conversations_without_errors_or_cross_talk_then_expiry(
    rasa_pair: Tuple[Server, Server], redis_server: Server
) -> None:
    urls = [s.url + "/webhooks/rest/webhook" for s in rasa_pair]
    client = redis.Redis(port=redis_server.port, db=0)
    baseline = client.info("memory")["used_memory"]
    started = time.monotonic()
    problems = asyncio.run(_run(urls))
    elapsed = time.monotonic() - started
    assert not problems, "\n".join(problems[:20])
    assert elapsed < 300

    # Conversations that finished first may already have expired; most are still held.
    assert len(client.keys("helpbot:tracker:load-*")) > 25
    held = client.info("memory")["used_memory"] - baseline
    assert held > 0
    deadline = time.monotonic() + PAIR_TTL_SECONDS + 10
    while client.keys("helpbot:tracker:load-*") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert client.keys("helpbot:tracker:load-*") == []
    assert client.keys("helpbot:lock:*") == []
    # What the conversations took is given back; Redis shrinks its emptied key
    # tables in its background cycle, so allow it a few seconds.
    deadline = time.monotonic() + 10
    while client.info("memory")["used_memory"] - baseline >= held / 10 and time.monotonic() < deadline:
        time.sleep(0.5)
    left = client.info("memory")["used_memory"] - baseline
    assert left < held / 10, f"{left} of {held} bytes still used after expiry"
