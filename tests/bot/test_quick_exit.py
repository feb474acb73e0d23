"""Quick exit matching: whole message, case- and punctuation-insensitive, configurable."""

from __future__ import annotations

import pytest

from bot.nlu.quick_exit import is_quick_exit


@pytest.mark.parametrize("text", ["exit", "EXIT", " Exit. ", "quick exit", "Quick-Exit!", "/quick_exit"])
def test_exit_phrases_match(text: str) -> None:
    assert is_quick_exit(text)


@pytest.mark.parametrize(
    "text",
    ["how do I exit a toxic relationship", "exit the building", "where is the exit", "exiting", "", "/quick_exitx"],
)
def test_other_messages_do_not_match(text: str) -> None:
    assert not is_quick_exit(text)


def test_phrases_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUICK_EXIT_PHRASES", "pineapple, Get Out")
    assert is_quick_exit("get out!")
    assert is_quick_exit("Pineapple")
    assert not is_quick_exit("exit")
    assert is_quick_exit("/quick_exit")  # the payload always works


@pytest.mark.parametrize(
    "text",
    ["Как мне exit из этих отношений?", "ex—it", "ex-it", "e x i t", "exit ты", "出口 exit", "exit\u200bnow", "exité"],
)
def test_letters_of_any_script_keep_a_message_from_being_an_exit(text: str) -> None:
    # Dropping non-ASCII turned these into "exit" and erased the chat.
    assert not is_quick_exit(text)


@pytest.mark.parametrize(
    "text",
    ["ＥＸＩＴ", "ｅｘｉｔ", "Exit!!!", "  exit  ", "«exit»", "exit\u00a0", "QUICK\u3000EXIT", "quick…exit", "¡Salir!",
     "SALIR", "salida rápida", "Salida-Rapida"],
)
def test_width_case_punctuation_and_spacing_variants_still_exit(text: str) -> None:
    assert is_quick_exit(text)
