"""The preview's web page and its two requests, served on 127.0.0.1 only.

A single-threaded server: the model runs in one event loop, and one staff
member's clicks do not need more. Requests must carry the token the page was
served with and a local Host header, so another web page open in the same
browser cannot talk to it. Nothing is logged (the base class would log each
request line).
"""

from __future__ import annotations

import json
import secrets
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Dict, Tuple

from tools.preview.chat import Chat

STATIC = Path(__file__).parent / "static"
FILES = {"/": ("page.html", "text/html; charset=utf-8"), "/page.js": ("page.js", "text/javascript; charset=utf-8"),
         "/page.css": ("page.css", "text/css; charset=utf-8")}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
MAX_BODY = 16 * 1024


def make_server(chat: Chat, port: int) -> Tuple[HTTPServer, str]:
    """A server on 127.0.0.1:`port` (0: any free port) and the token its page carries."""
    token = secrets.token_urlsafe(24)
    server = HTTPServer(("127.0.0.1", port), _handler(chat, token))
    return server, token


def _handler(chat: Chat, token: str) -> type:
    class Handler(BaseHTTPRequestHandler):
        server_version = "preview"
        sys_version = ""

        def log_message(self, *_: Any) -> None:  # request lines would carry nothing useful, and never user text
            return

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if not self._local() or self.path not in FILES:
                return self._send(404, b"not found", "text/plain; charset=utf-8")
            name, kind = FILES[self.path]
            body = (STATIC / name).read_text(encoding="utf-8")
            if name == "page.html":
                body = body.replace("{{token}}", token)
            return self._send(200, body.encode(), kind)

        def do_POST(self) -> None:  # noqa: N802
            if not self._local() or self.headers.get("X-Preview-Token") != token:
                return self._json(403, {"error": "this preview only answers its own page"})
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._json(413, {"error": "message too long"})
            try:
                request: Dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
                conversation = str(request["conversation"])[:64]
            except (ValueError, KeyError, TypeError):
                return self._json(400, {"error": "send JSON with conversation and text"})
            if self.path == "/message":
                text = str(request.get("text") or "").strip()
                if not text:
                    return self._json(400, {"error": "write a message first"})
                return self._json(200, chat.say(conversation, text))
            if self.path == "/forget":
                chat.forget(conversation)
                return self._json(200, {"forgotten": True})
            return self._json(404, {"error": "not found"})

        def _local(self) -> bool:
            """Only this machine's own names (a page elsewhere could otherwise rebind a name to 127.0.0.1)."""
            port = self.server.server_address[1]  # type: ignore[index]  # an (host, port) pair for HTTPServer
            return self.headers.get("Host") in (f"127.0.0.1:{port}", f"localhost:{port}")

        def _json(self, status: int, payload: Dict[str, Any]) -> None:
            self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json; charset=utf-8")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
