"""Understanding of wording nobody trained on: the held-out gate.

tests/nlu/heldout.yml was written before any tuning, by someone who never saw
the training data. Sentences that also occur in the training data ("hi", "what
is sextortion") are left out of the score. Gate: each set's accuracy floor
(FLOORS; full retrieval intents) and every crisis message routed right.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from tools.evaluation import CRISIS_INTENTS, Evaluation, evaluate, summary, training_texts

SETS = PROJECT_ROOT / "tests" / "nlu"
HELDOUT = SETS / "heldout.yml"
# blind.yml: written after tuning, by someone who saw neither data/nlu nor heldout.yml.
BLIND = SETS / "blind.yml"
# fresh.yml: written 2026-11-22 by someone who saw none of the data, after the
# linear classifier was chosen by cross-validation; first measured at 90.2 %.
FRESH = SETS / "fresh.yml"
# Accuracy floors. Crisis messages must all be routed right in every set.
FLOORS = {HELDOUT.name: 0.90, BLIND.name: 0.90, FRESH.name: 0.85}


@pytest.fixture(scope="module", params=[HELDOUT, BLIND, FRESH], ids=["heldout", "blind", "fresh"])
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


@pytest.mark.parametrize("path", [HELDOUT, BLIND, FRESH], ids=["heldout", "blind", "fresh"])
def test_test_sets_cover_every_intent_of_the_domain(agent: Any, path: Path) -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    expected = {m.get_full_intent().split("/")[0] for m in load_data(str(path)).intent_examples}
    assert set(agent.domain.intents) - {"nlu_fallback", "back", "restart", "session_start", "quick_exit"} <= expected


