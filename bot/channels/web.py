"""Web widget channel at /webhooks/web/: serves the widget and answers it.

The Rasa server itself serves everything a site needs, so there is no second
web server, CDN or build step:

- GET  /webhooks/web/           a demo page (also usable as a stand-alone chat page)
- GET  /webhooks/web/widget.js  the script a site adds with one <script> tag
- GET  /webhooks/web/widget.css its styles (loaded by widget.js)
- POST /webhooks/web/webhook    {"sender", "message"} ->
                                {"messages", "exited", "new_conversation"}

The widget sends its JSON as text/plain: a CORS-safelisted type needs no
preflight, and Rasa's CORS extension answers every OPTIONS request itself
(with no headers unless `rasa run --cors` is given), so a preflight could never
succeed for an embedding site. Sites on other origins must be listed in
WIDGET_ALLOWED_ORIGINS; requests from any other foreign origin get 403.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Dict, List, Tuple

import yaml
from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import BadRequest, OnNewMessage, answer, core_messages, error_payload, parse_message_request
from bot.config import PROJECT_ROOT, Settings, settings
from bot.stores import tracker_store_of

WIDGET_DIR = PROJECT_ROOT / "bot" / "widget"
_DEFAULTS_MARK = "/*@DEFAULTS@*/{}"
_TITLE_MARK = "{{title}}"
_BODY_TYPES = ("application/json", "text/plain")


def security_headers(config: Settings) -> Dict[str, str]:
    """Headers on everything this channel serves: nothing loads from anywhere else."""
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors {config.widget_frame_ancestors}"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        # Nothing about the chat should be kept in the browser's cache or back-forward cache.
        "Cache-Control": "no-store",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    }


WIDGET_PATH = "/webhooks/web"


async def add_security_headers(request: Request, reply: HTTPResponse) -> None:
    """Response middleware: every answer under /webhooks/web/, Sanic's error pages included."""
    if reply is not None and (request.path or "").startswith(WIDGET_PATH):
        for name, value in security_headers(settings()).items():
            reply.headers.setdefault(name, value)


@lru_cache(maxsize=8)
def _read(name: str) -> str:
    """A widget file, read from disk once per process."""
    return (WIDGET_DIR / name).read_text(encoding="utf-8")


PARAMETERS_FILE = WIDGET_DIR / "parameters.yml"


@lru_cache(maxsize=1)
def widget_parameters() -> Dict[str, Dict[str, Any]]:
    """The widget's data attributes, as bot/widget/parameters.yml declares them."""
    declared = yaml.safe_load(PARAMETERS_FILE.read_text(encoding="utf-8"))
    if not isinstance(declared, dict) or not all(isinstance(v, dict) for v in declared.values()):
        raise ValueError(f"{PARAMETERS_FILE}: each parameter must be a mapping")
    return declared


def _setting_values(config: Settings) -> Dict[str, Any]:
    """The settings a parameter can name as its default (bot/config.py reads them)."""
    return {"WIDGET_TITLE": config.widget_title, "WIDGET_GREETING": config.widget_greeting,
            "WIDGET_EXIT_URL": config.widget_exit_url}


def widget_defaults(config: Settings) -> Dict[str, Any]:
    """What widget.js needs: each declared attribute's default here, and the server's facts."""
    settings_now = _setting_values(config)
    params: Dict[str, Any] = {}
    for name, spec in widget_parameters().items():
        # "server" has no fixed default: the browser knows where the script came from.
        default = settings_now[spec["setting"]] if spec.get("setting") else (None if name == "server" else spec["default"])
        params[name] = {"default": default, **({"values": spec["values"]} if spec.get("values") else {})}
    return {
        "params": params,
        "exitPhrases": list(config.quick_exit_phrases),
        "maxChars": config.max_message_chars,
        # Shown when the server cannot be reached: the numbers still come from the directory.
        "offline": {language: core_messages(language=language) for language in ("en", "es")},
    }


@lru_cache(maxsize=4)
def _widget_script(defaults_json: str) -> str:
    script = _read("widget.js")
    if _DEFAULTS_MARK not in script:
        raise RuntimeError(f"bot/widget/widget.js lost its {_DEFAULTS_MARK} marker")
    return script.replace(_DEFAULTS_MARK, defaults_json, 1)


def widget_script(config: Settings) -> str:
    """widget.js with this server's defaults filled in."""
    # ensure_ascii keeps U+2028/2029 and every non-ASCII character escaped inside the JS.
    return _widget_script(json.dumps(widget_defaults(config), ensure_ascii=True, sort_keys=True))


