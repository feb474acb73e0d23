"""Region entity from the hotline directory's region words ("i live in london" -> UK).

Deterministic and driven by data/hotlines.yml, so adding a place is a data edit,
and it works without the action server (the `region` slot fills from this entity).
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.hotlines import directory
from bot.nlu.base import RuleComponent

REGION_ENTITY = "region"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class RegionExtractor(RuleComponent, EntityExtractorMixin):
    """Adds a `region` entity whose value is the directory's region code (read at run time)."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Add the region entity when the message names a known place."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            code = directory().region_in(text)
            if code:
                entity = {
                    "entity": REGION_ENTITY,
                    "value": code,
                    "start": 0,
                    "end": len(text),
                    "confidence": 1.0,
                    "extractor": self.__class__.__name__,
                }
                entities = [e for e in message.get(ENTITIES, []) if e.get("entity") != REGION_ENTITY]
                message.set(ENTITIES, [*entities, entity], add_to_output=True)
        return messages
