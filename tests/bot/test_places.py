"""Where the person is: places at any level, ambiguous names, and SMS calling codes."""

from __future__ import annotations

import pytest

from bot.hotlines import directory
from bot.places import country_for_phone, gazetteer

PLACES = gazetteer(frozenset(directory().regions))


@pytest.mark.parametrize(("text", "country"), [
    # countries, states, provinces and cities of every full region
    ("im in the usa", "US"), ("im in texas", "US"), ("i live in ohio", "US"), ("im in TX", "US"),
    ("estoy en nueva york", "US"), ("soy de guatemala pero vivo en los angeles", "US"), ("el paso", "US"),
    ("i live in the uk", "GB"), ("im in scotland", "GB"), ("leeds", "GB"), ("im in kent", "GB"),
    ("perth, scotland", "GB"), ("my partner hits me. im in cardiff", "GB"),
    ("im in canada", "CA"), ("im in BC", "CA"), ("near toronto", "CA"), ("london, ontario", "CA"),
    ("i live in london ontario", "CA"), ("halifax. he took my keys", "CA"),
    ("im in australia", "AU"), ("gold coast", "AU"), ("im in nsw", "AU"), ("townsville", "AU"),
    ("we're in western sydney", "AU"), ("victoria", "AU"), ("perth", "AU"),
    ("im in ireland", "IE"), ("cork", "IE"), ("kilkenny", "IE"), ("in the west of ireland", "IE"),
    ("im in new zealand", "NZ"), ("auckland", "NZ"), ("tauranga. he pushed me", "NZ"), ("chch", "NZ"),
    # countries without a full directory
    ("im in mumbai", "IN"), ("johannesburg", "ZA"), ("quezon city", "PH"), ("im in berlin", "DE"),
    ("vivo en mexico", "MX"), ("osaka", "JP"), ("im from the uk but im in india now", "IN"),
    # a served region before a country of the same name; "in cork" before a "uk sim"
    ("georgia", "US"), ("im in tbilisi georgia", "GE"), ("im in cork tho its a uk sim", "IE"),
    # a served region's town before a city abroad, unless the city dwarfs it
    ("athens", "US"), ("im in rome georgia", "US"), ("on holiday in rome with my bf", "IT"), ("naples", "IT"),
])
def test_places_at_any_level_name_their_country(text: str, country: str) -> None:
    assert PLACES.find(text).country == country


@pytest.mark.parametrize("text", [
    "newcastle", "cambridge",  # served regions' places of similar size: the assistant asks
])
def test_a_name_shared_by_served_regions_is_asked_about(text: str) -> None:
    found = PLACES.find(text)
    assert found.country is None and len(found.choices) >= 2 and found.name == text


@pytest.mark.parametrize("text", [
    "i can say what i want", "im in danger", "i had to beg for money", "in love with him", "im at school",
    "we're at the police station", "my boss took my passport", "hola", "is it free", "what is sextortion",
])
def test_ordinary_words_are_not_places(text: str) -> None:
    found = PLACES.find(text)
    assert found.country is None and not found.choices


@pytest.mark.parametrize("text", [
    "I came from Guatemala to work on a farm", "the owner brought me from vietnam and says i owe her",
    "me trajeron de honduras para trabajar en construccion", "they recruited me from the philippines",
])
def test_a_place_someone_was_brought_from_is_not_where_they_are(text: str) -> None:
    # A trafficked worker is somewhere else: that country's numbers would be the wrong ones.
    found = PLACES.find(text)
    assert found.country is None and not found.choices


def test_where_they_are_now_still_counts_beside_where_they_were_brought_from() -> None:
    assert PLACES.find("brought me from vietnam, now im in houston").country == "US"
    assert PLACES.find("me trajeron de mexico, estoy en toronto").country == "CA"


@pytest.mark.parametrize(("number", "country"), [
    ("+447700900123", "GB"), ("+61412345678", "AU"), ("+353871234567", "IE"), ("+64211234567", "NZ"),
    ("+14155550123", "US"), ("+16045551234", "CA"), ("+919876543210", "IN"),
])
def test_an_sms_calling_code_gives_the_country(number: str, country: str) -> None:
    assert country_for_phone(number) == country


def test_a_number_that_is_not_one_gives_no_country() -> None:
    assert country_for_phone("not a number") is None
