"""A Turn from Rasa's parse data: what the action and the channels' safety net both read."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Tuple

from bot.conversation.state import Turn


def _crisis_intents() -> Tuple[str, ...]:
    from bot.hotlines import directory

    found = directory()
    return tuple(i for need in found.crisis_needs for i in found.needs[need].intents)


# When no intent is clear, a need the model gives at least this much probability is
# taken as what the person described (a long disclosure still gets its service).
NEED_GUESS = 0.45
# ... and at least this many times the share of the model's classes that sit in that need.
NEED_LIFT = 1.25


def _tied_disclosure(intent: str, confidence: float, ranking: List[Mapping[str, Any]]) -> str | None:
    """The need of a disclosure that tied with another intent ("can i text someone about my bf hitting me").

    Rasa calls a near tie "not understood" too; it is a tie when the best intent reaches the
    fallback's own confidence (FallbackClassifier gives "not understood" its threshold). The
    person said what is happening, so that need is kept (state.update leaves crisis needs to
    the safety net).
    """
    from bot.hotlines import directory

    ranked = [r for r in ranking if r.get("name") != "nlu_fallback"]
    if intent != "nlu_fallback" or not ranked or float(ranked[0].get("confidence") or 0) < confidence:
        return None
    need = directory().need_for_intent(str(ranked[0].get("name")))
    return need if need not in (None, "core") else None


def turn_from_parse(parse: Mapping[str, Any], metadata: Mapping[str, Any] | None = None,
                    bot_texts: List[str] | None = None) -> Turn:
    """A Turn from Rasa's parse data (the SDK's latest_message, or a UserUttered's parse_data)."""
    intent = ((parse.get("intent") or {}).get("name")) or "nlu_fallback"
    confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
    entities: Dict[str, Tuple[str, ...]] = {}
    place_name = None
    for entity in parse.get("entities") or []:
        name = str(entity.get("entity"))
        entities[name] = (*entities.get(name, ()), str(entity.get("value")))
        if name == "place_choice" and parse.get("text") is not None:
            place_name = str(parse["text"])[entity.get("start", 0):entity.get("end", 0)]
    # A crisis phrase can override a knowledge question ("im 15 and sent nudes, am i in trouble");
    # the answer the model picked still goes with the crisis reply.
    ranking = [r.get("name") for r in parse.get("intent_ranking") or []]
    overridden_question = intent in _crisis_intents() and len(ranking) > 1 and ranking[1] == "faq"
    answered = "faq" if intent == "faq" or overridden_question else intent
    answer_key, answers, answer_need = answer_of(parse, answered)
    needs = parse.get("need_ranking") or []
    top = needs[0] if needs else {}
    sure = float(top.get("confidence") or 0) >= NEED_GUESS and float(top.get("lift") or 0) >= NEED_LIFT
    need_guess = top.get("name") if sure else _tied_disclosure(intent, confidence, parse.get("intent_ranking") or [])
    return Turn(
        intent=intent,
        confidence=confidence,
        text=str(parse.get("text") or ""),
        answer_key=answer_key,
        answer=answers,
        answer_need=answer_need,
        entities=entities,
        place_choices=entities.get("place_choice", ()),
        place_name=place_name,
        phone_country=(metadata or {}).get("country"),
        previous_bot_text=bot_texts[-1] if bot_texts else None,
        need_guess=need_guess,
    )


def answer_of(parse: Mapping[str, Any], intent: str) -> Tuple[str | None, Dict[str, str], str | None]:
    """The knowledge answer the classifier picked: its key, its text per language, its need."""
    selected = ((parse.get("response_selector") or {}).get(intent) or {}).get("response") or {}
    texts: Dict[str, str] = {}
    need = None
    for variant in selected.get("responses") or []:
        language = "en"
        for condition in variant.get("condition") or []:
            if condition.get("name") == "language":
                language = str(condition.get("value"))
        if variant.get("text"):
            texts.setdefault(language, str(variant["text"]))
        need = need or (variant.get("metadata") or {}).get("need")
    return selected.get("intent_response_key"), texts, need
