"""The hotline directory: loading, validation and the routing contract."""

from __future__ import annotations

import copy

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.hotlines import (
    CRISIS_NEEDS,
    NEEDS,
    DirectoryError,
    HotlineDirectory,
    need_for_conversation,
    route_messages,
)

DIRECTORY_FILE = PROJECT_ROOT / "data" / "hotlines.yml"

# The routing contract (issue 2): the reply must contain these numbers in digits.
CONTRACT = {
    ("danger", "US"): ["911", "1-800-799-7233"],
    ("danger", "UK"): ["999", "55"],
    ("danger", "CA"): ["911"],
    ("danger", "AU"): ["000"],
    ("domestic_abuse", "US"): ["1-800-799-7233", "START to 88788"],
    ("domestic_abuse", "UK"): ["0808 2000 247"],
    ("domestic_abuse", "CA"): ["1-866-863-0511", "911"],
    ("domestic_abuse", "AU"): ["1800 737 732"],
    ("trafficking", "US"): ["1-888-373-7888", "233733"],
    ("trafficking", "UK"): ["08000 121 700"],
    ("trafficking", "CA"): ["1-833-900-1010"],
    ("trafficking", "AU"): ["131 237"],
    ("child_exploitation", "US"): ["1-800-843-5678", "takeitdown.ncmec.org"],
    ("child_exploitation", "UK"): ["0800 1111", "CEOP"],
    ("child_exploitation", "CA"): ["1-866-658-9022"],
    ("child_exploitation", "AU"): ["ACCCE", "accce.gov.au"],
    ("image_threat", "US"): ["stopncii.org", "1-800-799-7233"],
    ("image_threat", "UK"): ["0345 6000 459"],
    ("image_threat", "AU"): ["esafety.gov.au"],
    ("suicide", "US"): ["988"],
    ("suicide", "UK"): ["116 123"],
    ("suicide", "CA"): ["988"],
    ("suicide", "AU"): ["13 11 14"],
}
EMERGENCY = {"US": "911", "UK": "999", "CA": "911", "AU": "000"}


@pytest.fixture(scope="module")
def directory() -> HotlineDirectory:
    return HotlineDirectory.load(DIRECTORY_FILE)


@pytest.fixture()
def raw() -> dict:
    return yaml.safe_load(DIRECTORY_FILE.read_text())


@pytest.mark.parametrize(("need", "region"), sorted(CONTRACT))
def test_reply_contains_the_contract_numbers(directory: HotlineDirectory, need: str, region: str) -> None:
    reply = directory.reply_for(need, region, "US")
    for number in CONTRACT[(need, region)]:
        assert number in reply, f"{need}/{region} reply lacks {number}:\n{reply}"


@pytest.mark.parametrize("region", sorted(EMERGENCY))
def test_danger_puts_the_emergency_number_before_any_hotline(directory: HotlineDirectory, region: str) -> None:
    reply = directory.reply_for("danger", region, "US")
    first_line = reply.splitlines()[0]
    assert EMERGENCY[region] in first_line
    hotline_lines = [line for line in reply.splitlines()[1:] if "Emergency" not in line]
    assert hotline_lines and all(EMERGENCY[region] not in line.split(":")[0] for line in hotline_lines)


@pytest.mark.parametrize("need", NEEDS)
@pytest.mark.parametrize("region", sorted(EMERGENCY))
def test_every_need_has_a_reply_short_enough_for_two_texts(directory: HotlineDirectory, need: str, region: str) -> None:
    reply = directory.reply_for(need, region, "US")
    assert 40 < len(reply) <= 330


def test_unknown_region_falls_back_to_the_default(directory: HotlineDirectory) -> None:
    assert directory.reply_for("trafficking", "Narnia", "UK") == directory.reply_for("trafficking", "UK", "UK")


