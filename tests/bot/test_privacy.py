"""Log guards (bot/privacy.py): what Sanic and Rasa's HTTP API would log, without ids, queries or caller values."""

from __future__ import annotations

import logging
from typing import Iterator

import pytest

from bot import privacy

CANARY = "canaryV8s1log"


@pytest.fixture()
def info_level() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    privacy.install_log_guards()
    yield
    root.setLevel(level)


def _logged(caplog: pytest.LogCaptureFixture, logger: str, message: str, *args: object,
            level: int = logging.ERROR, exc: BaseException | None = None) -> str:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=logger):
        if exc is None:
            logging.getLogger(logger).log(level, message, *args)
        else:
            try:
                raise exc
            except type(exc):
                logging.getLogger(logger).exception(message, *args)
    return caplog.text


@pytest.mark.parametrize("status_path", [
    f"/conversations/{CANARY}/tracker?token={CANARY}",
    f"/webhooks/web/webhook?{CANARY}=1",
    f"/model/parse?token={CANARY}",
])
def test_sanic_never_logs_a_query_string_or_an_id(info_level: None, caplog: pytest.LogCaptureFixture,
                                                  status_path: str) -> None:
    url = "http://127.0.0.1:5005" + status_path
    text = _logged(caplog, "sanic.error", "Exception occurred while handling uri: %s", repr(url),
                   exc=KeyError(CANARY))
    assert CANARY not in text
    assert "http://127.0.0.1:5005/" in text and "KeyError" in text
    text = _logged(caplog, "sanic.error", f"<Request: POST {status_path}> body not consumed.")
    assert CANARY not in text and "body not consumed" in text


def test_options_body_not_consumed_is_not_an_error(info_level: None, caplog: pytest.LogCaptureFixture) -> None:
    assert _logged(caplog, "sanic.error", "<Request: OPTIONS /webhooks/web/webhook> body not consumed.") == ""


@pytest.mark.parametrize("message", [
    f"Agent with name '/tmp/{CANARY}.tar.gz' could not be loaded.",
    f"Messages of sender '{CANARY}' cannot be handled.",
    f"Failed to validate the events format. Error: {{'event': '{CANARY}'}} is not valid",
    f"The intent <{CANARY}> does not exist in the domain.",
    f"Failed:\n  {CANARY}",
])
def test_rasa_http_api_messages_are_cut_before_caller_values(info_level: None, caplog: pytest.LogCaptureFixture,
                                                            message: str) -> None:
    text = _logged(caplog, "rasa.server", message)
    assert CANARY not in text and "withheld" in text


def test_at_debug_everything_is_shown(caplog: pytest.LogCaptureFixture) -> None:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        privacy.install_log_guards()
        assert CANARY in _logged(caplog, "rasa.server", f"Messages of sender '{CANARY}'")
    finally:
        root.setLevel(level)
