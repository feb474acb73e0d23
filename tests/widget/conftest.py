"""Fixtures for the web widget: one real Rasa server (Redis-backed) and real Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import redis

from tools import harness as servers

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# A second origin that embeds the widget with one script tag (served by page.route). Its
# pages need Chromium's "local-network-access" permission to load from 127.0.0.1; a real
# site loading from a public server does not.
EMBEDDING_ORIGIN = "https://embedding-site.test"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Package scope: the server (about 500 MB) stops when the widget tests are done.
@pytest.fixture(scope="package")
def web_server(logs_dir: Path, model_path: Path, action_server: servers.Server,
               redis_server: servers.Server) -> Iterator[servers.Server]:
    """A Rasa server started like `make run`, keeping conversations in a real Redis."""
    env = {
        "RASA_API_TOKEN": "test-token",
        "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
        "WIDGET_ALLOWED_ORIGINS": EMBEDDING_ORIGIN,
    }
    server = servers.start_rasa(logs_dir, "rasa-web", action_server.port, env)
    servers.wait_for_http(server, "/webhooks/web/")
    yield server
    server.stop()


@pytest.fixture(scope="package")
def redis_client(redis_server: servers.Server) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=redis_server.port)


def tracker_key(sender: str) -> str:
    """Where the tracker store keeps a conversation in Redis (bot/stores.py)."""
    return f"helpbot:tracker:{sender}"


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (sync API; browser tests stay sync)."""
    if not CHROMIUM.exists():  # .ci/run installs it when missing
        pytest.fail("Chromium is missing: `apt-get install chromium` (Debian), or run .ci/run.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make widget-deps` (npm ci in tests/widget).")
    return AXE.read_text(encoding="utf-8")
