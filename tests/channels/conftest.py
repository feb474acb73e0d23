"""SMS test settings live in tests/conftest.py (the conversation tests use the SMS server too)."""

from __future__ import annotations

from tests.conftest import API_TOKEN, ID_SECRET, PUBLIC_URL, TWILIO_TOKEN  # noqa: F401
