"""The Rasa patches in bot/rasa_patches.py do what Rasa did (faster, or without user data in logs)."""

from __future__ import annotations

from typing import Any, Dict

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot import rasa_patches

rasa_patches.install()

VALID: Dict[str, Any] = {
    "events": [{"event": "slot", "name": "region", "value": "UK"}],
    "responses": [{"text": "Call 999"}],
}
INVALID = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"responses": ["not an object"]},
]


def test_valid_action_responses_pass() -> None:
    assert RemoteAction("action_route_hotline", None)._validate_action_result(VALID)


@pytest.mark.parametrize("response", INVALID)
def test_invalid_action_responses_fail_as_rasa_failed_them(response: Dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError) as ours:
        RemoteAction("action_route_hotline", None)._validate_action_result(response)
    with pytest.raises(jsonschema.ValidationError) as rasas:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    assert ours.value.message.startswith(rasas.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_every_event_type_resolves_to_the_class_rasa_would_find() -> None:
    def rasa_walk(name: str) -> Any:
        return next(cls for cls in all_subclasses(Event) if cls.type_name == name)

    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is rasa_walk(cls.type_name)
    assert Event.resolve_by_type("topic") is None  # Rasa's old-event rule still applies
    with pytest.raises(ValueError):
        Event.resolve_by_type("no-such-event")


TEXTS = ["hi", "what is debt bondage", "he has a knife", "i live in london", "zzqx blorp",
         "my boss took my passport and wont let me leave", "exit", "/faq"]


def test_graphs_run_without_dask_give_what_dask_gave(agent: Any, loop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.engine.runner.dask import DaskGraphRunner

    assert DaskGraphRunner.run is not rasa_patches.dask_graph_run  # ours is in use
    ours = [loop.run_until_complete(agent.parse_message(t)) for t in TEXTS]
    monkeypatch.setattr(DaskGraphRunner, "run", rasa_patches.dask_graph_run)
    assert [loop.run_until_complete(agent.parse_message(t)) for t in TEXTS] == ours


def test_policy_predictions_without_dask_are_dasks(agent: Any, loop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.runner.dask import DaskGraphRunner

    processor = agent.processor
    tracker = loop.run_until_complete(processor.get_tracker("speedups-policies"))
    for text in TEXTS[:4]:
        loop.run_until_complete(processor._handle_message_with_tracker(UserMessage(text), tracker))
        ours = processor._predict_next_with_tracker(tracker)
        with monkeypatch.context() as patched:
            patched.setattr(DaskGraphRunner, "run", rasa_patches.dask_graph_run)
            theirs = processor._predict_next_with_tracker(tracker)
        assert (ours.max_confidence_index, ours.policy_name, ours.probabilities) == (
            theirs.max_confidence_index, theirs.policy_name, theirs.probabilities)


def test_a_loaded_model_is_out_of_the_garbage_collectors_reach(agent: Any) -> None:
    import gc

    # A full collection over these objects paused the server ~260 ms under load.
    assert gc.get_freeze_count() > 100_000
