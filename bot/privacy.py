"""Log guards: keep what users and API callers send out of the Rasa server's output.

`bot.serve.prepare()` installs them in every process that serves people, and
Rasa's logging set-up re-installs them (bot/rasa_patches.py). Rasa's structlog
events are redacted by a patch there; here are the guards that need no patch:
- Python warnings that quote user text: Rasa's RegexMessageHandler warns
  "Failed to parse arguments in line '<the message>'" for "/" text (the
  channels also screen such text first: bot.channels.common.screen_payload).
- Rasa's HTTP API (`rasa.server`) logs every refused call at ERROR with what
  the caller sent quoted in it (sender ids, events, slot names, `until=`,
  `model_file`), and so does the tracker it feeds (`rasa.shared.core.trackers`).
  Above DEBUG those messages are cut before the first quoted value.
- Sanic logs the full URL of every unhandled error ("Exception occurred while
  handling uri: 'http://.../conversations/<id>/tracker?token=...'") and the
  request of a body left unread; above DEBUG only the first path segment is
  kept, and tracebacks become the exception's class and where it was raised.
- Rasa's CORS extension answers every OPTIONS request without reading its
  body, and Sanic then logs "body not consumed" at ERROR: dropped.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Tuple

# Warnings whose text quotes the user's message.
_USER_TEXT_WARNINGS = (r"Failed to parse arguments in line",)

# Loggers whose messages quote values an HTTP API caller chose.
CALLER_VALUE_LOGGERS = ("rasa.server", "rasa.shared.core.trackers")
# Sanic's loggers (sanic.log): root, error and access.
URL_LOGGERS = ("sanic.root", "sanic.error", "sanic.access")

# Where a quoted or structured value starts in Rasa's messages: 'x', "x", <x>, {x}, [x], "Error: x".
_VALUE_START = re.compile(r"""['"<{\[\n]|\bError:""")
_WITHHELD = " [details withheld above DEBUG: they can quote what the caller sent]"
# A full URL, or the path in Sanic's "<Request: GET /path?query>".
_URL = re.compile(r"(?P<origin>https?://[^/\s'\"<>]+)(?P<path>/[^\s'\"<>]*)?")
_REQUEST = re.compile(r"<Request: (?P<method>[A-Z]+) (?P<path>[^>\s]*)>")
_FIRST_SEGMENT = re.compile(r"^/[^/?#]*")


def _debugging() -> bool:
    # The same rule as the structlog redaction: DEBUG is an explicit choice to see everything.
    return logging.getLogger().isEnabledFor(logging.DEBUG)


def first_segment(path: str | None) -> str:
    """"/conversations/<id>/tracker?token=..." -> "/conversations/..." (no ids, no query)."""
    if not path:
        return ""
    found = _FIRST_SEGMENT.match(path)
    head = found.group(0) if found else "/"
    return head + ("/..." if len(path) > len(head) else "")


def _exception_summary(record: logging.LogRecord) -> str:
    """The exception's class and where it was raised; its message can quote the request."""
    error = record.exc_info[1] if record.exc_info else None
    if error is None:
        return ""
    where = ""
    trace = error.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    if trace is not None:
        code = trace.tb_frame.f_code
        where = f" in {code.co_filename.rsplit('/site-packages/', 1)[-1]}:{trace.tb_lineno}"
    return f" ({type(error).__name__}{where})"


def _strip_exception(record: logging.LogRecord) -> str:
    summary = _exception_summary(record)
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    return summary


class CallerValueFilter(logging.Filter):
    """Cuts a Rasa HTTP API message before the first value the caller sent."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _debugging():
            return True
        message = record.getMessage()
        cut = _VALUE_START.search(message)
        if cut:
            message = message[: cut.start()].rstrip(" .:,") + "." + _WITHHELD
        record.msg, record.args = message + _strip_exception(record), ()
        return True


class UrlFilter(logging.Filter):
    """Sanic's lines without query strings or ids; no ERROR for OPTIONS bodies left unread."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "body not consumed" in message and "<Request: OPTIONS " in message:
            return False
        if _debugging():
            return True
        message = _URL.sub(lambda m: m.group("origin") + first_segment(m.group("path")), message)
        message = _REQUEST.sub(lambda m: f"<Request: {m.group('method')} {first_segment(m.group('path'))}>", message)
        record.msg, record.args = message + _strip_exception(record), ()
        if hasattr(record, "request"):  # sanic.access: "METHOD url" in its own field
            record.request = _URL.sub(lambda m: m.group("origin") + first_segment(m.group("path")), str(record.request))
        return True


_FILTERS: Tuple[Tuple[Tuple[str, ...], logging.Filter], ...] = (
    (CALLER_VALUE_LOGGERS, CallerValueFilter()),
    (URL_LOGGERS, UrlFilter()),
)


def install_log_guards() -> None:
    """Silence warnings and filter loggers that would quote users or callers (idempotent)."""
    for message in _USER_TEXT_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    for names, guard in _FILTERS:
        for name in names:
            logger = logging.getLogger(name)
            if guard not in logger.filters:
                logger.addFilter(guard)
