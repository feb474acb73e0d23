"""Every change this assistant makes to Rasa 3.6's own code, in one place.

`bot.serve.prepare()` installs them, once per process, after checking that the
installed Rasa is the one they were written against (RASA_VERSION): a patch
checked against one Rasa can silently do the wrong thing in another.
tests/bot/test_rasa_patches.py checks each against Rasa's own behaviour.

Privacy:
- Rasa's structlog events carry what users wrote and what was remembered
  (`user_text`, `slot_values`, `parse_data_text`, ...), and its YAML story reader
  warns `message.parsing.failed` with the full text of any message that starts
  with "/" but is not a valid payload. At the default log level every field of a
  structlog event except its name is redacted (see `redact_event_fields`).

Speed (each found with cProfile or A/B runs; README "Speed under load"):
- Custom actions run inside the Rasa server (ACTIONS_IN_PROCESS, on by default)
  through the same Rasa SDK executor the action server uses, with the same
  request and response: only the HTTP hop goes. ACTIONS_IN_PROCESS=false calls
  the action server, as stock Rasa does.
- Rasa validates each custom-action response with `jsonschema.validate`, which
  re-checks the large events schema itself on every call: ~50 ms of CPU per
  routed message. We use the same schema with a validator built once.
- Reading a stored conversation looked up each event's class by walking every
  Event subclass; a table built once does it (Rasa's walk for unknown names).
- Rasa runs every graph (NLU, then the policies for each action) through dask's
  scheduler, whose bookkeeping cost about as much as our whole NLU; we run the
  same nodes in the same dependency order directly.
- A loaded model is ~490k Python objects, and a full garbage collection walks
  them all (~260 ms, the server frozen meanwhile); `gc.freeze` after loading
  keeps them out of every collection.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, MutableMapping, Tuple

from bot.config import settings

logger = logging.getLogger(__name__)

# The Rasa these patches were written against and checked with.
RASA_VERSION = "3.6.21"

_installed = False
# Rasa's own graph run, kept so tests can compare it with ours.
dask_graph_run: Any = None
# The Rasa SDK executor running custom actions in this process (None when they do not).
action_executor: Any = None


class UnsupportedRasa(RuntimeError):
    """The installed Rasa is not the version these patches were checked against."""


def check_rasa_version() -> None:
    """Refuse to patch any Rasa but RASA_VERSION."""
    import rasa

    if rasa.__version__ != RASA_VERSION:
        raise UnsupportedRasa(
            f"This assistant needs Rasa {RASA_VERSION}, found {rasa.__version__}. "
            "Run `make venv` (requirements.txt pins it)."
        )


def install() -> None:
    """Patch Rasa once per process; later calls do nothing."""
    global _installed
    if _installed:
        return
    check_rasa_version()
    _installed = True
    _redact_structlog_events()
    _keep_log_guards_when_rasa_configures_warnings()
    _validate_action_responses_with_a_cached_validator()
    _resolve_event_types_from_a_table()
    _run_graphs_without_dask()
    _freeze_objects_after_model_load()
    if settings().actions_in_process:
        _run_custom_actions_in_process()


# Fields of a structlog event that never hold user data: its name and level.
_SAFE_EVENT_FIELDS = frozenset({"event", "event_info", "event_key", "level", "log_level", "timestamp"})


def redact_event_fields(logger: Any, method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: above DEBUG, keep an event's name and replace every other field.

    An allow-list rather than Rasa's own list of keys (`_anonymizer`), which is
    empty without Rasa Pro and misses new fields. At DEBUG (an explicit choice
    of whoever runs the server) events are left as they are.
    """
    if logging.getLogger().isEnabledFor(logging.DEBUG):
        return event_dict
    for key in list(event_dict):
        if key not in _SAFE_EVENT_FIELDS:
            value = event_dict[key]
            if key == "exc_info" and value:
                # A traceback's message can quote the text; its class cannot.
                error = value if isinstance(value, BaseException) else None
                event_dict[key] = False
                event_dict["error"] = type(error).__name__ if error else "exception"
            else:
                event_dict[key] = "[redacted]"
    return event_dict


