"""The hotline directory (data/hotlines.yml) and the emergency table (data/emergency_numbers.yml).

The directory is the single home of every number. Replies (bot/conversation),
the channels' safety net and the content checks all read it through
`HotlineDirectory`, so a backend outage never changes what a person in crisis
is told. Problems are reported as `Problem(path, message)`, so the content
checks can point at the file and line of each.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import yaml

from bot.config import PROJECT_ROOT

EMERGENCY_FILE = PROJECT_ROOT / "data" / "emergency_numbers.yml"
REQUIRED_SERVICE_FIELDS = ("name", "label", "for", "source", "verified")
# Facets of a person that change which services fit, most specific first.
FACETS = ("under_18", "native", "men")
LANGUAGES = ("en", "es")
_SERVICE_FIELDS = frozenset({
    "name", "label", "label_es", "for", "source", "verified", "call", "also_call", "tty", "tty_note", "text",
    "text_keyword", "text_note", "text_note_es", "chat", "web", "silent", "silent_es", "hours", "free", "languages",
    "interpreters", "spanish", "confidential", "anonymous", "not_police", "not_immigration", "not_government",
    "shares_without_consent", "shares_without_consent_es",
    "for_others", "anywhere", "adults_only", "text_safety", "note", "names",
})


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file: where (a path of keys) and what, in plain words."""

    path: Tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"{' > '.join(self.path)}: {self.message}" if self.path else self.message


