"""With REDIS_URL, a Redis that writes conversations to disk (or copies them to replicas) stops the
server at start-up unless REDIS_ALLOW_PERSISTENCE=true; tested with real redis-servers started both ways."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from bot.stores.redis_check import persistence_problems
from tools import harness as servers


@pytest.fixture(scope="module")
def persisting_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    """redis-server as a package installs it: RDB snapshots on (Redis's default `save`)."""
    server = servers.start_redis(tmp_path_factory.mktemp("redis-default"), persistence=[])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def append_only_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    server = servers.start_redis(tmp_path_factory.mktemp("redis-aof"), persistence=["--save", "", "--appendonly", "yes"])
    yield server
    server.stop()


def url(server: servers.Server, password: str = "") -> str:
    return f"redis://{':' + password + '@' if password else ''}127.0.0.1:{server.port}/0"


def test_a_redis_without_persistence_passes(redis_server: servers.Server) -> None:
    assert persistence_problems(url(redis_server)) == []


def test_snapshots_are_found(persisting_redis: servers.Server) -> None:
    [problem] = persistence_problems(url(persisting_redis))
    assert "save" in problem and 'save ""' in problem


def test_append_only_files_are_found(append_only_redis: servers.Server) -> None:
    [problem] = persistence_problems(url(append_only_redis))
    assert "appendonly" in problem and "appendonly no" in problem


def test_an_unreachable_redis_is_not_a_persistence_problem() -> None:
    # The stores fall back to expiring memory and say so; nothing is written to disk.
    assert persistence_problems(f"redis://127.0.0.1:{servers.free_port()}/0") == []


def _serve(logs: Path, name: str, redis: servers.Server, allow: str | None) -> servers.Server:
    env = {"REDIS_URL": url(redis, "")}
    if allow is not None:
        env["REDIS_ALLOW_PERSISTENCE"] = allow
    return servers.start_rasa(logs, name, servers.free_port(), env, wait=False)


def test_the_server_refuses_to_start_on_a_persisting_redis(persisting_redis: servers.Server, logs_dir: Path) -> None:
    server = _serve(logs_dir, "rasa-persisting-redis", persisting_redis, None)
    try:
        code = server.process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        server.stop()
        pytest.fail("the server started on a Redis that writes conversations to disk")
    assert code != 0
    output = server.output()
    assert "ERROR" in output and "REDIS_ALLOW_PERSISTENCE=true" in output and 'save ""' in output


def test_redis_allow_persistence_starts_it_anyway_with_the_error(persisting_redis: servers.Server,
                                                                 logs_dir: Path) -> None:
    server = _serve(logs_dir, "rasa-persistence-allowed", persisting_redis, "true")
    try:
        servers.wait_for_http(server, "/webhooks/rest/")
        assert servers.say(server, "persist-1", "what is debt bondage")
        output = server.output()
        assert "ERROR" in output and "REDIS_ALLOW_PERSISTENCE" in output
    finally:
        server.stop()
    time.sleep(0.1)
