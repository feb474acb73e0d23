"""Where the person is: a `region` entity (an ISO country code) from places at any level.

Countries, states, provinces and cities come from offline gazetteers
(bot/places.py), so "im in cork", "gold coast" and "im in BC" all work without
word lists. When a name is shared by places in two served regions and neither
is much bigger ("newcastle"), `place_choice` entities name the countries so the
assistant can ask. The `region` slot fills from the entity (domain.yml).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.hotlines import directory
from bot.nlu.base import RuleComponent, add_entities
from bot.places import Gazetteer, gazetteer

REGION_ENTITY = "region"
CHOICE_ENTITY = "place_choice"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class RegionExtractor(RuleComponent, EntityExtractorMixin):
    """Adds `region` (or `place_choice`) entities for the places a message names."""

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        # Built when the model loads (about a second), so no message waits for it.
        self.places: Gazetteer = gazetteer(frozenset(directory().regions))

    def process(self, messages: List[Message]) -> List[Message]:
        """Add the region entity when the message names a place."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            found = self.places.find(text)
            if found.country:
                add_entities(message, REGION_ENTITY, [found.country], self.name)
            elif found.choices:
                add_entities(message, CHOICE_ENTITY, list(found.choices), self.name, found.name)
        return messages

    @property
    def name(self) -> str:
        return self.__class__.__name__


__all__ = ["RegionExtractor", "REGION_ENTITY", "CHOICE_ENTITY", "ENTITIES"]
