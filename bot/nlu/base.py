"""Base for our deterministic NLU components: nothing to train, nothing stored."""

from __future__ import annotations

from typing import Any, Dict, Sequence

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message


class RuleComponent(GraphComponent):
    """Created from its config at load time; reads its rules at run time."""

    def __init__(self, config: Dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RuleComponent:
        """Rasa's factory: no trained state to load."""
        return cls(config)

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to learn from training data."""
        return training_data


def add_entities(message: Message, entity: str, values: Sequence[str], extractor: str, text: str | None = None) -> None:
    """Replace this entity's values on the message (one entity per value, covering `text` or the message)."""
    whole = message.get(TEXT) or ""
    start = whole.lower().find(text) if text else -1
    span = (start, start + len(text)) if text and start >= 0 else (0, len(whole))
    kept = [e for e in message.get(ENTITIES, []) if e.get("entity") != entity]
    added = [{"entity": entity, "value": value, "start": span[0], "end": span[1], "confidence": 1.0,
              "extractor": extractor} for value in values]
    message.set(ENTITIES, [*kept, *added], add_to_output=True)
