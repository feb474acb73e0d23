"""Every country's emergency number (data/emergency_numbers.yml), checked against the phonenumbers package."""

from __future__ import annotations

import re

import pytest
from phonenumbers.shortnumberinfo import is_emergency_number

from bot.conversation import State, Turn, composer
from bot.hotlines import directory

TABLE = directory().emergencies
# The numbers people abroad are most often wrongly given.
FAMILIAR = ("911", "999", "000")


def numbers_of(code: str) -> list:
    entry = TABLE[code]
    return [n for n in (entry.call, *entry.also, entry.police, entry.ambulance) if n]


def test_the_table_covers_the_world() -> None:
    assert len(TABLE) >= 240
    for code in ("IN", "ZA", "PH", "DE", "MX", "JP", "BR", "KE", "FR", "US", "GB", "IE", "NZ"):
        assert code in TABLE


@pytest.mark.parametrize("code", sorted(TABLE))
def test_every_number_is_an_emergency_number_or_a_listed_exception_with_its_reason(code: str) -> None:
    import yaml

    from bot.hotlines import EMERGENCY_FILE

    exceptions = (yaml.safe_load(EMERGENCY_FILE.read_text(encoding="utf-8"))["countries"][code]
                  .get("not_in_phonenumbers") or {})
    for number in numbers_of(code):
        known = is_emergency_number(number.replace(" ", ""), code)
        if number in exceptions:
            assert not known, f"{code} {number}: listed as an exception but phonenumbers knows it"
            assert len(exceptions[number]) > 20, f"{code} {number}: the exception needs its reason"
        else:
            assert known, f"{code} {number}: not an emergency number in phonenumbers and not listed as an exception"


@pytest.mark.parametrize("code", sorted(set(TABLE) - set(directory().regions)))
def test_a_person_abroad_is_given_their_own_emergency_number_never_a_wrong_familiar_one(code: str) -> None:
    reply = composer().respond(State(region=code), Turn(intent="danger_now")).messages[0].text
    own = TABLE[code]
    assert own.call in reply.splitlines()[0]
    for familiar in FAMILIAR:
        if familiar not in numbers_of(code):
            assert not re.search(rf"(?<!\d){familiar}(?!\d)", reply), f"{code}: {familiar} in {reply!r}"
