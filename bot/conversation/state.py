"""What the assistant remembers of a conversation, and how one turn changes it.

The state lives in Rasa slots (domain.yml), so it is stored, expired and erased
with the conversation and nowhere else. Slots filled from NLU entities by Rasa's
own mappings (region, language, contact, asker) arrive already updated; the rest
(need, crisis, facets, hint_shown) follow from the turn here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, Mapping, Sequence, Tuple

from bot.hotlines import HotlineDirectory

# Slot names, one home (domain.yml declares them; tests check they agree).
REGION, LANGUAGE, NEED, CRISIS, FACETS, HELPER, CONTACT, HINT_SHOWN = (
    "region", "language", "need", "crisis", "facets", "asker", "contact", "hint_shown")
SLOTS = (REGION, LANGUAGE, NEED, CRISIS, FACETS, HELPER, CONTACT, HINT_SHOWN)
# Entities the NLU components add (bot/nlu/conversation_cues.py, region.py, language.py).
ENTITY_SLOTS = {"region": REGION, "language": LANGUAGE, "contact": CONTACT, "asker": HELPER}
FACET_ENTITY = "facet"
SAFE_INTENT = "say_safe"
# "he's gone quiet" is not "I'm safe": a crisis ends only when the model is this sure.
SAFE_CONFIDENCE = 0.6
# A model-guessed crisis (not a safety-net phrase) replaces another crisis only when this sure.
SWITCH_CRISIS_CONFIDENCE = 0.7
UNCLEAR_INTENTS = ("nlu_fallback", "out_of_scope")
# A knowledge answer about the chat itself or general facts: it names no service.
NO_NEED = "none"

CONTACT_MODES = ("cannot_talk", "text_only", "deaf", "no_calls")


@dataclass(frozen=True)
class State:
    """The conversation so far, as far as it matters for the next reply."""

    region: str | None = None  # ISO code of where the person is (said, or their phone's country)
    language: str = "en"
    need: str | None = None  # what the conversation is about (a directory need)
    crisis: str | None = None  # an active crisis need, until the person says they are safe
    facets: Tuple[str, ...] = ()  # under_18, men, native: who the help is for
    helper: bool = False  # asking for someone else
    contact: str | None = None  # how they can reach help (CONTACT_MODES)
    hint_shown: bool = False  # "these numbers are for the US" was said

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> State:
        facets = slots.get(FACETS) or ()
        return cls(
            region=slots.get(REGION) or None,
            language=slots.get(LANGUAGE) or "en",
            need=slots.get(NEED) or None,
            crisis=slots.get(CRISIS) or None,
            facets=tuple(facets) if isinstance(facets, (list, tuple)) else (),
            helper=slots.get(HELPER) == "helper",
            contact=slots.get(CONTACT) or None,
            hint_shown=bool(slots.get(HINT_SHOWN)),
        )

    def as_slots(self) -> Dict[str, Any]:
        return {
            REGION: self.region, LANGUAGE: self.language, NEED: self.need, CRISIS: self.crisis,
            FACETS: list(self.facets) or None, HELPER: "helper" if self.helper else None,
            CONTACT: self.contact, HINT_SHOWN: self.hint_shown or None,
        }


@dataclass(frozen=True)
class Turn:
    """One user message, as the NLU understood it."""

    intent: str
    text: str = ""
    confidence: float = 1.0
    answer_key: str | None = None  # faq/<key>, for knowledge questions
    answer: Mapping[str, str] = field(default_factory=dict)  # language -> answer text
    answer_need: str | None = None  # the need a knowledge answer sits in
    entities: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)  # entity -> values in this message
    place_choices: Tuple[str, ...] = ()  # countries a place name could mean ("cambridge")
    place_name: str | None = None
    phone_country: str | None = None  # SMS: the sender's country calling code (+44 -> GB)
    previous_bot_text: str | None = None  # what the assistant said last (to read a yes or no)
    need_guess: str | None = None  # the need the model is fairly sure of when no intent is clear

    def has(self, entity: str) -> bool:
        return bool(self.entities.get(entity))

    def first(self, entity: str) -> str | None:
        values = self.entities.get(entity) or ()
        return values[-1] if values else None


def update(state: State, turn: Turn, directory: HotlineDirectory) -> State:
    """The state after this turn (slots Rasa already filled from entities are taken as given)."""
    changes: Dict[str, Any] = {}
    if not state.region and turn.phone_country:
        changes["region"] = turn.phone_country
    changes["facets"] = _facets(state.facets, turn.entities.get(FACET_ENTITY) or ())
    need = directory.need_for_intent(turn.intent)
    if turn.intent in UNCLEAR_INTENTS and turn.need_guess in directory.needs \
            and turn.need_guess not in directory.crisis_needs and not state.need:
        # No intent is clear, but the need is. Only a first need: an unclear follow-up
        # ("is that illegal here") leans on the words of every need and must not
        # replace what the person already said is happening.
        need = turn.need_guess
    if need in directory.crisis_needs:
        # "where do i even go" mid-danger, guessed as suicidal, is not a new crisis.
        if not (state.crisis and state.crisis != need and turn.confidence < SWITCH_CRISIS_CONFIDENCE):
            changes["crisis"] = need
        # A crisis does not replace what the conversation is about ("he hits me", then "he has a knife").
        if not state.need:
            changes["need"] = need
    elif need and need != "core":
        changes["need"] = need
    elif turn.answer_need and turn.answer_need != NO_NEED and not state.need:
        # A question about the chat itself ("is this safe to use") sets no need, so the
        # next answer about abuse still brings that need's service.
        changes["need"] = turn.answer_need
    if turn.intent == SAFE_INTENT and state.crisis and turn.confidence >= SAFE_CONFIDENCE:
        changes["crisis"] = None
    return replace(state, **changes)


def _facets(kept: Sequence[str], said: Sequence[str]) -> Tuple[str, ...]:
    """Who the help is for; a newly said age replaces the old one (under_18 or adult)."""
    facets = set(kept)
    if "under_18" in said or "adult" in said:
        facets -= {"under_18", "adult"}
    return tuple(sorted(facets | set(said)))


def slot_changes(before: Mapping[str, Any], after: State, names: Sequence[str] = SLOTS) -> Dict[str, Any]:
    """Slots whose value this turn changed (to send back as SlotSet events)."""
    values = after.as_slots()
    return {name: values[name] for name in names if values[name] != (before.get(name) or None)}
