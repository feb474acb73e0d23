"""Start real servers for the tests and the bench: redis-server, the action server, Rasa servers.

Every server gets a free port and its output captured to a file, so tests can
search everything a server printed (the canary test reads these files).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import requests

from bot.config import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "assistant.tar.gz"
# Idle expiry of the two Redis-sharing servers (tests/conftest.py rasa_pair).
PAIR_TTL_SECONDS = 18.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A started process with its port and captured output."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    extra: Dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _spawn(name: str, command: List[str], env: Dict[str, str], logs: Path, port: int) -> Server:
    log_path = logs / f"{name}.log"
    handle = open(log_path, "w", encoding="utf-8")
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
    )
    return Server(name, port, process, log_path)


def wait_for_http(server: Server, path: str = "/", timeout: float = 180.0) -> None:
    """Block until the server answers `path` with 200, or fail with its output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.output()[-3000:]}")
        try:
            if requests.get(server.url + path, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{server.name} did not start in {timeout}s:\n{server.output()[-3000:]}")


def start_redis(logs: Path, persistence: List[str] | None = None) -> Server:
    """A throwaway redis-server on a free port: no persistence, unless `persistence` gives
    redis-server options that turn it on (e.g. ["--appendonly", "yes"]; [] = Redis's defaults)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    saving = ["--save", "", "--appendonly", "no"] if persistence is None else persistence
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", *saving, "--dir", str(logs)]
    server = _spawn(f"redis-{port}", command, dict(os.environ), logs, port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("redis-server did not start")


def base_env(overrides: Dict[str, str] | None = None) -> Dict[str, str]:
    """The servers' environment as `make run` builds it, plus test overrides."""
    from bot.run import server_env

    env = server_env()
    for key in ("REDIS_URL", "RASA_API_TOKEN"):
        env.pop(key, None)
    env.update(overrides or {})
    return env


def start_action_server(logs: Path, name: str = "actions") -> Server:
    """The real Rasa SDK action server."""
    port = free_port()
    env = base_env({"ACTION_PORT": str(port)})
    command = [env.get("PYTHON", os.sys.executable), "-m", "rasa_sdk", "--actions", "actions",
               "--port", str(port)]
    server = _spawn(name, command, env, logs, port)
    wait_for_http(server, "/health")
    return server


def start_rasa(logs: Path, name: str, action_port: int, env: Dict[str, str] | None = None,
               wait: bool = True) -> Server:
    """A Rasa server started exactly as `make run` starts it."""
    from bot.run import rasa_server_command

    port = free_port()
    full_env = base_env({"ACTION_PORT": str(action_port), "RASA_PORT": str(port), **(env or {})})
    server = _spawn(name, rasa_server_command(MODEL, port), full_env, logs, port)
    server.extra = full_env
    if wait:
        wait_for_http(server, "/webhooks/rest/")
    return server


def say(server: Server, sender: str, text: str) -> List[dict]:
    """Send one message over the REST channel and return the bot's messages."""
    reply = requests.post(
        server.url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    reply.raise_for_status()
    return reply.json()


def texts(messages: List[dict]) -> str:
    """All reply texts joined, for assertions."""
    return "\n".join(m.get("text", "") for m in messages)