@lru_cache(maxsize=4)
def _demo_page(title: str) -> str:
    return _read("demo.html").replace(_TITLE_MARK, title)


def demo_page(config: Settings) -> str:
    """The demo page, with the configured title HTML-escaped."""
    from html import escape

    return _demo_page(escape(config.widget_title, quote=True))


def allowed_origin(request: Request, config: Settings) -> Tuple[bool, str | None]:
    """(may this request be answered, the origin to allow in CORS headers if any).

    Compared as strings with the configured origins, scheme and port included;
    never with the Host header, which a DNS-rebinding page controls, and never
    parsed (a malformed Origin is simply not one of ours).
    """
    origins = request.headers.getall("origin", [])
    if len(origins) > 1:
        raise BadRequest(400, "Send at most one Origin header.")
    if not origins:
        return True, None  # not from a browser (curl, other front ends)
    origin = origins[0].strip().rstrip("/").lower()
    if origin in config.widget_allowed_origins:
        return True, origin
    return origin in config.widget_public_origins, None


def _for_widget(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Only what the widget renders: text and quick-reply buttons (no ids, no custom payloads)."""
    cleaned = []
    for message in messages:
        item: Dict[str, Any] = {}
        if isinstance(message.get("text"), str):
            item["text"] = message["text"]
        buttons = [
            {"title": str(b["title"]), "payload": str(b["payload"])}
            for b in message.get("buttons") or []
            if isinstance(b, dict) and b.get("title") and b.get("payload")
        ]
        if buttons:
            item["buttons"] = buttons
        if item:
            cleaned.append(item)
    return cleaned


async def conversation_exists(app: Any, sender_id: str) -> bool:
    """Whether the server still keeps this conversation (False once it expired)."""
    try:
        return await tracker_store_of(app.ctx.agent).exists(sender_id)
    except Exception:  # noqa: BLE001 - unknown is "exists": no false idle notice
        return True


class WebInput(InputChannel):
    """The embeddable web widget: its files, its demo page and its message endpoint."""

    @classmethod
    def name(cls) -> str:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> WebInput:
        """Called by Rasa at start-up; checks the widget's files exist."""
        for name in ("widget.js", "widget.css", "demo.html"):
            _read(name)
        widget_parameters()
        return cls()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: GET / (demo page), GET /widget.js, GET /widget.css, POST /webhook."""
        blueprint = Blueprint("web_widget", __name__)

        @blueprint.listener("before_server_start")
        async def guard_error_pages(app: Any, _: Any) -> None:
            # Sanic answers 404, 405 and unhandled errors itself, outside any route of
            # this blueprint (whose middleware would not run): only app-wide
            # middleware reaches those pages.
            app.register_middleware(add_security_headers, "response")

        def send(body: str, content_type: str, status: int = 200, extra: Dict[str, str] | None = None) -> HTTPResponse:
            headers = {**security_headers(settings()), **(extra or {})}
            return response.text(body, status=status, headers=headers, content_type=content_type)

        @blueprint.route("/", methods=["GET"])
        async def page(_: Request) -> HTTPResponse:
            return send(demo_page(settings()), "text/html; charset=utf-8")

        @blueprint.route("/widget.js", methods=["GET"])
        async def script(_: Request) -> HTTPResponse:
            return send(widget_script(settings()), "text/javascript; charset=utf-8")

        @blueprint.route("/widget.css", methods=["GET"])
        async def styles(_: Request) -> HTTPResponse:
            return send(_read("widget.css"), "text/css; charset=utf-8")

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            config = settings()
            extra = {"Vary": "Origin"}

            def reply(payload: Dict[str, Any], status: int = 200) -> HTTPResponse:
                return send(json.dumps(payload), "application/json", status, extra)

            try:
                allowed, cors_origin = allowed_origin(request, config)
                if cors_origin:
                    extra["Access-Control-Allow-Origin"] = cors_origin
                if not allowed:
                    raise BadRequest(403, "This site is not allowed to use this chat (WIDGET_ALLOWED_ORIGINS).")
                sender, text = parse_message_request(request, _BODY_TYPES, self.name())
            except BadRequest as error:
                return reply({**error_payload(error), "exited": False, "new_conversation": False}, error.status)
            existed = await conversation_exists(request.app, sender)
            result = await answer(request.app, on_new_message, text, sender, self.name())
            return reply(
                {
                    "messages": [] if result.quick_exit else _for_widget(result.messages),
                    "exited": result.quick_exit,
                    "new_conversation": not existed and not result.quick_exit,
                }
            )

        return blueprint