def test_unknown_need_gets_the_core_hotlines(directory: HotlineDirectory) -> None:
    assert directory.reply_for("weather", "US", "US") == directory.reply_for("core", "US", "US")


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("i live in London", "UK"),
        ("Im in the U.S.", "US"),
        ("from toronto", "CA"),
        ("new south wales", "AU"),
        ("wales", "UK"),
        ("i'm in Texas", "US"),
        ("can you help us", None),
        ("what is debt bondage", None),
    ],
)
def test_region_words(directory: HotlineDirectory, text: str, region: str) -> None:
    assert directory.region_in(text) == region


def test_saying_where_you_are_re_answers_the_last_need() -> None:
    assert need_for_conversation(["inform_region", "greet", "help_trafficking"]) == "trafficking"
    assert need_for_conversation(["inform_region", "greet"]) == "core"
    assert need_for_conversation(["danger_now", "help_trafficking"]) == "danger"


def test_region_hint_only_while_region_is_unknown(directory: HotlineDirectory) -> None:
    assert len(route_messages(["help_trafficking"], None)) == 2
    assert "the US" in route_messages(["help_trafficking"], None)[1]
    assert len(route_messages(["help_trafficking"], "UK")) == 1


def test_crisis_needs_exist(directory: HotlineDirectory) -> None:
    assert set(CRISIS_NEEDS) <= set(directory.needs)


# ---- bad directory entries: a clear error naming the problem ----------------

def test_service_without_source_is_rejected(raw: dict) -> None:
    del raw["services"]["us_dv"]["source"]
    with pytest.raises(DirectoryError, match="us_dv.*source"):
        HotlineDirectory.from_dict(raw)


def test_bad_verified_date_is_rejected(raw: dict) -> None:
    raw["services"]["uk_dv"]["verified"] = "last spring"
    with pytest.raises(DirectoryError, match="'uk_dv': verified must be a date"):
        HotlineDirectory.from_dict(raw)


def test_need_pointing_at_unknown_service_is_rejected(raw: dict) -> None:
    raw["needs"]["trafficking"]["services"]["AU"] = ["au_nothing"]
    with pytest.raises(DirectoryError, match="unknown service 'au_nothing'"):
        HotlineDirectory.from_dict(raw)


def test_need_missing_a_region_is_rejected(raw: dict) -> None:
    del raw["needs"]["suicide"]["services"]["CA"]
    with pytest.raises(DirectoryError, match="suicide.*'CA'"):
        HotlineDirectory.from_dict(raw)


def test_missing_need_is_rejected(raw: dict) -> None:
    del raw["needs"]["danger"]
    with pytest.raises(DirectoryError, match="need 'danger' is missing"):
        HotlineDirectory.from_dict(raw)


def test_service_without_any_contact_is_rejected(raw: dict) -> None:
    broken = copy.deepcopy(raw)
    for key in ("call", "text", "web"):
        broken["services"]["us_trafficking"].pop(key, None)
    with pytest.raises(DirectoryError, match="us_trafficking. needs at least one of call, text or web"):
        HotlineDirectory.from_dict(broken)


def test_unreadable_file_is_a_directory_error(tmp_path) -> None:
    bad = tmp_path / "hotlines.yml"
    bad.write_text("regions: [unclosed\n")
    with pytest.raises(DirectoryError, match="not valid YAML"):
        HotlineDirectory.load(bad)
    with pytest.raises(DirectoryError, match="not found"):
        HotlineDirectory.load(tmp_path / "missing.yml")


def test_user_intents_read_the_same_from_rasa_events_and_sdk_dicts() -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from bot.hotlines import user_intents_newest_first

    events = [
        ActionExecuted("action_listen"),
        UserUttered("my boss has my passport", {"name": "help_trafficking", "confidence": 0.9}),
        BotUttered("call ..."),
        UserUttered("im in the uk", {"name": "inform_region", "confidence": 0.9}),
    ]
    expected = ["inform_region", "help_trafficking"]
    assert user_intents_newest_first(events) == expected
    assert user_intents_newest_first([e.as_dict() for e in events]) == expected
