"""Shared fixtures: real servers and a real trained model, started once per run."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Iterator

import pytest

from bot.config import PROJECT_ROOT, settings
from tools import harness as servers

RESULTS = PROJECT_ROOT / "results"



@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """Each test sees the environment it sets (settings are cached per process)."""
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture(scope="session")
def logs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def model_path() -> Path:
    if not servers.MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does it first).")
    return servers.MODEL


@pytest.fixture(scope="session")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    event_loop = asyncio.new_event_loop()
    yield event_loop
    event_loop.close()


@pytest.fixture(scope="session")
def redis_server(logs_dir: Path) -> Iterator[servers.Server]:
    server = servers.start_redis(logs_dir)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def action_server(logs_dir: Path) -> Iterator[servers.Server]:
    server = servers.start_action_server(logs_dir)
    yield server
    server.stop()


def load_agent_like_rasa_run(model: Path, action_port: int, loop: asyncio.AbstractEventLoop,
                             env: Dict[str, str]) -> Any:
    """Load the model with endpoints.yml, as `rasa run` does, in this process (through bot.serve)."""
    from bot.serve import load_agent

    os.environ.update({"ACTION_PORT": str(action_port), **env})
    settings.cache_clear()
    return load_agent(model, loop=loop)


@pytest.fixture(scope="session")
def agent(model_path: Path, action_server: servers.Server, loop: asyncio.AbstractEventLoop) -> Any:
    """The real model, real stores from endpoints.yml (in memory), real action server."""
    os.environ.pop("REDIS_URL", None)
    return load_agent_like_rasa_run(model_path, action_server.port, loop, {})


@pytest.fixture()
def app(agent: Any) -> Any:
    """The bit of a Sanic app our channels use: `app.ctx.agent`."""
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


@pytest.fixture(scope="session")
def rasa_memory(logs_dir: Path, model_path: Path) -> Iterator[servers.Server]:
    """A Rasa server as `make run` starts it (in-memory store, actions in process, so
    nothing listens on its action port), with the HTTP API on."""
    server = servers.start_rasa(logs_dir, "rasa-memory", servers.free_port(),
                                {"RASA_API_TOKEN": "test-token"})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rasa_pair(logs_dir: Path, model_path: Path, action_server: servers.Server,
              redis_server: servers.Server) -> Iterator[tuple]:
    """Two Rasa servers sharing one Redis, with a short expiry (18 s) for the expiry tests.

    Not shorter: under load one conversation's messages can be seconds apart.
    """
    env = {"REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
           "CONVERSATION_TTL_MINUTES": str(servers.PAIR_TTL_SECONDS / 60)}
    first = servers.start_rasa(logs_dir, "rasa-redis-a", action_server.port, env, wait=False)
    second = servers.start_rasa(logs_dir, "rasa-redis-b", action_server.port, env, wait=False)
    for server in (first, second):
        servers.wait_for_http(server, "/webhooks/rest/")
    yield first, second
    first.stop()
    second.stop()


@pytest.fixture(scope="session")
def rasa_remote_actions(logs_dir: Path, model_path: Path, action_server: servers.Server) -> Iterator[servers.Server]:
    """A Rasa server that sends custom actions to the real action server (stock Rasa's way)."""
    server = servers.start_rasa(logs_dir, "rasa-remote-actions", action_server.port,
                                {"ACTIONS_IN_PROCESS": "false"})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rasa_no_actions(logs_dir: Path, model_path: Path) -> Iterator[servers.Server]:
    """A Rasa server set to use the action server, which is down (nothing listens on its port)."""
    server = servers.start_rasa(logs_dir, "rasa-no-actions", servers.free_port(),
                                {"ACTIONS_IN_PROCESS": "false"})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rasa_redis_down(logs_dir: Path, model_path: Path, action_server: servers.Server) -> Iterator[servers.Server]:
    """A Rasa server configured for a Redis that is not there."""
    env = {"REDIS_URL": f"redis://127.0.0.1:{servers.free_port()}/0"}
    server = servers.start_rasa(logs_dir, "rasa-redis-down", action_server.port, env)
    yield server
    server.stop()


# ---- SMS (tests/channels, tests/conversations) ---------------------------------------

TWILIO_TOKEN = "test-twilio-auth-token-5f3a"
# Deliberately not the address the test server listens on: signatures are checked
# against the public URL Twilio was given, as behind a TLS-terminating proxy.
PUBLIC_URL = "https://sms.example.org/webhooks/sms/webhook"
ID_SECRET = "test-sms-id-secret-7c1e9b2d"
API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def rasa_sms(logs_dir: Path, model_path: Path, action_server: servers.Server,
             redis_server: servers.Server) -> Iterator[servers.Server]:
    """SMS on, conversations in a Redis database of their own so tests can read the store."""
    env = {
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "SMS_PUBLIC_URL": PUBLIC_URL,
        "SMS_ID_SECRET": ID_SECRET,
        "SMS_INSECURE_DEV": "false",
        "SMS_QUICK_EXIT_REPLY": "",
        "RASA_API_TOKEN": API_TOKEN,
        "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/3",
    }
    server = servers.start_rasa(logs_dir, "rasa-sms", action_server.port, env)
    yield server
    server.stop()
