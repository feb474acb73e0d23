"""Log guards: keep what users write out of the Rasa server's output.

`bot.serve.prepare()` installs them in every process that serves people.
Rasa's structlog events are redacted by a patch (bot/rasa_patches.py); here are
the guards that need no patch:
- Rasa 3.6 prints some user text through Python warnings at any log level: its
  RegexMessageHandler warns "Failed to parse arguments in line '<the message>'"
  for anything starting with "/" that is not a valid payload.
"""

from __future__ import annotations

import warnings

# Warnings whose text quotes the user's message.
_USER_TEXT_WARNINGS = (r"Failed to parse arguments in line",)


def install_log_guards() -> None:
    """Silence Rasa warnings that would quote user text (idempotent)."""
    for message in _USER_TEXT_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
