"""The language of each message: Spanish letters, common short words, and py3langid for the rest."""

from __future__ import annotations

import pytest
import yaml

from bot.nlu.conversation_cues import CUES_FILE
from bot.nlu.language import LanguageGuesser

GUESSER = LanguageGuesser(yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))["language"])


@pytest.mark.parametrize("text", [
    "sí", "¿ayuda?", "gracias", "me pegó", "mi esposo me pega y no sé qué hacer",
    "tengo miedo de que me encuentre, ayúdame por favor", "¿es gratis la línea?",
])
def test_spanish_is_recognised(text: str) -> None:
    assert GUESSER.guess(text) == "es"


@pytest.mark.parametrize("text", [
    "is it confidential, i dont want to report to the gardaí",  # an Irish word with an accent
    "we met at a café and now he follows me everywhere i go",
    "my husband checks my phone every night and i am scared",
])
def test_an_accented_word_in_an_english_message_does_not_make_it_spanish(text: str) -> None:
    assert GUESSER.guess(text) == "en"


def test_a_short_message_without_spanish_signs_is_left_undecided() -> None:
    assert GUESSER.guess("ok") is None
