"""Base for our deterministic NLU components: nothing to train, nothing stored."""

from __future__ import annotations

from typing import Any, Dict

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


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
