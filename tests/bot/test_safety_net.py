"""The crisis safety net: phrase rules that route crisis wording without the model."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.config import PROJECT_ROOT
from bot.nlu.safety_net import CrisisSafetyNet, SafetyNetError, crisis_intent_for, load_rules

RULES = load_rules(PROJECT_ROOT / "data" / "safety_net.yml")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("HE'S GOT A KNIFE!!", "danger_now"),
        ("hes gona kill me", "danger_now"),
        ("he is hitting me right now", "danger_now"),
        ("they locked me in the basement", "danger_now"),
        ("what is debt bondage... he has a gun and he is here", "danger_now"),
        ("i want to die", "suicidal"),
        ("thinking about ending my life tonight", "suicidal"),
        ("kms", "suicidal"),
        ("im 14 and a man online keeps asking for nudes", "child_exploitation"),
        ("a guy is asking my 12 year old for pics", "child_exploitation"),
        ("my daughter is being sextorted, someone wants sexual pics", "child_exploitation"),
        ("hes going to kill me and i want to die", "danger_now"),
        # Spanish (the es: blocks)
        ("mi ex tiene una pistola y esta afuera", "danger_now"),
        ("ya no aguanto mas, mejor me muero", "suicidal"),
        ("a mi ahijado de 9 lo toca el novio de su mama", "child_exploitation"),
    ],
)
def test_crisis_wording_is_caught(text: str, intent: str) -> None:
    assert crisis_intent_for(text, RULES) == intent


@pytest.mark.parametrize(
    "text",
    [
        "what is sextortion",
        "how do I exit a toxic relationship",
        "my mom is gonna kill me if she sees my grades",
        "what is debt bondage",
        "is it trafficking if they keep my passport",
        "my ex says he will post my nudes",
        "how do i make a safety plan",
        "i am 25 and want to know about fake job offers",
        "le toca a mi hija lavar los platos",
        "que es la trata de personas",
    ],
)
def test_ordinary_questions_are_left_to_the_model(text: str) -> None:
    assert crisis_intent_for(text, RULES) is None


def test_malformed_rules_file_gives_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "safety_net.yml"
    bad.write_text("danger_now: [oops\n")
    with pytest.raises(SafetyNetError, match="cannot read"):
        load_rules(bad)
    bad.write_text("danger_now: {}\n")
    with pytest.raises(SafetyNetError, match="no phrases"):
        load_rules(bad)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("im trapped in a room and they took my phone", "danger_now"),
        ("my mums boyfriend is hitting her right now", "danger_now"),
        ("i want to sleep and never wake up", "suicidal"),
        ("someone is sharing naked pics of kids in a group chat", "child_exploitation"),
        # Passive wishes to be gone ("no one would notice"), and a pupil's age said as school.
        ("honestly nobody would notice if i just stopped being here", "suicidal"),
        ("nadie se daria cuenta si me voy para siempre", "suicidal"),
        ("im still in school and a guy online wants nudes or he tells everyone", "child_exploitation"),
        ("i came across a site with what looks like child abuse pics", "child_exploitation"),
        ("mi tia vende a mi primita a los hombres que llegan a la casa", "child_exploitation"),
        ("en el bar hay ninas de como 13 anos con los clientes", "child_exploitation"),
    ],
)
def test_wording_classes_added_after_the_blind_set(text: str, intent: str) -> None:
    assert crisis_intent_for(text, RULES) == intent


@pytest.mark.parametrize(
    "text",
    [
        "is it trafficking only if someone is kidnapped",
        "does sex trafficking need force if the person is under 18",
        "why do sextortion scammers go after teens",
        "would anyone notice if i left him and moved away",
    ],
)
def test_knowledge_questions_about_crisis_topics_are_not_crises(text: str) -> None:
    assert crisis_intent_for(text, RULES) is None


def _parsed(text: str, intent: str, ranking: list, facets: list) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": ranking[0][1]})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    message.set("entities", [{"entity": "facet", "value": f} for f in facets])
    return message


NET = CrisisSafetyNet({"rules": "data/safety_net.yml"})
MODEL_SAYS_CHILD = [("child_exploitation", 0.4), ("help_image_threat", 0.3), ("faq", 0.1)]


@pytest.mark.parametrize("text", [
    "guy i met on insta got me to send pics and now he wants $500 or he sends them to my boss. im 31",
    "soy hombre de 30, una chava me grabo en videollamada y ahora me pide lana o lo sube",
])
def test_an_adult_who_gives_their_age_is_not_taken_for_a_child_by_the_model_alone(text: str) -> None:
    message = _parsed(text, "child_exploitation", MODEL_SAYS_CHILD, ["adult"])
    NET.process([message])
    assert message.get("intent")["name"] == "help_image_threat"


@pytest.mark.parametrize(("text", "facets"), [
    ("im 35 and a man keeps asking my daughter for pics", ["adult"]),  # a child is named
    ("tengo 40 y un tipo le pide fotos a mi sobrina", ["adult"]),
    ("im 31 and my 14 year old sister is being blackmailed", ["adult", "under_18"]),  # a child's age too
    ("someone wants $500 or he shares my pics", []),  # no age said: the model's reading stands
])
def test_a_child_named_or_no_adult_age_keeps_the_child_reading(text: str, facets: list) -> None:
    message = _parsed(text, "child_exploitation", MODEL_SAYS_CHILD, facets)
    NET.process([message])
    assert message.get("intent")["name"] == "child_exploitation"
