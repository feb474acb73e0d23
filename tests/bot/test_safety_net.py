"""The crisis safety net: phrase rules that route crisis wording without the model."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.nlu.safety_net import SafetyNetError, crisis_intent_for, load_rules

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
    ],
)
def test_knowledge_questions_about_crisis_topics_are_not_crises(text: str) -> None:
    assert crisis_intent_for(text, RULES) is None