class DirectoryError(ValueError):
    """The hotline directory file is missing, malformed or inconsistent."""

    def __init__(self, origin: str, problems: Sequence[Problem]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        super().__init__(f"{origin}: " + "; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Service:
    """One hotline or service, as listed in the directory."""

    key: str
    name: str
    label: str
    purpose: str
    source: str
    verified: dt.date
    label_es: str | None = None
    call: str | None = None
    also_call: str | None = None
    tty: str | None = None
    tty_note: str | None = None
    text: str | None = None
    text_keyword: str | None = None
    text_note: str | None = None
    text_note_es: str | None = None
    chat: str | None = None
    web: str | None = None
    silent: str | None = None
    silent_es: str | None = None
    hours: str | None = None
    free: bool | None = None
    languages: Tuple[str, ...] = ()
    interpreters: bool = False
    spanish: Mapping[str, str] = field(default_factory=dict)
    confidential: bool | None = None
    anonymous: bool = False  # takes reports without the person's name (its source says so)
    not_police: bool = False
    not_immigration: bool = False
    not_government: bool = False
    shares_without_consent: Tuple[str, ...] = ()
    shares_without_consent_es: Tuple[str, ...] = ()
    for_others: bool = False
    anywhere: bool = False
    adults_only: bool = False
    text_safety: str | None = None
    note: str | None = None
    names: Tuple[str, ...] = ()  # other names people use for it ("women's aid", "refuge")

    def label_in(self, language: str) -> str:
        return (self.label_es if language == "es" else None) or self.label

    @property
    def has_text_or_chat(self) -> bool:
        return bool(self.text or self.chat)

    def speaks_spanish(self) -> bool:
        return "es" in self.languages or bool(self.spanish)

    def numbers(self) -> List[str]:
        """Every phone number or short code of this service (for checks and tests)."""
        return [n for n in (self.call, self.also_call, self.tty, self.text) if n]


@dataclass(frozen=True)
class Region:
    """A country with a full directory."""

    code: str
    name: str
    name_es: str
    emergency: str

    def name_in(self, language: str) -> str:
        return self.name_es if language == "es" else self.name


@dataclass(frozen=True)
class Need:
    """A need: the intents that mean it, whether it is a crisis, and its services per region."""

    key: str
    crisis: bool
    intents: Tuple[str, ...]
    services: Mapping[str, Tuple[str, ...]]
    facets: Mapping[str, Mapping[str, Tuple[str, ...]]]


@dataclass(frozen=True)
class Emergency:
    """A country's emergency numbers (for countries without a full directory)."""

    code: str
    name: str
    call: str
    police: str | None = None
    ambulance: str | None = None
    also: Tuple[str, ...] = ()


@dataclass(frozen=True)
class HotlineDirectory:
    """Parsed, validated directory, plus every country's emergency number."""

    regions: Mapping[str, Region]
    needs: Mapping[str, Need]
    services: Mapping[str, Service]
    emergencies: Mapping[str, Emergency] = field(default_factory=dict)

    # ---- loading -------------------------------------------------------
    @classmethod
    def load(cls, path: Path, emergency_file: Path | None = EMERGENCY_FILE) -> HotlineDirectory:
        """Read and validate the YAML file; raise DirectoryError with plain reasons."""
        origin = str(path)
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DirectoryError(origin, [Problem((), "the hotline directory file is missing")]) from None
        except yaml.YAMLError as error:
            raise DirectoryError(origin, [Problem((), f"not valid YAML: {error}")]) from None
        emergencies = load_emergency_table(emergency_file) if emergency_file else {}
        return cls.from_dict(raw, origin=origin, emergencies=emergencies)

    @classmethod
    def from_dict(cls, raw: object, origin: str = "directory",
                  emergencies: Mapping[str, Emergency] | None = None) -> HotlineDirectory:
        """Build from already-parsed YAML; every problem is reported at once."""
        problems: List[Problem] = []
        if not isinstance(raw, dict):
            raise DirectoryError(origin, [Problem((), "expected the sections regions, needs and services")])
        for section in ("regions", "needs", "services"):
            if not isinstance(raw.get(section), dict) or not raw[section]:
                problems.append(Problem((section,), "this section is missing or empty"))
        if problems:
            raise DirectoryError(origin, problems)

        services = {}
        for key, entry in raw["services"].items():
            service = _parse_service(str(key), entry, problems)
            if service:
                services[str(key)] = service

        regions = {}
        for code, entry in raw["regions"].items():
            path = ("regions", str(code))
            if not isinstance(entry, dict):
                problems.append(Problem(path, "must be a mapping with name and emergency"))
                continue
            emergency = str(entry.get("emergency"))
            if emergency not in services:
                problems.append(Problem((*path, "emergency"), f"the service '{emergency}' is not in services"))
            name = str(entry.get("name", code))
            regions[str(code)] = Region(str(code), name, str(entry.get("name_es") or name), emergency)

        needs = {}
        claimed: Dict[str, str] = {}
        for key, entry in raw["needs"].items():
            path = ("needs", str(key))
            if not isinstance(entry, dict):
                problems.append(Problem(path, "must be a mapping with intents and services"))
                continue
            intents = tuple(str(i) for i in entry.get("intents") or [])
            for intent in intents:
                if intent in claimed:
                    problems.append(Problem((*path, "intents"), f"'{intent}' is already the intent of '{claimed[intent]}'"))
                claimed[intent] = str(key)
            per_region = _service_lists(entry.get("services"), (*path, "services"), regions, services, problems,
                                        every_region=True)
            facets = {facet: _service_lists(entry.get(facet), (*path, facet), regions, services, problems)
                      for facet in FACETS if entry.get(facet)}
            needs[str(key)] = Need(str(key), bool(entry.get("crisis")), intents, per_region, facets)
        for required in ("core", "danger"):
            if required not in needs:
                problems.append(Problem(("needs", required), "this need is missing"))
        if problems:
            raise DirectoryError(origin, problems)
        return cls(regions, needs, services, dict(emergencies or {}))

    # ---- queries -------------------------------------------------------
    @property
    def crisis_needs(self) -> Tuple[str, ...]:
        return tuple(k for k, n in self.needs.items() if n.crisis)

    def need_for_intent(self, intent: str | None) -> str | None:
        """The need an intent means (help_trafficking -> trafficking), if any."""
        for need in self.needs.values():
            if intent in need.intents:
                return need.key
        return None

    def services_for(self, need: str, region: str, facets: Sequence[str] = ()) -> List[Service]:
        """Services for a need in a region, best first, for a person with these facets (under_18, ...)."""
        spec = self.needs.get(need) or self.needs["core"]
        for facet in FACETS:
            if facet in facets and region in spec.facets.get(facet, {}):
                return [self.services[k] for k in spec.facets[facet][region]]
        return [self.services[k] for k in spec.services.get(region, ())]

    def emergency_numbers(self, region: str) -> Tuple[str, ...]:
        """The numbers to call in danger in a country: the directory's, else the emergency table's."""
        if region in self.regions:
            service = self.services[self.regions[region].emergency]
            return tuple(n for n in (service.call, service.also_call) if n)
        found = self.emergencies.get(region)
        return (found.call, *found.also) if found else ()

    def has_region(self, code: str | None) -> bool:
        return code in self.regions


def _service_lists(raw: object, path: Tuple[str, ...], regions: Mapping[str, Region], services: Mapping[str, Service],
                   problems: List[Problem], every_region: bool = False) -> Dict[str, Tuple[str, ...]]:
    if not isinstance(raw, dict):
        problems.append(Problem(path, "must list services per region, e.g. US: [us_dv]"))
        return {}
    lists: Dict[str, Tuple[str, ...]] = {}
    for code, listed in raw.items():
        if str(code) not in regions:
            problems.append(Problem((*path, str(code)), f"'{code}' is not a region under regions"))
            continue
        if listed is None:
            listed = []
        for key in listed:
            if key not in services:
                problems.append(Problem((*path, str(code)), f"unknown service '{key}'"))
        lists[str(code)] = tuple(str(k) for k in listed)
    if every_region:
        for code in regions:
            if code not in lists:
                problems.append(Problem(path, f"no services listed for the region '{code}' (write {code}: [] if there are none)"))
    return lists


def _parse_service(key: str, entry: object, problems: List[Problem]) -> Service | None:
    path = ("services", key)
    if not isinstance(entry, dict):
        problems.append(Problem(path, "must be a mapping"))
        return None
    missing = [name for name in REQUIRED_SERVICE_FIELDS if not entry.get(name)]
    if missing:
        problems.append(Problem(path, f"is missing {', '.join(missing)}"))
        return None
    unknown = sorted(set(entry) - _SERVICE_FIELDS)
    if unknown:
        problems.append(Problem((*path, unknown[0]), f"unknown field; the fields a service can have are: "
                                f"{', '.join(sorted(_SERVICE_FIELDS))}"))
    if not (entry.get("call") or entry.get("text") or entry.get("web") or entry.get("chat")):
        problems.append(Problem(path, "needs at least one of call, text, chat or web"))
        return None
    verified = entry["verified"]
    if isinstance(verified, str):
        try:
            verified = dt.date.fromisoformat(verified)
        except ValueError:
            verified = None
    if not isinstance(verified, dt.date):
        problems.append(Problem((*path, "verified"), "must be a date like 2026-11-01"))
        return None
    languages = entry.get("languages") or []
    if not isinstance(languages, list) or any(str(lang) not in LANGUAGES for lang in languages):
        problems.append(Problem((*path, "languages"), f"must be a list of language codes from {list(LANGUAGES)}"))
        languages = []

    def text(name: str) -> str | None:
        value = entry.get(name)
        return None if value is None else str(value)

    def flag(name: str) -> bool:
        return bool(entry.get(name))

    return Service(
        key=key,
        name=str(entry["name"]),
        label=str(entry["label"]),
        purpose=str(entry["for"]),
        source=str(entry["source"]),
        verified=verified,
        label_es=text("label_es"),
        call=text("call"),
        also_call=text("also_call"),
        tty=text("tty"),
        tty_note=text("tty_note"),
        text=text("text"),
        text_keyword=text("text_keyword"),
        text_note=text("text_note"),
        text_note_es=text("text_note_es"),
        chat=text("chat"),
        web=text("web"),
        silent=text("silent"),
        silent_es=text("silent_es"),
        hours=text("hours"),
        free=entry.get("free") if isinstance(entry.get("free"), bool) else None,
        languages=tuple(str(lang) for lang in languages),
        interpreters=flag("interpreters"),
        spanish={str(k): str(v) for k, v in (entry.get("spanish") or {}).items()},
        confidential=entry.get("confidential") if isinstance(entry.get("confidential"), bool) else None,
        anonymous=flag("anonymous"),
        not_police=flag("not_police"),
        not_immigration=flag("not_immigration"),
        not_government=flag("not_government"),
        shares_without_consent=tuple(str(s) for s in entry.get("shares_without_consent") or []),
        shares_without_consent_es=tuple(str(s) for s in entry.get("shares_without_consent_es") or []),
        for_others=flag("for_others"),
        anywhere=flag("anywhere"),
        adults_only=flag("adults_only"),
        text_safety=text("text_safety"),
        note=text("note"),
        names=tuple(str(n) for n in entry.get("names") or []),
    )


_NUMBER_CHARACTERS = re.compile(r"^\+?[0-9][0-9 ()\-.]*$")
NUMBER_FIELDS = ("call", "also_call", "tty", "text")


def service_region(key: str) -> str:
    """A service's country, from its key (us_dv -> US): the directory's naming rule."""
    return key.split("_", 1)[0].upper()


def number_problems(found: HotlineDirectory) -> List[Problem]:
    """Numbers that cannot be dialled as written: letters (an O for a 0), digits missing, not a number there.

    Checked with the phonenumbers package (Google's libphonenumber data): a full
    number must be valid for the service's country, a short one (116 123, 988,
    text codes) a valid short number there.
    """
    import phonenumbers
    from phonenumbers import shortnumberinfo

    problems = []
    for key, service in found.services.items():
        region = service_region(key)
        if region not in found.regions:
            problems.append(Problem(("services", key), f"a service key starts with its region code, like "
                                    f"{next(iter(found.regions)).lower()}_..., so its numbers can be checked"))
            continue
        for field_name in NUMBER_FIELDS:
            number = getattr(service, field_name)
            if not number:
                continue
            path = ("services", key, field_name)
            if not _NUMBER_CHARACTERS.match(number):
                problems.append(Problem(path, f"'{number}' has characters that are not digits (a letter O for a "
                                              "zero?). Write numbers with digits, spaces and dashes only."))
                continue
            try:
                parsed = phonenumbers.parse(number, region)
            except phonenumbers.NumberParseException:
                problems.append(Problem(path, f"'{number}' is not a phone number"))
                continue
            if not (phonenumbers.is_valid_number(parsed) or shortnumberinfo.is_valid_short_number(parsed)):
                problems.append(Problem(path, f"'{number}' is not a valid number in {region} (a digit missing "
                                              "or one too many?). Check it with the service's own website."))
    return problems


def load_emergency_table(path: Path) -> Dict[str, Emergency]:
    """data/emergency_numbers.yml: every country's emergency numbers by ISO code."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    table = {}
    for code, entry in (raw.get("countries") or {}).items():
        table[str(code)] = Emergency(
            str(code), str(entry["name"]), str(entry["call"]),
            str(entry["police"]) if entry.get("police") else None,
            str(entry["ambulance"]) if entry.get("ambulance") else None,
            tuple(str(n) for n in entry.get("also") or []),
        )
    return table


@lru_cache(maxsize=4)
def load_directory(path: Path) -> HotlineDirectory:
    """Cached load, so each process parses the files once."""
    return HotlineDirectory.load(path)


def directory() -> HotlineDirectory:
    """The directory named by the settings (HOTLINE_DIRECTORY)."""
    from bot.config import settings

    return load_directory(settings().hotline_directory)


def region_codes(raw: Mapping[str, Any]) -> Tuple[str, ...]:
    """Region codes of an already-parsed directory file (for checks that do not need the rest)."""
    return tuple(str(c) for c in (raw.get("regions") or {}))
