"""The hotline directory: it loads, reports every problem with its place, and routes by need, region and person."""

from __future__ import annotations

import copy
from typing import Any, Dict

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.hotlines import DirectoryError, HotlineDirectory, Problem, directory, number_problems, service_region

RAW: Dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "data" / "hotlines.yml").read_text(encoding="utf-8"))


def problems_of(raw: Dict[str, Any]) -> list:
    with pytest.raises(DirectoryError) as raised:
        HotlineDirectory.from_dict(raw)
    return list(raised.value.problems)


def test_the_directory_loads_with_every_region_and_need() -> None:
    found = directory()
    assert set(found.regions) >= {"US", "GB", "CA", "AU", "IE", "NZ"}
    assert {"danger", "suicide", "child_exploitation"} <= set(found.crisis_needs)
    for need in found.needs.values():
        assert set(need.services) == set(found.regions), need.key


def test_every_directory_number_can_be_dialled_where_it_is() -> None:
    assert number_problems(directory()) == []


GB_DV = RAW["services"]["gb_dv"]["call"]


@pytest.mark.parametrize("typo", [GB_DV.replace("0", "O"), GB_DV[:-1], GB_DV + "77"], ids=["letter O", "short", "long"])
def test_a_mistyped_number_is_reported_at_its_place(typo: str) -> None:
    raw = copy.deepcopy(RAW)
    raw["services"]["gb_dv"]["call"] = typo
    found = number_problems(HotlineDirectory.from_dict(raw))
    assert [p.path for p in found] == [("services", "gb_dv", "call")]
    assert typo in found[0].message


def test_problems_are_structured_with_their_place_in_the_file() -> None:
    raw = copy.deepcopy(RAW)
    del raw["services"]["us_dv"]["source"]
    raw["needs"]["trafficking"]["services"]["GB"] = ["gb_no_such_line"]
    raw["services"]["us_trafficking"]["colour"] = "red"
    found = problems_of(raw)
    paths = {p.path for p in found}
    assert ("services", "us_dv") in paths
    assert ("needs", "trafficking", "services", "GB") in paths
    assert ("services", "us_trafficking", "colour") in paths
    assert all(isinstance(p, Problem) and p.message for p in found)


def test_a_region_without_services_for_a_need_is_a_problem_but_an_empty_list_is_allowed() -> None:
    raw = copy.deepcopy(RAW)
    del raw["needs"]["trafficking"]["services"]["NZ"]
    assert any(p.path == ("needs", "trafficking", "services") and "NZ" in p.message for p in problems_of(raw))
    assert directory().services_for("sexual_assault", "CA") == []


def test_an_intent_means_one_need_only() -> None:
    raw = copy.deepcopy(RAW)
    raw["needs"]["trafficking"]["intents"] = ["help_domestic_abuse"]
    assert any("already the intent" in p.message for p in problems_of(raw))


@pytest.mark.parametrize(("need", "region", "facets", "first"), [
    ("domestic_abuse", "US", (), "us_dv"),
    ("domestic_abuse", "US", ("under_18",), "us_loveisrespect"),
    ("domestic_abuse", "US", ("native",), "us_stronghearts"),
    ("domestic_abuse", "GB", ("men",), "gb_mensadvice"),
    ("domestic_abuse", "GB", ("under_18",), "gb_childline"),
    ("image_threat", "US", (), "us_stopncii"),
    ("image_threat", "US", ("under_18",), "us_takeitdown"),
    ("image_threat", "GB", ("under_18",), "gb_childline"),
    ("sexual_assault", "US", (), "us_rainn"),
    ("trafficking", "IE", (), "ie_trafficking"),
])
def test_the_service_that_fits_the_person_comes_first(need: str, region: str, facets: tuple, first: str) -> None:
    assert directory().services_for(need, region, facets)[0].key == first


def test_each_region_names_its_own_emergency_service_and_the_emergency_table_agrees() -> None:
    found = directory()
    for code, region in found.regions.items():
        assert service_region(region.emergency) == code
        call = found.services[region.emergency].call
        table = found.emergencies[code]
        assert call in (table.call, *table.also), code


def test_services_people_ask_about_in_spanish_say_so() -> None:
    found = directory()
    assert found.services["us_suicide"].spanish["text_keyword"] == "AYUDA"
    assert found.services["us_crisistext"].spanish["text_keyword"] == "AYUDA"
    for key in ("us_dv", "us_trafficking", "us_suicide", "us_rainn"):
        assert found.services[key].speaks_spanish(), key
