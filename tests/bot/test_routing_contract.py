"""The routing contract: the one test that pins numbers on purpose.

Every other test reads numbers from data/hotlines.yml, so a content editor's
correct change never breaks them. This one pins the numbers a person in crisis
is given first, because changing one of these is rare and serious: if it fails
after an edit, check the new number against the service's own source before
changing the expectation here (CONTENT.md, "Changing a hotline").
"""

from __future__ import annotations

import pytest

from bot.conversation import State, Turn, composer
from bot.hotlines import directory

EMERGENCY = {"US": "911", "GB": "999", "CA": "911", "AU": "000", "IE": "112", "NZ": "111"}
FIRST_LINES = {
    ("suicidal", "US"): "988",
    ("help_trafficking", "US"): "1-888-373-7888",
    ("help_domestic_abuse", "US"): "1-800-799-7233",
    ("help_trafficking", "GB"): "08000 121 700",
    ("help_domestic_abuse", "GB"): "0808 2000 247",
}


@pytest.mark.parametrize(("region", "number"), sorted(EMERGENCY.items()))
def test_danger_leads_with_the_regions_emergency_number(region: str, number: str) -> None:
    assert directory().emergency_numbers(region)[0] == number
    reply = composer().respond(State(region=region), Turn(intent="danger_now")).messages[0].text
    assert reply.splitlines()[0].endswith(f"call {number}.")


@pytest.mark.parametrize(("intent", "region"), sorted(FIRST_LINES))
def test_the_first_service_offered_is_the_national_line(intent: str, region: str) -> None:
    reply = composer().respond(State(region=region), Turn(intent=intent)).messages[0].text
    assert FIRST_LINES[(intent, region)] in reply
