"""`make bench`: this assistant against a stock `rasa init` assistant, in one run.

For each assistant: training time, then 1, 10 and 50 concurrent conversations
over the REST channel (a realistic mix of messages), reporting throughput,
p50/p95/p99 latency, errors and peak server memory. Each level runs `--rounds`
times with new conversations and pools the latencies, so a p95 rests on
hundreds of replies. Ours is trained once and run as `make run` runs it (one
process, conversations in memory) and as N processes sharing Redis (requests
spread across them like a round-robin load balancer); stock runs as `rasa init`
makes it. Saves results/bench.json and results/bench.png. Traffic goes to
127.0.0.1 only; the load generator shares the machine's cores with the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Sequence

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.harness import Server, free_port, start_redis, wait_for_http  # noqa: E402

# What people send this assistant: questions, help requests, crisis and its follow-ups,
# places, Spanish, chit-chat.
OUR_MIX = [
    "hi", "yes", "what is debt bondage", "my boss took my passport and wont let me leave",
    "i live in london", "how do i know if there is a spy app on my phone", "he has a knife",
    "i cant talk he will hear me", "can i text instead", "im in cork",
    "mi esposo me pega, que hago", "is it free", "what is coercive control", "thanks",
]
# What `rasa init`'s moodbot understands.
STOCK_MIX = [
    "hello", "I am sad", "yes", "I am great", "no", "are you a bot?", "goodbye",
    "hey there", "very good", "not really",
]
LEVELS = (1, 10, 50)


@dataclass
class Level:
    """Figures for one concurrency level."""

    concurrency: int
    messages: int
    errors: int
    seconds: float
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


async def _conversation(session: aiohttp.ClientSession, urls: List[str], mix: List[str], turns: int,
                        latencies: List[float], errors: List[int], offset: int) -> None:
    sender = "bench-" + uuid.uuid4().hex[:10]
    for turn in range(turns):
        url = urls[(offset + turn) % len(urls)]
        text = mix[(offset + turn) % len(mix)]
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as reply:
                body = await reply.json()
                if reply.status != 200 or not body:
                    errors.append(1)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            errors.append(1)
        latencies.append((time.perf_counter() - started) * 1000)


async def drive(urls: List[str], mix: List[str], concurrency: int, turns: int, rounds: int = 1) -> Level:
    """`concurrency` conversations at once, each `turns` messages long, `rounds` times over."""
    latencies: List[float] = []
    errors: List[int] = []
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        # one warm-up message per server so model loading is not measured
        for url in urls:
            await session.post(url, json={"sender": "warmup", "message": mix[0]})
        started = time.perf_counter()
        for _ in range(rounds):
            await asyncio.gather(*[
                _conversation(session, urls, mix, turns, latencies, errors, i) for i in range(concurrency)
            ])
        seconds = time.perf_counter() - started
    return Level(concurrency, len(latencies), len(errors), round(seconds, 2),
                 round(len(latencies) / seconds, 1), round(statistics.median(latencies), 1),
                 round(percentile(latencies, 95), 1), round(percentile(latencies, 99), 1))


class RssSampler:
    """Peak resident memory of a set of processes, sampled every 0.2 s."""

    def __init__(self, pids: List[int]) -> None:
        self.pids = pids
        self.peak_each_mb = 0.0
        self.peak_total_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss_mb(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            each = [self._rss_mb(pid) for pid in self.pids]
            self.peak_each_mb = max(self.peak_each_mb, max(each, default=0))
            self.peak_total_mb = max(self.peak_total_mb, sum(each))
            time.sleep(0.2)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(command: List[str], cwd: Path, env: Dict[str, str], log: Path) -> float:
    started = time.perf_counter()
    with open(log, "w") as handle:
        subprocess.run(command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, check=True)
    return round(time.perf_counter() - started, 1)


def spawn(command: List[str], cwd: Path, env: Dict[str, str], log: Path, port: int, name: str) -> Server:
    handle = open(log, "w")
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
    return Server(name, port, process, log)


def run_levels(urls: List[str], mix: List[str], pids: List[int], turns: int, rounds: int) -> Dict[str, object]:
    with RssSampler(pids) as rss:
        levels = [asyncio.run(drive(urls, mix, c, turns, rounds)) for c in LEVELS]
    return {"levels": [asdict(level) for level in levels],
            "peak_rss_mb_per_process": round(rss.peak_each_mb), "peak_rss_mb_total": round(rss.peak_total_mb)}


def train_ours(work: Path, env: Dict[str, str]) -> tuple:
    """(model file, training seconds) for this assistant, trained from scratch."""
    model_dir = work / "ours-model"
    train_seconds = timed([sys.executable, "-m", "rasa", "train", "--force", "--out", str(model_dir),
                           "--fixed-model-name", "bench"], ROOT, env, work / "ours-train.log")
    return model_dir / "bench.tar.gz", train_seconds


def bench_ours(work: Path, model: Path, train_seconds: float, servers: int, turns: int, rounds: int,
               env: Dict[str, str]) -> Dict[str, object]:
    from bot.config import settings
    from bot.run import action_server_command, rasa_server_command

    started: List[Server] = []
    try:
        redis_server = start_redis(work) if servers > 1 else None
        if redis_server:
            started.append(redis_server)
        action_port = free_port()
        run_env = {**env, "ACTION_PORT": str(action_port)}
        if redis_server:
            run_env["REDIS_URL"] = f"redis://127.0.0.1:{redis_server.port}/0"
        # As `make run`: an action server only when actions do not run in process.
        actions = None
        if not settings().actions_in_process:
            actions = spawn(action_server_command(action_port), ROOT, run_env, work / "ours-actions.log",
                            action_port, "actions")
            started.append(actions)
        rasas = []
        for i in range(servers):
            port = free_port()
            command = rasa_server_command(model, port)
            rasas.append(spawn(command, ROOT, run_env, work / f"ours{servers}-rasa-{i}.log", port, f"rasa-{i}"))
        started += rasas
        if actions:
            wait_for_http(actions, "/health")
        for server in rasas:
            wait_for_http(server, "/webhooks/rest/")
        urls = [s.url + "/webhooks/rest/webhook" for s in rasas]
        measured = rasas + ([actions] if actions else [])
        figures = run_levels(urls, OUR_MIX, [s.process.pid for s in measured], turns, rounds)
    finally:
        for server in started:
            server.stop()
    return {"train_seconds": train_seconds, "server_processes": servers, "redis": servers > 1,
            "actions_in_process": settings().actions_in_process, **figures}


def bench_stock(work: Path, turns: int, rounds: int, env: Dict[str, str]) -> Dict[str, object]:
    stock = work / "stock"
    stock.mkdir()
    # `rasa init` writes the moodbot and trains it; we time that training separately.
    subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(stock)],
                   cwd=stock, env=env, stdout=open(work / "stock-init.log", "w"), stderr=subprocess.STDOUT,
                   check=True)
    shutil.rmtree(stock / "models", ignore_errors=True)
    train_seconds = timed([sys.executable, "-m", "rasa", "train", "--force"], stock, env, work / "stock-train.log")
    port = free_port()
    server = spawn([sys.executable, "-m", "rasa", "run", "--port", str(port), "--interface", "127.0.0.1"],
                   stock, env, work / "stock-rasa.log", port, "stock")
    try:
        wait_for_http(server, "/webhooks/rest/")
        figures = run_levels([server.url + "/webhooks/rest/webhook"], STOCK_MIX, [server.process.pid], turns,
                             rounds)
    finally:
        server.stop()
    return {"train_seconds": train_seconds, "server_processes": 1, **figures}


def plot(results: Dict[str, Dict[str, object]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, data in results.items():
        levels = data["levels"]
        xs = [lv["concurrency"] for lv in levels]
        ax.plot(xs, [lv["p50_ms"] for lv in levels], marker="o", label=f"{name} p50")
        ax.plot(xs, [lv["p95_ms"] for lv in levels], marker="s", linestyle="--", label=f"{name} p95")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("concurrent conversations")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Latency vs concurrency, REST channel, this machine")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def table(results: Dict[str, Dict[str, object]]) -> str:
    lines = ["| assistant | conc. | msg/s | p50 ms | p95 ms | p99 ms | errors |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, data in results.items():
        for lv in data["levels"]:
            lines.append(f"| {name} | {lv['concurrency']} | {lv['throughput']} | {lv['p50_ms']} | "
                         f"{lv['p95_ms']} | {lv['p99_ms']} | {lv['errors']}/{lv['messages']} |")
    for name, data in results.items():
        lines.append(f"\n{name}: training {data['train_seconds']} s, {data['server_processes']} server "
                     f"process(es), peak RSS {data['peak_rss_mb_per_process']} MB per process "
                     f"({data['peak_rss_mb_total']} MB total)")
    return "\n".join(lines)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--servers", default="1,2",
                        help="comma-separated Rasa process counts to run ours with (Redis when > 1)")
    parser.add_argument("--turns", type=int, default=20, help="messages per conversation")
    parser.add_argument("--rounds", type=int, default=3, help="times each level is run (latencies pooled)")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        print("Training this assistant ...", flush=True)
        model, train_seconds = train_ours(work, env)
        results: Dict[str, Dict[str, object]] = {}
        for servers in (int(n) for n in args.servers.split(",")):
            name = "ours, 1 process" if servers == 1 else f"ours, {servers} processes + Redis"
            print(f"Measuring {name} ...", flush=True)
            results[name] = bench_ours(work, model, train_seconds, servers, args.turns, args.rounds, env)
        print("Training and measuring a stock `rasa init` assistant ...", flush=True)
        results["stock"] = bench_stock(work, args.turns, args.rounds, env)
    stock = results["stock"]
    ratios = {
        name: {f"throughput_x_at_{o['concurrency']}": round(o["throughput"] / s["throughput"], 2)
               for o, s in zip(data["levels"], stock["levels"], strict=True)}
        for name, data in results.items() if name != "stock"
    }
    (args.out / "bench.json").write_text(json.dumps({**results, "ratios": ratios}, indent=2))
    plot(results, args.out / "bench.png")
    print(table(results))
    print("ratios (ours / stock):", ratios)
    print(f"saved {args.out / 'bench.json'} and {args.out / 'bench.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