def configure_structlog(log_level: int | None = None) -> None:
    """Rasa's structlog set-up with `redact_event_fields` first in the chain."""
    import structlog

    _rasa_configure_structlog(log_level)
    processors = list(structlog.get_config()["processors"])
    if redact_event_fields not in processors:
        structlog.configure(processors=[redact_event_fields, *processors])


_rasa_configure_structlog: Any = None


def _redact_structlog_events() -> None:
    import rasa.__main__
    from rasa.utils import log_utils

    global _rasa_configure_structlog
    _rasa_configure_structlog = log_utils.configure_structlog
    # `rasa run` calls the name it imported into rasa.__main__; other code calls log_utils'.
    log_utils.configure_structlog = configure_structlog
    rasa.__main__.configure_structlog = configure_structlog
    # A process that never runs Rasa's CLI (tests, evaluation) is configured here.
    configure_structlog()


def _keep_log_guards_when_rasa_configures_warnings() -> None:
    import rasa.__main__
    from rasa.utils import common

    from bot.privacy import install_log_guards

    configure = common.configure_logging_and_warnings

    def configure_then_guard(*args: Any, **kwargs: Any) -> None:
        # Rasa resets the warning filters here (`rasa run` calls it at start-up).
        configure(*args, **kwargs)
        install_log_guards()

    common.configure_logging_and_warnings = configure_then_guard
    rasa.__main__.configure_logging_and_warnings = configure_then_guard


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

    RemoteAction._validate_action_result = _validate_action_result


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

    Event.resolve_by_type = staticmethod(resolve_by_type)



def _run_graphs_without_dask() -> None:
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    def plan(runner: DaskGraphRunner, targets: List[str]) -> List[Tuple[str, Tuple[str, ...]]]:
        """Nodes the targets need, each after the nodes it needs (computed once per targets)."""
        plans = runner.__dict__.setdefault("_sequential_plans", {})
        key = tuple(targets)
        if key not in plans:
            nodes = runner._graph_schema.minimal_graph_schema(targets).nodes
            order: List[Tuple[str, Tuple[str, ...]]] = []
            placed: set = set()

            def place(name: str) -> None:
                if name in placed or name not in nodes:
                    return  # done, or an input placeholder
                placed.add(name)
                needs = tuple(nodes[name].needs.values())
                for need in needs:
                    place(need)
                order.append((name, needs))

            for target in targets:
                place(target)
            plans[key] = order
        return plans[key]

    def run(
        self: DaskGraphRunner,
        inputs: Dict[str, Any] | None = None,
        targets: List[str] | None = None,
    ) -> Dict[str, Any]:
        # Same contract as DaskGraphRunner.run: inputs enter as (name, value), each
        # node returns (name, output), the result maps each target to its output.
        run_targets = targets if targets else self._graph_schema.target_names
        order = plan(self, run_targets)
        results: Dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(f"Input value '{value}' clashes with a node name.")
            results[name] = (name, value)
        try:
            for name, needs in order:
                node = self._instantiated_nodes[name]
                results[name] = node(*(results.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results.get(target, target) for target in run_targets)

    global dask_graph_run
    dask_graph_run = DaskGraphRunner.run
    DaskGraphRunner.run = run


def _freeze_objects_after_model_load() -> None:
    import gc

    from rasa.core.agent import Agent

    load_model = Agent.load_model

    def load_model_then_freeze(self: Agent, *args: Any, **kwargs: Any) -> None:
        load_model(self, *args, **kwargs)
        gc.collect()
        gc.freeze()  # what is loaded now lives as long as the process

    Agent.load_model = load_model_then_freeze


def _run_custom_actions_in_process() -> None:
    import rasa.core.actions.action as rasa_actions
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event, deserialise_events
    from rasa_sdk.executor import ActionExecutor

    global action_executor
    executor = action_executor = ActionExecutor()
    executor.register_package("actions")

    class InProcessAction(RemoteAction):
        """A RemoteAction whose request is answered by the executor in this process."""

        async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any,
                      metadata: Any = None) -> List[Event]:
            try:
                response = await executor.run(self._action_call_format(tracker, domain)) or {}
            except Exception as error:  # noqa: BLE001 - the channel's safety net answers instead
                # The class only: Rasa would log the whole traceback, and an error's
                # message can quote what the user wrote.
                logger.error("Action %s failed (%s); answering from the hotline directory.",
                             self.name(), type(error).__name__)
                return []
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
