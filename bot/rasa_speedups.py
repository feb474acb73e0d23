"""Per-message costs in Rasa 3.6 that we remove without changing what it does.

Measured with cProfile and `make bench` on this assistant (README "Speed").

Custom actions run inside the Rasa server (ACTIONS_IN_PROCESS, on by default),
through the same Rasa SDK executor the action server uses, with the same
request and response: only the HTTP hop goes. Under load that hop was the
slowest part of a routed message, because the reply waited for a third process
and then again for the server's event loop. ACTIONS_IN_PROCESS=false sends them
to the action server in endpoints.yml, as stock Rasa does.

Rasa validates
every custom-action response with `jsonschema.validate`, which re-checks the
(large) events schema itself on every call: about 50 ms of CPU per routed
message, more than the whole rest of the message. We validate against the same
schema with a validator built once. Reading a stored conversation looks up
each event's class by walking every Event subclass (a few hundred) once per
event; we look them up in a table built once, falling back to Rasa's walk for
a name the table lacks. Installed by `bot.stores`, which every Rasa
server running this assistant loads through endpoints.yml.
"""

from __future__ import annotations

from typing import Any, Dict, List

from bot.config import settings

_installed = False


def install() -> None:
    """Patch Rasa once per process; later calls do nothing."""
    global _installed
    if _installed:
        return
    _installed = True
    _validate_action_responses_with_a_cached_validator()
    _resolve_event_types_from_a_table()
    if settings().actions_in_process:
        _run_custom_actions_in_process()


def _validate_action_responses_with_a_cached_validator() -> None:
    from jsonschema import ValidationError, validators
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, instead of once per message
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        # Same checks and error as RemoteAction._validate_action_result in Rasa 3.6.
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        assert isinstance(error, ValidationError)
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def _resolve_event_types_from_a_table() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    walk = Event.resolve_by_type
    table: Dict[str, Any] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # first match wins, as in Rasa's walk

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = table.get(type_name)
        return found if found is not None else walk(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]



def _run_custom_actions_in_process() -> None:
    import rasa.core.actions.action as rasa_actions
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event, deserialise_events
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")

    class InProcessAction(RemoteAction):
        """A RemoteAction whose request is answered by the executor in this process."""

        async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any,
                      metadata: Any = None) -> List[Event]:
            response = await executor.run(self._action_call_format(tracker, domain)) or {}
            self._validate_action_result(response)
            bot_messages = await self._utter_responses(
                response.get("responses", []), output_channel, nlg, tracker
            )
            return bot_messages + deserialise_events(response.get("events", []))

    find_action = rasa_actions.action_for_name_or_text

    def action_for_name_or_text(name: str, domain: Any, action_endpoint: Any) -> Any:
        action = find_action(name, domain, action_endpoint)
        if type(action) is RemoteAction and name in executor.actions:
            return InProcessAction(name, action_endpoint)
        return action

    # The processor looks the function up on the module at every call.
    rasa_actions.action_for_name_or_text = action_for_name_or_text
