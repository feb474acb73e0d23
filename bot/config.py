"""The one place that reads `.env` and the environment, giving typed settings.

Every other module asks `settings()`; nothing else calls `os.environ` for
project settings. Values are read once per process and cached; tests that
change the environment call `settings.cache_clear()`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Tuple

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting in `.env` or the environment has a value we cannot use."""


@dataclass(frozen=True)
class Settings:
    """Typed view of the project's configuration (documented in .env.example)."""

    default_region: str
    quick_exit_phrases: Tuple[str, ...]
    conversation_ttl_seconds: float
    redis_url: str | None
    hotline_directory: Path
    rasa_host: str
    rasa_port: int
    action_port: int
    rasa_api_token: str | None
    max_message_chars: int


def _float(name: str, default: str) -> float:
    raw = os.environ.get(name, default)
    try:
        value = float(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from error
    if value <= 0:
        raise SettingsError(f"{name} must be greater than 0, got {raw!r}")
    return value


def _optional(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Read `.env` (without overriding real environment variables) and validate."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    # Imported here so that config stays importable without the rest of `bot`.
    from bot.text import normalise

    phrases = tuple(
        p
        for p in (
            normalise(raw)
            for raw in os.environ.get("QUICK_EXIT_PHRASES", "exit,quick exit").split(",")
        )
        if p
    )
    if not phrases:
        raise SettingsError("QUICK_EXIT_PHRASES must name at least one phrase")
    directory = Path(os.environ.get("HOTLINE_DIRECTORY", "data/hotlines.yml"))
    if not directory.is_absolute():
        directory = PROJECT_ROOT / directory
    return Settings(
        default_region=os.environ.get("DEFAULT_REGION", "US").strip().upper(),
        quick_exit_phrases=phrases,
        conversation_ttl_seconds=_float("CONVERSATION_TTL_MINUTES", "30") * 60,
        redis_url=_optional("REDIS_URL"),
        hotline_directory=directory,
        rasa_host=os.environ.get("RASA_HOST", "127.0.0.1").strip() or "127.0.0.1",
        rasa_port=int(_float("RASA_PORT", "5005")),
        action_port=int(_float("ACTION_PORT", "5055")),
        rasa_api_token=_optional("RASA_API_TOKEN"),
        max_message_chars=int(_float("MAX_MESSAGE_CHARS", "2000")),
    )
