"""The `web` channel over HTTP: what it serves, how it answers, what it erases, what it refuses."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Dict

import pytest
import redis
import requests

from bot.channels import web
from bot.config import settings
from tests.expected import emergency, number
from tests.widget.conftest import EMBEDDING_ORIGIN, tracker_key
from tools.harness import Server

WEBHOOK = "/webhooks/web/webhook"
CANARY = "canary-W7q3-widget"


def sender() -> str:
    return "web-test-" + uuid.uuid4().hex[:12]


def post(server: Server, body: Any, content_type: str = "text/plain;charset=UTF-8",
         headers: Dict[str, str] | None = None) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(server.url + WEBHOOK, data=data, timeout=60,
                         headers={"Content-Type": content_type, **(headers or {})})


def texts(reply: requests.Response) -> str:
    return "\n".join(m.get("text", "") for m in reply.json()["messages"])


def assert_secure_headers(reply: requests.Response) -> None:
    policy = reply.headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                      "img-src 'self' data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    assert reply.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in reply.headers


@pytest.mark.parametrize(
    ("path", "content_type", "contains"),
    [
        ("/webhooks/web/", "text/html", '<script src="widget.js"'),
        ("/webhooks/web/widget.js", "text/javascript", "location.replace"),
        ("/webhooks/web/widget.css", "text/css", ".hb-exit"),
    ],
)
def test_the_server_serves_the_widget_with_strict_headers(web_server: Server, path: str, content_type: str,
                                                          contains: str) -> None:
    reply = requests.get(web_server.url + path, timeout=10)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith(content_type)
    assert contains in reply.text
    assert_secure_headers(reply)


def test_widget_js_carries_this_servers_defaults_and_offline_hotlines(web_server: Server) -> None:
    script = requests.get(web_server.url + "/webhooks/web/widget.js", timeout=10).text
    assert "@DEFAULTS@" not in script
    defaults = json.loads(script.split("var DEFAULTS = ", 1)[1].split(";\n", 1)[0])
    assert defaults["params"]["title"]["default"] == "Chat"
    assert defaults["params"]["exit-url"]["default"] == "https://www.bbc.co.uk/weather"
    assert defaults["exitPhrases"] == ["exit", "quick exit", "salir", "salida rapida"]
    # from data/hotlines.yml, not from the script, in both of the widget's languages
    assert emergency("US") in defaults["offline"]["en"][0]
    assert emergency("US") in defaults["offline"]["es"][0] and defaults["offline"]["es"] != defaults["offline"]["en"]


def test_a_message_gets_an_answer_and_says_whether_the_conversation_is_new(
    web_server: Server, redis_client: redis.Redis
) -> None:
    who = sender()
    first = post(web_server, {"sender": who, "message": "what is debt bondage"})
    assert first.status_code == 200
    assert_secure_headers(first)
    body = first.json()
    assert "debt" in texts(first).lower()
    assert body["exited"] is False and body["new_conversation"] is True
    assert all(set(m) <= {"text", "buttons"} for m in body["messages"])  # no ids, no custom payloads
    second = post(web_server, {"sender": who, "message": "hello"}, content_type="application/json").json()
    assert second["new_conversation"] is False
    assert {"title": "Yes, I can chat", "payload": "/affirm"} in second["messages"][0]["buttons"]
    # After the server forgot it (what Redis expiry does), the next message starts a new one.
    redis_client.delete(tracker_key(who))
    assert post(web_server, {"sender": who, "message": "hello"}).json()["new_conversation"] is True


@pytest.mark.parametrize("exit_message", ["/quick_exit", "Exit!", "quick exit"])
def test_quick_exit_erases_the_conversation_in_the_same_request(
    web_server: Server, redis_client: redis.Redis, exit_message: str
) -> None:
    who = sender()
    post(web_server, {"sender": who, "message": f"i live in london {CANARY}"})
    assert redis_client.exists(tracker_key(who))
    reply = post(web_server, {"sender": who, "message": exit_message})
    assert reply.json() == {"messages": [], "exited": True, "new_conversation": False}
    assert not redis_client.exists(tracker_key(who))
    assert not redis_client.keys(f"helpbot:*{who}*")
    # the next message starts afresh: the region is forgotten
    again = post(web_server, {"sender": who, "message": "who can i call about my husband hurting me"})
    assert again.json()["new_conversation"] is True
    assert number("us_dv") in texts(again)


def test_exit_inside_a_sentence_erases_nothing(web_server: Server, redis_client: redis.Redis) -> None:
    who = sender()
    post(web_server, {"sender": who, "message": "hello"})
    reply = post(web_server, {"sender": who, "message": "how do I exit a toxic relationship"}).json()
    assert reply["exited"] is False
    assert redis_client.exists(tracker_key(who))


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        (b"{not json", "text/plain", 400, "not valid JSON"),
        (b'["hi"]', "application/json", 400, "JSON object"),
        (b'{"sender": "web-a"}', "text/plain", 400, "'message'"),
        (b'{"sender": "no spaces allowed", "message": "hi"}', "text/plain", 400, "'sender'"),
        (b'{"sender": "web-a", "message": "\xff"}', "text/plain", 400, "UTF-8"),
        (b"sender=a&message=hi", "application/x-www-form-urlencoded", 415, "text/plain"),
        (b'{"sender": "web-a", "message": "' + b"x" * 3000 + b'"}', "text/plain", 413, "longer than"),
    ],
)
def test_bad_requests_get_a_clear_4xx_with_the_core_hotlines(
    web_server: Server, body: bytes, content_type: str, status: int, says: str
) -> None:
    reply = post(web_server, body, content_type)
    assert reply.status_code == status
    payload = reply.json()
    assert says in payload["error"]
    assert emergency("US") in payload["messages"][0]["text"]
    assert payload["exited"] is False
    assert_secure_headers(reply)


def test_cors_only_for_the_configured_origins(web_server: Server) -> None:
    message = {"sender": sender(), "message": "what is coercive control"}
    allowed = post(web_server, message, headers={"Origin": EMBEDDING_ORIGIN})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == EMBEDDING_ORIGIN
    same = post(web_server, message, headers={"Origin": web_server.url})
    assert same.status_code == 200
    assert "Access-Control-Allow-Origin" not in same.headers
    foreign = post(web_server, message, headers={"Origin": "https://somewhere-else.test"})
    assert foreign.status_code == 403
    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert "WIDGET_ALLOWED_ORIGINS" in foreign.json()["error"]


def test_what_users_write_in_the_widget_never_reaches_the_log(web_server: Server) -> None:
    who = sender()
    post(web_server, {"sender": who, "message": f"my boss took my passport {CANARY}"})
    post(web_server, {"sender": who, "message": f"/{CANARY}"})
    post(web_server, b'{"sender": "' + CANARY.encode() + b'", "message": 5}')
    post(web_server, {"sender": who, "message": CANARY * 200})
    post(web_server, {"sender": who, "message": "exit"})
    assert CANARY not in web_server.output()


# ---- in-process: rendering and settings --------------------------------------------------


def test_the_demo_page_escapes_the_configured_title(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_TITLE", '<script>alert(1)</script> & "x"')
    page = web.demo_page(settings())
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" in page


def test_widget_defaults_are_escaped_for_javascript(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_GREETING", "Hi\u2028there </script> \"quoted\"")
    script = web.widget_script(settings())
    raw = script.split("var DEFAULTS = ", 1)[1].split(";\n", 1)[0]
    assert "\u2028" not in raw and "\\u2028" in raw
    assert json.loads(raw)["params"]["greeting"]["default"] == "Hi\u2028there </script> \"quoted\""


@pytest.mark.parametrize(
    ("name", "value", "field", "used"),
    [
        ("WIDGET_EXIT_URL", "javascript:alert(1)", "widget_exit_url", "https://www.bbc.co.uk/weather"),
        ("WIDGET_EXIT_URL", "www.bbc.co.uk", "widget_exit_url", "https://www.bbc.co.uk/weather"),
        ("WIDGET_ALLOWED_ORIGINS", "https://ok.example, not an origin", "widget_allowed_origins", ("https://ok.example",)),
        ("WIDGET_ALLOWED_ORIGINS", "https://example.org/path", "widget_allowed_origins", ()),
        ("WIDGET_FRAME_ANCESTORS", "'self'; script-src *", "widget_frame_ancestors", "'none'"),
    ],
)
def test_unusable_widget_settings_are_reported_and_the_safe_default_used(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, name: str, value: str, field: str, used: Any
) -> None:
    monkeypatch.setenv(name, value)
    with caplog.at_level(logging.ERROR):
        config = settings()  # does not raise: a widget typo must not stop SMS and REST
    assert getattr(config, field) == used
    assert any(name in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


def test_widget_settings_defaults_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WIDGET_TITLE", "WIDGET_EXIT_URL", "WIDGET_ALLOWED_ORIGINS", "WIDGET_FRAME_ANCESTORS"):
        monkeypatch.delenv(name, raising=False)
    config = settings()
    assert (config.widget_title, config.widget_exit_url) == ("Chat", "https://www.bbc.co.uk/weather")
    assert config.widget_allowed_origins == () and config.widget_frame_ancestors == "'none'"
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://a.example, https://b.example/")
    monkeypatch.setenv("WIDGET_FRAME_ANCESTORS", "'self' https://a.example")
    settings.cache_clear()
    config = settings()
    assert config.widget_allowed_origins == ("https://a.example", "https://b.example")
    assert "frame-ancestors 'self' https://a.example" in web.security_headers(config)["Content-Security-Policy"]


# ---- origins: configured public origins, with the scheme; never the Host header ----------------

def _origin_request(*origins: str, host: str = "chat.example.org") -> Any:
    from types import SimpleNamespace

    from multidict import CIMultiDict

    headers = CIMultiDict([("Host", host)] + [("Origin", o) for o in origins])
    return SimpleNamespace(headers=headers, host=host)


@pytest.fixture()
def public_config(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WIDGET_PUBLIC_ORIGIN", "https://chat.example.org")
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://www.example.org")
    return settings()


@pytest.mark.parametrize(
    ("origins", "allowed", "cors"),
    [
        ((), True, None),
        (("https://chat.example.org",), True, None),
        (("https://CHAT.example.org/",), True, None),
        (("https://www.example.org",), True, "https://www.example.org"),
        (("http://chat.example.org",), False, None),  # the scheme counts
        (("http://www.example.org",), False, None),
        (("https://chat.example.org:8443",), False, None),
        (("null",), False, None),
        (("http://[",), False, None),  # raised ValueError (a 500) before
        (("https://evil.test",), False, None),
    ],
)
def test_origins_are_compared_with_the_configured_ones(public_config: Any, origins: tuple, allowed: bool,
                                                      cors: Any) -> None:
    assert web.allowed_origin(_origin_request(*origins), public_config) == (allowed, cors)


def test_the_host_header_does_not_make_an_origin_same_site(public_config: Any) -> None:
    # DNS rebinding: evil.test resolves to this server, so Host and Origin agree.
    assert web.allowed_origin(_origin_request("http://evil.test", host="evil.test"), public_config) == (False, None)


def test_several_origin_headers_are_refused(public_config: Any) -> None:
    from bot.channels.common import BadRequest

    with pytest.raises(BadRequest) as refused:
        web.allowed_origin(_origin_request("https://chat.example.org", "https://evil.test"), public_config)
    assert refused.value.status == 400


def test_by_default_the_public_origin_is_this_servers_local_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIDGET_PUBLIC_ORIGIN", raising=False)
    monkeypatch.setenv("RASA_PORT", "5123")
    assert settings().widget_public_origins == ("http://127.0.0.1:5123", "http://localhost:5123")


def _raw_post(server: Server, headers: list, body: bytes) -> tuple:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    connection.putrequest("POST", WEBHOOK)
    for name, value in headers + [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]:
        connection.putheader(name, value)
    connection.endheaders(body)
    reply = connection.getresponse()
    return reply.status, json.loads(reply.read())


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ([("Origin", "http://[")], 403),
        ([("Origin", "http://evil.test"), ("Host", "evil.test")], 403),
        ([("Origin", "http://127.0.0.1"), ("Origin", "https://embedding-site.test")], 400),
    ],
)
def test_bad_origins_get_a_4xx_with_the_core_hotlines(web_server: Server, headers: list, status: int) -> None:
    got, payload = _raw_post(web_server, headers, json.dumps({"sender": sender(), "message": "hi"}).encode())
    assert got == status
    assert emergency("US") in payload["messages"][0]["text"]


# ---- Sanic's own error pages under /webhooks/web/ carry the same headers ---------------------

@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/webhooks/web/no-such-page", 404),
    ("get", "/webhooks/web/webhook", 405),
    ("delete", "/webhooks/web/", 405),
])
def test_sanic_error_pages_under_the_widget_have_the_security_headers(web_server: Server, method: str, path: str,
                                                                     status: int) -> None:
    reply = getattr(requests, method)(web_server.url + path, timeout=10)
    assert reply.status_code == status
    assert_secure_headers(reply)


def test_a_500_under_the_widget_has_the_security_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    from types import SimpleNamespace

    import aiohttp
    from sanic import Sanic

    from tools.harness import free_port

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(web, "parse_message_request", broken)

    async def serve() -> tuple:
        Sanic.test_mode = True
        app = Sanic(f"web_test_{uuid.uuid4().hex[:8]}")
        app.ctx.agent = SimpleNamespace()
        app.blueprint(web.WebInput().blueprint(None), url_prefix="/webhooks/web")
        port = free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.before_start()
        await server.start_serving()
        try:
            async with aiohttp.ClientSession() as session:
                async with session.post(f"http://127.0.0.1:{port}/webhooks/web/webhook", data=b"{}") as reply:
                    return reply.status, dict(reply.headers)
        finally:
            server.close()
            await server.wait_closed()

    status, headers = asyncio.run(serve())
    assert status == 500
    assert headers.get("Content-Security-Policy", "").startswith("default-src 'none'")
    assert headers.get("Cache-Control") == "no-store"
