"""The hotline directory (data/hotlines.yml): loading, validation and routing.

The directory is the single home of every number. Both the action server's
routing action and the Rasa server's safety net render replies through
`HotlineDirectory.reply_for`, so a backend outage never changes what a person
in crisis is told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, List, Mapping, Sequence, Tuple

import yaml

from bot.text import contains_phrase, normalise

# Needs a conversation can be routed to; intents map to these in `NEED_FOR_INTENT`.
NEEDS = (
    "danger",
    "suicide",
    "child_exploitation",
    "domestic_abuse",
    "trafficking",
    "image_threat",
    "core",
    "unsafe",
)
CRISIS_NEEDS = ("danger", "suicide", "child_exploitation")

NEED_FOR_INTENT: Mapping[str, str] = {
    "danger_now": "danger",
    "suicidal": "suicide",
    "child_exploitation": "child_exploitation",
    "help_domestic_abuse": "domestic_abuse",
    "help_trafficking": "trafficking",
    "help_image_threat": "image_threat",
    "deny": "unsafe",
}
REQUIRED_SERVICE_FIELDS = ("name", "label", "for", "source", "verified")


class DirectoryError(ValueError):
    """The hotline directory file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Service:
    """One hotline or service, as listed in the directory."""

    key: str
    name: str
    label: str
    purpose: str
    source: str
    verified: dt.date
    call: str | None = None
    text: str | None = None
    web: str | None = None
    hours: str | None = None
    languages: str | None = None
    note: str | None = None

    def line(self) -> str:
        """One short line for a reply: label, then call / text, else the website."""
        ways = []
        if self.call:
            ways.append(f"call {self.call}")
        if self.text:
            ways.append(self.text)
        if not ways and self.web:
            ways.append(self.web)
        return f"- {self.label}: {' or '.join(ways)}"


@dataclass(frozen=True)
class Region:
    """A region users can be in, with the words that name it."""

    code: str
    name: str
    emergency: str
    words: Tuple[str, ...]


@dataclass(frozen=True)
class Need:
    """A user need: the first sentence said and the services per region, in order."""

    key: str
    say: str
    then: str | None
    services: Mapping[str, Tuple[str, ...]]


@dataclass(frozen=True)
class HotlineDirectory:
    """Parsed, validated directory."""

    regions: Mapping[str, Region]
    needs: Mapping[str, Need]
    services: Mapping[str, Service]
    region_hint: str
    _region_words: Tuple[Tuple[str, str], ...] = field(default=(), repr=False)

    # ---- loading -------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> HotlineDirectory:
        """Read and validate the YAML file; raise DirectoryError with a plain reason."""
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise DirectoryError(f"hotline directory not found: {path}") from error
        except yaml.YAMLError as error:
            raise DirectoryError(f"{path} is not valid YAML: {error}") from error
        return cls.from_dict(raw, origin=str(path))

    @classmethod
    def from_dict(cls, raw: object, origin: str = "directory") -> HotlineDirectory:
        """Build from already-parsed YAML; every problem is reported at once."""
        problems: List[str] = []
        if not isinstance(raw, dict):
            raise DirectoryError(f"{origin}: expected sections regions, needs, services")
        for section in ("regions", "needs", "services"):
            if not isinstance(raw.get(section), dict) or not raw[section]:
                problems.append(f"section '{section}' is missing or empty")
        if not isinstance(raw.get("region_hint"), str):
            problems.append("'region_hint' sentence is missing")
        if problems:
            raise DirectoryError(f"{origin}: " + "; ".join(problems))

        services = {}
        for key, entry in raw["services"].items():
            service = _parse_service(key, entry, problems)
            if service:
                services[key] = service

        regions = {}
        for code, entry in raw["regions"].items():
            if not isinstance(entry, dict):
                problems.append(f"region '{code}' must be a mapping")
                continue
            emergency = entry.get("emergency")
            if emergency not in services:
                problems.append(f"region '{code}': emergency service '{emergency}' is not in services")
            words = tuple(normalise(str(w)) for w in entry.get("words") or [])
            regions[str(code)] = Region(str(code), str(entry.get("name", code)), str(emergency), words)

        needs = {}
        for key in NEEDS:
            if key not in raw["needs"]:
                problems.append(f"need '{key}' is missing")
        for key, entry in raw["needs"].items():
            if not isinstance(entry, dict) or not isinstance(entry.get("say"), str):
                problems.append(f"need '{key}' must have a 'say' sentence")
                continue
            per_region = entry.get("services") or {}
            for code in regions:
                listed = per_region.get(code)
                if not listed:
                    problems.append(f"need '{key}' lists no services for region '{code}'")
                    continue
                for service_key in listed:
                    if service_key not in services:
                        problems.append(f"need '{key}', region '{code}': unknown service '{service_key}'")
            needs[key] = Need(
                key,
                entry["say"],
                entry.get("then"),
                {code: tuple(per_region.get(code) or ()) for code in regions},
            )
        if problems:
            raise DirectoryError(f"{origin}: " + "; ".join(problems))

        # Longest phrases first so "new south wales" wins over "wales".
        region_words = tuple(
            sorted(
                ((word, code) for code, region in regions.items() for word in region.words),
                key=lambda pair: -len(pair[0]),
            )
        )
        return cls(regions, needs, services, raw["region_hint"], region_words)

    # ---- queries -------------------------------------------------------
    def region_in(self, text: str) -> str | None:
        """The region a message names ("i live in london" -> "UK"), if any."""
        words = normalise(text)
        for phrase, code in self._region_words:
            if contains_phrase(words, phrase):
                return code
        return None

    def for_need(self, need: str, region: str) -> List[Service]:
        """Services for a need in a region, in the order they should be offered."""
        return [self.services[key] for key in self.needs[need].services[region]]

    def reply_for(self, need: str, region: str | None, default_region: str) -> str:
        """The full reply text for a need: the first sentence, then one line per service."""
        code = region if region in self.regions else default_region
        if need not in self.needs:
            need = "core"
        spec = self.needs[need]
        emergency = self.services[self.regions[code].emergency].call or ""
        lines = [spec.say.format(emergency=emergency)]
        if spec.then:
            lines.append(spec.then.format(emergency=emergency))
        lines.extend(service.line() for service in self.for_need(need, code))
        return "\n".join(lines)


