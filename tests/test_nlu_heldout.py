"""Understanding of wording nobody trained on: the gates on every unseen test set.

Sentences that also occur in the training data ("hi", "what is sextortion") are
left out of the score. Each set has an accuracy floor (full retrieval intents,
FLOORS) and every crisis message must be routed right. README "Understanding
figures" says how each set was written and used, and its first measurement.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from tools.evaluation import CRISIS_INTENTS, Evaluation, evaluate, summary, training_texts

SETS = PROJECT_ROOT / "tests" / "nlu"
# heldout: written before any tuning (2026-11); blind: after, by someone who saw neither;
# fresh: 2026-11-22, after the model was chosen. All three relabelled to the 127-answer
# knowledge base on 2026-12-02 by someone blind to model output (tests/nlu/RELABELLED.md).
# knowledge_blind: 2026-12-02, from the list of answers only; first measured at 74.5 %.
# spanish_heldout / spanish_blind: 2026-12-02; first measured at 63.8 % and 86.8 %.
# spanish_fresh: 2026-12-03, after Spanish round five, from a list of intents only.
# Floors: about 3 points under the figure measured on 2026-12-03, after Spanish round five (README), so a content
# edit that costs a point passes and a real regression does not. The Spanish sets are
# gated at the 90 % issue 16 asks for.
FLOORS = {
    "heldout.yml": 0.87,  # 90.9 %
    "blind.yml": 0.86,  # 89.5 %
    "fresh.yml": 0.82,  # 85.0 %
    "knowledge_blind.yml": 0.82,  # 84.6 % (first 74.5 %; issue 15 asked for at least that minus 3)
    "spanish_heldout.yml": 0.90,  # 93.0 % (first 63.8 %; issue 16: at least 90 %)
    "spanish_blind.yml": 0.90,  # 93.5 % (first 86.8 %; issue 16: at least 90 %)
    "spanish_fresh.yml": 0.81,  # 84.0 % (first 82.8 %, crisis 91.3 %: written blind on 2026-12-03)
    "followups_blind.yml": 0.84,  # 86.2 % (first 86.6 %)
}
PATHS = [SETS / name for name in FLOORS]


@pytest.fixture(scope="module", params=PATHS, ids=[p.stem for p in PATHS])
def heldout(request: pytest.FixtureRequest, agent: Any, loop: Any) -> Evaluation:
    result = evaluate(agent, request.param, loop, seen=training_texts(PROJECT_ROOT / "data" / "nlu"))
    out = PROJECT_ROOT / "results" / f"{request.param.stem}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary(result), indent=2))
    return result


def test_only_unseen_sentences_are_scored(heldout: Evaluation) -> None:
    seen = training_texts(PROJECT_ROOT / "data" / "nlu")
    assert not {text.lower() for text, _, _ in heldout.rows} & seen
    assert len(heldout.rows) > len(heldout.excluded)  # overlap stays the exception


def test_heldout_intent_accuracy_reaches_its_floor(heldout: Evaluation) -> None:
    assert heldout.accuracy >= FLOORS[heldout.source], "\n".join(
        f"{e} -> {p}: {t}" for t, e, p in heldout.mistakes()
    )


@pytest.mark.parametrize("intent", CRISIS_INTENTS)
def test_every_heldout_crisis_message_is_recognised(heldout: Evaluation, intent: str) -> None:
    missed = [(t, p) for t, e, p in heldout.rows if e == intent and p != intent]
    assert not missed, f"{intent} missed: {missed}"


def test_the_test_sets_together_cover_every_intent_of_the_domain(agent: Any) -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    expected = {m.get_full_intent().split("/")[0] for path in PATHS for m in load_data(str(path)).intent_examples}
    matched_by_code = {"nlu_fallback", "back", "restart", "session_start", "quick_exit", "switch_language"}
    assert set(agent.domain.intents) - matched_by_code <= expected


def test_every_crisis_intent_is_a_safety_net_intent() -> None:
    """The crisis intents (data/hotlines.yml needs marked crisis) and data/safety_net.yml agree."""
    from bot.nlu.safety_net import SAFETY_NET_FILE, load_rules

    assert {rule.intent for rule in load_rules(SAFETY_NET_FILE)} == set(CRISIS_INTENTS)
