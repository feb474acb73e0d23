"""A Rasa server with SMS configured, started as `make run` starts it, plus signing helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tools import harness as servers

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
