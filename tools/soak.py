"""`make soak`: 50 concurrent conversations for 10 minutes over 2 Rasa processes sharing Redis.

Not part of `make test`. Passes when there were 0 errors and 0 cross-talk, each
process's memory (RSS) grew less than 5 % from the end of the warm-up to the end,
and once every conversation was idle past its expiry Redis held no conversation,
lock or tombstone (only `helpbot:erase-key`). Figures go to results/soak.json.

    .venv/bin/python -m tools.soak [--minutes 10] [--concurrent 50] [--warmup-minutes 2]

Traffic goes to 127.0.0.1 only, and every loop stops at the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List, Tuple

import aiohttp
import redis

from bot.config import PROJECT_ROOT
from tests.expected import number
from tools import harness

TTL_MINUTES = 1.0
# Each conversation names a region; its trafficking question must get that region's line (cross-talk check).
REGIONS: List[Tuple[str, str]] = [
    ("im in the uk", number("gb_trafficking")),
    ("i live in australia", number("au_trafficking")),
    ("i am in canada", number("ca_trafficking")),
    ("im in the us", number("us_trafficking")),
]
TURNS = ["what is debt bondage", "is this chat private", "hello", "what is sextortion", "thanks",
         "my boyfriend checks my phone", "what can you do", "estoy en peligro", "zzqx blorp",
         "my boss took my passport and wont let me leave"]
CHECK = "my boss took my passport and wont let me leave"


class Tally:
    """Counts shared by every conversation (one event loop, so no lock needed)."""

    def __init__(self) -> None:
        self.messages = 0
        self.conversations = 0
        self.errors: List[str] = []
        self.cross_talk: List[str] = []
        self.latencies: List[float] = []


async def _conversation(session: aiohttp.ClientSession, urls: List[str], index: int, tally: Tally,
                        deadline: float) -> None:
    sender = f"soak-{index}-{uuid.uuid4().hex[:8]}"
    opener, expected = REGIONS[index % len(REGIONS)]
    texts = [opener] + random.sample(TURNS, len(TURNS)) + [CHECK] + random.sample(TURNS, 8)
    for turn, text in enumerate(texts):
        if time.monotonic() >= deadline:
            return
        url = urls[(index + turn) % len(urls)]  # alternate processes like a round-robin balancer
        started = time.monotonic()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as reply:
                body = await reply.json() if reply.status == 200 else None
                status = reply.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            tally.errors.append(f"{sender}: {type(error).__name__}")
            continue
        tally.latencies.append(time.monotonic() - started)
        tally.messages += 1
        if status != 200 or not body:
            tally.errors.append(f"{sender}: HTTP {status}, {'empty' if not body else 'ok'} reply")
            continue
        if any(m.get("recipient_id") != sender for m in body):
            tally.cross_talk.append(f"{sender}: a reply addressed to someone else")
        if text == CHECK and expected not in " ".join(m.get("text", "") for m in body):
            tally.cross_talk.append(f"{sender}: not its region's number")
    tally.conversations += 1


async def _worker(session: aiohttp.ClientSession, urls: List[str], slot: int, tally: Tally, deadline: float) -> None:
    index = slot
    while time.monotonic() < deadline:
        await _conversation(session, urls, index, tally, deadline)
        index += 1000


async def drive(urls: List[str], concurrent: int, seconds: float) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*[_worker(session, urls, slot, tally, deadline) for slot in range(concurrent)])
    return tally


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    """RSS of each process every few seconds, with the time of each sample."""

    def __init__(self, pids: List[int], every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.pids, self.every = pids, every
        self.samples: List[Tuple[float, List[float]]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.stop.is_set():
            self.samples.append((time.monotonic() - started, [rss_mb(pid) for pid in self.pids]))
            self.stop.wait(self.every)


def growth(samples: List[Tuple[float, List[float]]], warmup: float) -> List[float]:
    """Per process: RSS growth in % from the first sample after warm-up to the mean of the last minute."""
    after = [s for s in samples if s[0] >= warmup]
    if len(after) < 2:
        return [0.0 for _ in samples[0][1]] if samples else []
    start = after[0][1]
    end_time = after[-1][0]
    tail = [s[1] for s in after if s[0] >= end_time - 60]
    ends = [sum(col) / len(col) for col in zip(*tail, strict=True)]
    return [round(100 * (end - first) / first, 2) for first, end in zip(start, ends, strict=True)]


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--warmup-minutes", type=float, default=2.0)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "soak.json")
    args = parser.parse_args(argv)
    if not harness.MODEL.exists():
        print("No trained model: run `make train` first.", file=sys.stderr)
        return 2
    logs = Path(tempfile.mkdtemp(prefix="soak-"))
    redis_server = harness.start_redis(logs)
    env = {"REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0", "CONVERSATION_TTL_MINUTES": str(TTL_MINUTES)}
    first = harness.start_rasa(logs, "soak-a", harness.free_port(), env, wait=False)
    second = harness.start_rasa(logs, "soak-b", harness.free_port(), env, wait=False)
    try:
        for server in (first, second):
            harness.wait_for_http(server, "/webhooks/rest/")
        urls = [s.url + "/webhooks/rest/webhook" for s in (first, second)]
        client = redis.Redis(port=redis_server.port, db=0)
        sampler = RssSampler([first.process.pid, second.process.pid])
        sampler.start()
        print(f"Soak: {args.concurrent} concurrent conversations for {args.minutes} min over 2 processes + Redis",
              flush=True)
        started = time.monotonic()
        tally = asyncio.run(drive(urls, args.concurrent, args.minutes * 60))
        elapsed = time.monotonic() - started
        sampler.stop.set()
        sampler.join()
        held = len(client.keys("helpbot:tracker:*"))
        # Every conversation is now idle: all must expire within the TTL (plus Redis's expiry cycle).
        deadline = time.monotonic() + TTL_MINUTES * 60 + 30
        while time.monotonic() < deadline and set(client.keys("helpbot:*")) - {b"helpbot:erase-key"}:
            time.sleep(1)
        left = sorted(k.decode() for k in client.keys("*"))
        increase = growth(sampler.samples, args.warmup_minutes * 60)
        result: Dict[str, object] = {
            "minutes": round(elapsed / 60, 2), "concurrent": args.concurrent, "processes": 2,
            "messages": tally.messages, "conversations_completed": tally.conversations,
            "messages_per_second": round(tally.messages / elapsed, 1),
            "p50_ms": round(1000 * percentile(tally.latencies, 0.5), 1),
            "p95_ms": round(1000 * percentile(tally.latencies, 0.95), 1),
            "p99_ms": round(1000 * percentile(tally.latencies, 0.99), 1),
            "errors": len(tally.errors), "cross_talk": len(tally.cross_talk),
            "rss_mb_after_warmup": [round(v) for v in next((s[1] for s in sampler.samples
                                                           if s[0] >= args.warmup_minutes * 60), [])],
            "rss_mb_end": [round(v) for v in sampler.samples[-1][1]] if sampler.samples else [],
            "rss_growth_percent_after_warmup": increase,
            "conversations_held_at_end": held,
            "redis_keys_after_expiry": left,
            "examples": (tally.errors + tally.cross_talk)[:10],
        }
        passed = (not tally.errors and not tally.cross_talk and all(g < 5 for g in increase)
                  and left in ([], ["helpbot:erase-key"]))
        result["passed"] = passed
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=2))
        return 0 if passed else 1
    finally:
        first.stop()
        second.stop()
        redis_server.stop()


if __name__ == "__main__":
    sys.exit(main())
