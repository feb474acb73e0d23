"""The one place that reads `.env` and the environment, giving typed settings.

Every other module asks `settings()`; nothing else calls `os.environ` for
project settings. Values are read once per process and cached; tests that
change the environment call `settings.cache_clear()`.
"""

from __future__ import annotations

import logging
import os
import re
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
    # Custom actions inside the Rasa server (bot/rasa_patches.py); false = the action server.
    actions_in_process: bool = True
    # Serve even though Redis snapshots, logs or replicates conversations (bot/stores/redis_check.py).
    redis_allow_persistence: bool = False
    # Web widget (bot/channels/web.py); defaults so other code can build Settings without them.
    widget_title: str = "Chat"
    widget_greeting: str = ""
    widget_exit_url: str = "https://www.bbc.co.uk/weather"
    widget_allowed_origins: Tuple[str, ...] = ()
    # The origins people's browsers reach this server at (its own pages and the demo page).
    widget_public_origins: Tuple[str, ...] = ()
    widget_frame_ancestors: str = "'none'"
    # SMS channel (bot/channels/sms.py); all unset = SMS answers 503 and says why.
    twilio_auth_token: str | None = None
    sms_public_url: str | None = None
    sms_id_secret: str | None = None
    sms_insecure_dev: bool = False
    sms_quick_exit_reply: str | None = None


def _flag(name: str, default: bool) -> bool:
    """true/false (1/0, yes/no, on/off); anything else, a typo included, keeps the default."""
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    return default


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


_WIDGET_GREETING = "Hi. I'm an automated helper. Ask me anything. To leave fast, tap Quick exit or press Shift 3 times."


# Widget settings never stop the server: a bad value is reported and the safe default used,
# so a typo in WIDGET_* cannot take the SMS and REST channels down with it.
_widget_log = logging.getLogger("bot.config.widget")


def _http_url(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip() or default
    if not re.match(r"^https?://[^\s/?#]+", value):
        _widget_log.error("%s must be an http:// or https:// address, got %r; using %s.", name, value, default)
        return default
    return value


def _origins(name: str, default: str = "") -> Tuple[str, ...]:
    found = []
    raw = os.environ.get(name, "").strip() or default
    # Browsers send an origin's scheme and host in lower case; compare like with like.
    for origin in (o.strip().rstrip("/").lower() for o in raw.split(",") if o.strip()):
        if re.match(r"^https?://[^\s/?#]+$", origin):
            found.append(origin)
        else:
            _widget_log.error("%s: %r is not an origin like https://www.example.org; ignored.", name, origin)
    return tuple(found)


def _widget_settings(port: int) -> dict:
    """WIDGET_* settings for the web widget (never raises; see _widget_log)."""
    local = f"http://127.0.0.1:{port},http://localhost:{port}"
    return {
        "widget_title": os.environ.get("WIDGET_TITLE", "").strip() or "Chat",
        "widget_greeting": os.environ.get("WIDGET_GREETING", _WIDGET_GREETING).strip(),
        "widget_exit_url": _http_url("WIDGET_EXIT_URL", "https://www.bbc.co.uk/weather"),
        "widget_allowed_origins": _origins("WIDGET_ALLOWED_ORIGINS"),
        "widget_public_origins": _origins("WIDGET_PUBLIC_ORIGIN", local),
        "widget_frame_ancestors": _frame_ancestors("WIDGET_FRAME_ANCESTORS"),
    }


def _frame_ancestors(name: str) -> str:
    # Goes into the Content-Security-Policy header: one directive's sources, nothing more.
    # Bare keywords (a .env value's quotes are easily lost) get their CSP quotes back.
    words = ["'" + w + "'" if w in ("none", "self") else w for w in os.environ.get(name, "").split()]
    value = " ".join(words) or "'none'"
    if not re.match(r"^[A-Za-z0-9'*:/.\- ]+$", value):
        _widget_log.error("%s must be CSP sources like 'self' https://www.example.org, got %r; using 'none'.",
                          name, value)
        return "'none'"
    return value


def _sms_settings() -> dict:
    """TWILIO_AUTH_TOKEN and SMS_* settings for the SMS channel.

    Never raises: a bad SMS setting disables SMS (the channel says why) instead
    of stopping the web and REST channels too.
    """
    return {
        "twilio_auth_token": _optional("TWILIO_AUTH_TOKEN"),
        "sms_public_url": _optional("SMS_PUBLIC_URL"),
        "sms_id_secret": _optional("SMS_ID_SECRET"),
        # Only an explicit yes turns signature checks off; a typo keeps them on.
        "sms_insecure_dev": _flag("SMS_INSECURE_DEV", False),
        "sms_quick_exit_reply": _optional("SMS_QUICK_EXIT_REPLY"),
    }


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Read `.env` (without overriding real environment variables) and validate."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    # Imported here so that config stays importable without the rest of `bot`.
    from bot.text import normalise_phrase

    phrases = tuple(
        p
        for p in (
            normalise_phrase(raw)
            for raw in os.environ.get("QUICK_EXIT_PHRASES", "exit,quick exit,salir,salida rapida").split(",")
        )
        if p
    )
    if not phrases:
        raise SettingsError("QUICK_EXIT_PHRASES must name at least one phrase")
    directory = Path(os.environ.get("HOTLINE_DIRECTORY", "data/hotlines.yml"))
    if not directory.is_absolute():
        directory = PROJECT_ROOT / directory
    port = int(_float("RASA_PORT", "5005"))
    return Settings(
        default_region=os.environ.get("DEFAULT_REGION", "US").strip().upper(),
        quick_exit_phrases=phrases,
        conversation_ttl_seconds=_float("CONVERSATION_TTL_MINUTES", "30") * 60,
        redis_url=_optional("REDIS_URL"),
        hotline_directory=directory,
        rasa_host=os.environ.get("RASA_HOST", "127.0.0.1").strip() or "127.0.0.1",
        rasa_port=port,
        action_port=int(_float("ACTION_PORT", "5055")),
        rasa_api_token=_optional("RASA_API_TOKEN"),
        max_message_chars=int(_float("MAX_MESSAGE_CHARS", "2000")),
        actions_in_process=_flag("ACTIONS_IN_PROCESS", True),
        redis_allow_persistence=_flag("REDIS_ALLOW_PERSISTENCE", False),
        **_widget_settings(port),
        **_sms_settings(),
    )
