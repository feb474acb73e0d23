"""REST channel at /webhooks/rest/webhook: Rasa's JSON format, made safe.

Replaces Rasa's `rest` channel, which logs the user's text at ERROR when
processing fails and answers nothing when an action fails. Request:
{"sender": "<id>", "message": "<text>"}; response: a JSON list of
{"recipient_id", "text", "buttons"?}. Bad requests get a 4xx JSON object with
`error` and, so nobody is left without help, `messages` with the core hotlines.
"""

from __future__ import annotations

from typing import Any, Dict

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import BadRequest, OnNewMessage, answer, error_payload, parse_message_request


def error_response(error: BadRequest) -> HTTPResponse:
    """A 4xx with a plain message and the core hotlines."""
    return response.json(error_payload(error), status=error.status)


class SafeRestInput(InputChannel):
    """Rasa's REST channel contract, with validation, safety net and no text in logs."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> SafeRestInput:
        """Called by Rasa at start-up."""
        return cls()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: GET / (health) and POST /webhook."""
        blueprint = Blueprint("safe_rest", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text = parse_message_request(request)
            except BadRequest as error:
                return error_response(error)
            result = await answer(request.app, on_new_message, text, sender, self.name())
            return response.json(result.messages)

        return blueprint
