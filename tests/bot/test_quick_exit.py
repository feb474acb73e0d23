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
