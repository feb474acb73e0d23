"""What replies should contain, read from the data, so a content edit never breaks a test.

Tests ask for `number("us_dv")` rather than typing 1-800-799-7233: when content
staff change a number in data/hotlines.yml, the tests follow. Only
tests/bot/test_routing_contract.py pins a few numbers on purpose (it says why).
"""

from __future__ import annotations

from typing import Any, Dict, cast

from bot.conversation.words import load_words
from bot.hotlines import directory


def number(service: str) -> str:
    """The phone number (or, without one, the text number or web address) of a service."""
    found = directory().services[service]
    return found.call or found.text or found.web or found.chat or ""


def emergency(region: str) -> str:
    """The first emergency number of a country (directory region or emergency table)."""
    return directory().emergency_numbers(region)[0]


def crisis_lead(region: str, crisis: str = "danger", language: str = "en") -> str:
    """The first line of every reply in this crisis, where the person is."""
    return load_words().say(language, "crisis_lead", crisis, emergency=emergency(region))


def say(key: str, language: str = "en", **values: str) -> str:
    """A sentence from data/replies.yml."""
    return load_words().say(language, key, **cast(Dict[str, Any], values))
