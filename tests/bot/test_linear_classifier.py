"""The linear intent classifier: Rasa's contract, FAQ answers, and a round trip to disk."""

from __future__ import annotations

from pathlib import Path
from typing import List

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_classifier import LinearIntentClassifier

EXAMPLES = {
    "greet": ["hi", "hello", "hey there", "good morning", "hiya"],
    "danger_now": ["he has a knife", "he is hitting me right now", "someone is breaking in",
                   "he says he will kill me tonight", "i am locked in the room"],
    "faq/debt_bondage": ["what is debt bondage", "debt bondage meaning", "they say i owe them money for travel",
                         "working to pay off a debt that never ends", "what does bonded labour mean"],
    "faq/sextortion": ["what is sextortion", "someone threatens to share nudes unless i pay",
                       "sextortion meaning", "what to do about sexual blackmail", "is sextortion a crime"],
}
RESPONSES = {
    "utter_faq/debt_bondage": [{"text": "Debt bondage means ..."}],
    "utter_faq/sextortion": [{"text": "Sextortion is ..."}],
}


def training_data() -> TrainingData:
    messages = []
    for label, texts in EXAMPLES.items():
        intent, _, key = label.partition("/")
        for text in texts:
            data = {"text": text, "intent": intent}
            if key:
                data["intent_response_key"] = label
            messages.append(Message(data=data))
    return TrainingData(training_examples=messages, responses=RESPONSES)


@pytest.fixture()
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def trained(storage: LocalModelStorage) -> LinearIntentClassifier:
    classifier = LinearIntentClassifier.create({}, storage, Resource("linear"), context())
    classifier.train(training_data())
    return classifier


def parse(classifier: LinearIntentClassifier, text: str) -> Message:
    message = Message(data={"text": text})
    classifier.process([message])
    return message


def test_plain_intents_get_intent_and_ranking(storage: LocalModelStorage) -> None:
    message = parse(trained(storage), "hello there")
    assert message.get("intent")["name"] == "greet"
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking][0] == "greet"
    assert {r["name"] for r in ranking} == {"greet", "danger_now", "faq"}
    assert all(0 < r["confidence"] <= 1 for r in ranking)


def test_faq_confidence_is_the_best_answers_and_the_answer_is_filled_in(storage: LocalModelStorage) -> None:
    classifier = trained(storage)
    message = parse(classifier, "what does debt bondage mean")
    intent = message.get("intent")
    assert intent["name"] == "faq"
    probabilities = dict(zip(classifier.classes, classifier.probabilities("what does debt bondage mean"), strict=True))
    assert intent["confidence"] == pytest.approx(probabilities["faq/debt_bondage"])
    assert probabilities["faq/debt_bondage"] > probabilities["faq/sextortion"]
    selected = message.get("response_selector")
    assert selected["all_retrieval_intents"] == ["faq"]
    answer = selected["faq"]["response"]
    assert answer["intent_response_key"] == "faq/debt_bondage"
    assert answer["utter_action"] == "utter_faq/debt_bondage"
    assert answer["responses"] == RESPONSES["utter_faq/debt_bondage"]
    ranked: List[float] = [r["confidence"] for r in selected["faq"]["ranking"]]
    assert ranked == sorted(ranked, reverse=True) and sum(ranked) == pytest.approx(1.0)


def test_fast_scoring_gives_scikit_learns_probabilities(storage: LocalModelStorage) -> None:
    classifier = trained(storage)
    for text in ["he has a knife", "", "zzqx", "WHAT IS SEXTORTION??", "hi " * 300]:
        expected = classifier.model.predict_proba([text])[0]
        assert np.allclose(classifier.probabilities(text), expected, atol=1e-9)


def test_a_trained_classifier_loads_back_with_the_same_answers(storage: LocalModelStorage) -> None:
    original = trained(storage)
    loaded = LinearIntentClassifier.load({}, storage, Resource("linear"), context())
    for text in ["hey", "someone is threatening to share my nudes", "he is hitting me"]:
        assert parse(loaded, text).get("intent") == parse(original, text).get("intent")


def test_nothing_trained_means_no_intent_rather_than_a_crash(storage: LocalModelStorage) -> None:
    loaded = LinearIntentClassifier.load({}, storage, Resource("never-trained"), context())
    assert parse(loaded, "hi").get("intent") is None


def test_training_on_a_single_intent_says_what_is_wrong(storage: LocalModelStorage) -> None:
    data = TrainingData([Message(data={"text": t, "intent": "greet"}) for t in EXAMPLES["greet"]])
    classifier = LinearIntentClassifier.create({}, storage, Resource("one"), context())
    with pytest.raises(ValueError, match="at least two intents"):
        classifier.train(data)