def _parse_service(key: str, entry: object, problems: List[str]) -> Service | None:
    if not isinstance(entry, dict):
        problems.append(f"service '{key}' must be a mapping")
        return None
    missing = [name for name in REQUIRED_SERVICE_FIELDS if not entry.get(name)]
    if missing:
        problems.append(f"service '{key}' is missing {', '.join(missing)}")
        return None
    if not (entry.get("call") or entry.get("text") or entry.get("web")):
        problems.append(f"service '{key}' needs at least one of call, text or web")
        return None
    verified = entry["verified"]
    if isinstance(verified, str):
        try:
            verified = dt.date.fromisoformat(verified)
        except ValueError:
            problems.append(f"service '{key}': verified must be a date like 2026-11-01")
            return None
    if not isinstance(verified, dt.date):
        problems.append(f"service '{key}': verified must be a date like 2026-11-01")
        return None

    def opt(name: str) -> str | None:
        value = entry.get(name)
        return None if value is None else str(value)

    return Service(
        key=key,
        name=str(entry["name"]),
        label=str(entry["label"]),
        purpose=str(entry["for"]),
        source=str(entry["source"]),
        verified=verified,
        call=opt("call"),
        text=opt("text"),
        web=opt("web"),
        hours=opt("hours"),
        languages=opt("languages"),
        note=opt("note"),
    )


@lru_cache(maxsize=4)
def load_directory(path: Path) -> HotlineDirectory:
    """Cached load, so each process parses the file once."""
    return HotlineDirectory.load(path)


def directory() -> HotlineDirectory:
    """The directory named by the settings (HOTLINE_DIRECTORY)."""
    from bot.config import settings

    return load_directory(settings().hotline_directory)


def need_for_intent(intent: str | None) -> str:
    """Map an intent name to a need; anything unknown gets the core hotlines."""
    return NEED_FOR_INTENT.get(intent or "", "core")


def user_intents_newest_first(events: Iterable[Any]) -> List[str | None]:
    """Intent names of the user's messages, newest first.

    Takes Rasa's event objects (the channels' safety net) or the Rasa SDK's
    event dicts (the routing action), so both route from the same history.
    """
    intents: List[str | None] = []
    for event in reversed(list(events)):
        if isinstance(event, dict):
            if event.get("event") == "user":
                intents.append(((event.get("parse_data") or {}).get("intent") or {}).get("name"))
        elif getattr(event, "type_name", "") == "user":
            intents.append((event.parse_data.get("intent") or {}).get("name"))
    return intents


def need_for_conversation(intents_newest_first: Sequence[str | None]) -> str:
    """The need to answer now, given the user's intents, newest first.

    Saying where you are ("I'm in the UK") re-answers the last need in the
    conversation for the new region; everything else maps directly.
    """
    if not intents_newest_first:
        return "core"
    newest, *earlier = intents_newest_first
    if newest == "inform_region":
        for intent in earlier:
            need = need_for_intent(intent)
            if need not in ("core", "unsafe"):
                return need
    return need_for_intent(newest)


def route_messages(
    intents_newest_first: Sequence[str | None], region: str | None
) -> List[str]:
    """The routing reply for a conversation; what the action and the safety net say.

    When the user has not said where they are, a second message says which
    region the numbers are for and invites them to say otherwise.
    """
    from bot.config import settings

    default = settings().default_region
    found = directory()
    need = need_for_conversation(intents_newest_first)
    messages = [found.reply_for(need, region, default)]
    if region not in found.regions:
        messages.append(found.region_hint.format(region=found.regions[default].name))
    return messages


__all__: Tuple[str, ...] = (
    "HotlineDirectory",
    "DirectoryError",
    "Service",
    "NEEDS",
    "CRISIS_NEEDS",
    "directory",
    "need_for_intent",
    "need_for_conversation",
    "route_messages",
)

