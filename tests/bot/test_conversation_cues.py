"""What a message says about the person: age, contact limits, who is asking."""

from __future__ import annotations

import pytest

from bot.nlu.conversation_cues import load_cues

CUES = load_cues()


@pytest.mark.parametrize(("text", "facet"), [
    ("im 31 and he wants money for my pics", "adult"), ("soy hombre de 30 y me extorsionan", "adult"),
    ("tengo 45 años", "adult"), ("im 15", "under_18"), ("tengo 14 y un señor me pide fotos", "under_18"),
])
def test_a_stated_age_sets_adult_or_under_18(text: str, facet: str) -> None:
    assert facet in CUES.found(text).get("facet", [])


@pytest.mark.parametrize(("text", "contact"), [
    ("i cant talk he will hear", "cannot_talk"), ("im deaf", "deaf"), ("no tengo saldo", "no_calls"),
])
def test_contact_limits_are_recognised(text: str, contact: str) -> None:
    assert CUES.found(text).get("contact") == [contact]


def test_a_helper_describing_what_happens_to_themselves_is_not_a_helper() -> None:
    assert CUES.found("my friend is worried about me")["asker"] == ["helper"]
    assert CUES.found("my sister is hitting me, im scared")["asker"] == ["self"]
