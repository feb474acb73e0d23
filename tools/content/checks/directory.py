"""Checks on the hotline directory (data/hotlines.yml) and the emergency table (data/emergency_numbers.yml).

The directory's own validator (bot.hotlines) reports structured problems, each
with the path of keys it is about; here each becomes a finding on its line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any, Dict, List, Mapping, Tuple

from bot.hotlines import NUMBER_FIELDS, DirectoryError, HotlineDirectory, Problem, load_emergency_table, number_problems
from tools.content.checks.project import Project
from tools.content.checks.rules import Rules
from tools.content.source import ERROR, WARNING, Finding, YamlFile

VERIFY = ("Before this ships, check the new number with the service itself (its own website, or call it), "
          "then set verified: to the date you checked.")


def load_directory(project: Project) -> Tuple[HotlineDirectory | None, List[Finding], YamlFile]:
    """Load with the project's own validator; each of its problems becomes a finding on its line."""
    parsed = project.yaml(project.hotlines)
    if not parsed.readable:
        return None, parsed.problems, parsed
    problems = list(parsed.problems)
    emergencies, emergency_problems = _emergency_table(project)
    problems.extend(emergency_problems)
    try:
        return HotlineDirectory.from_dict(parsed.data, origin=parsed.name, emergencies=emergencies), problems, parsed
    except DirectoryError as error:
        problems.extend(_directory_findings(parsed, error.problems))
        return None, problems, parsed


def _emergency_table(project: Project) -> Tuple[Dict[str, Any], List[Finding]]:
    parsed = project.yaml(project.emergency_numbers)
    if not parsed.readable:
        return {}, parsed.problems
    try:
        return load_emergency_table(project.emergency_numbers), list(parsed.problems)
    except (KeyError, TypeError, AttributeError) as error:
        return {}, [Finding(parsed.name, None, ERROR,
                            f"a country is missing {error} (every country needs name and call). "
                            "Compare with the entries around it.")]


def _directory_findings(parsed: YamlFile, problems: Tuple[Problem, ...]) -> List[Finding]:
    data = parsed.data if isinstance(parsed.data, dict) else {}
    services = [str(k) for k in (data.get("services") or {})]
    broken = {p.path[1] for p in problems if len(p.path) >= 2 and p.path[0] == "services"}
    found = []
    for problem in problems:
        # A broken service is also "unknown" wherever it is listed: say it once.
        mention = re.search(r"(?:unknown service|the service) '([^']+)'", problem.message)
        if mention and mention.group(1) in broken:
            continue
        found.append(Finding(parsed.name, parsed.line_at(*problem.path), ERROR,
                             f"{_where(problem.path)}{problem.message}. {_hint(problem, services)}".strip()))
    return found


def _where(path: Tuple[str, ...]) -> str:
    return f"{' > '.join(path)}: " if path else ""


def _hint(problem: Problem, services: List[str]) -> str:
    unknown = re.search(r"(?:unknown service|the service) '([^']+)'", problem.message)
    if unknown:
        close = difflib.get_close_matches(unknown.group(1), services, n=1, cutoff=0.6)
        guess = f"Did you mean '{close[0]}'? " if close else ""
        return f"{guess}The services are the keys under services: ({', '.join(services)})."
    if problem.path[:1] == ("services",):
        return ("Every hotline needs name, label, for, source (where the number was checked) and verified (the date, "
                "like 2026-11-01), and a call, text, chat or web way to reach it.")
    if problem.path[:1] == ("needs",):
        return "See CONTENT.md, 'Adding a region' for how needs list services per region."
    return ""


def numbers(project: Project, directory: HotlineDirectory, parsed: YamlFile) -> List[Finding]:
    """Every directory number checked with phonenumbers for its country (a letter O, a digit missing)."""
    return [Finding(parsed.name, parsed.line_at(*problem.path), ERROR,
                    f"{_where(problem.path)}{problem.message}")
            for problem in number_problems(directory)]


def emergency_numbers(project: Project) -> List[Finding]:
    """Every country's emergency number is one phonenumbers knows, or a listed exception with its reason."""
    from phonenumbers.shortnumberinfo import is_emergency_number

    parsed = project.yaml(project.emergency_numbers)
    countries = (parsed.data or {}).get("countries") if isinstance(parsed.data, dict) else None
    found = []
    for code, entry in (countries or {}).items():
        if not isinstance(entry, dict):
            continue
        exceptions = entry.get("not_in_phonenumbers") or {}
        for field_name in ("call", "police", "ambulance", "also"):
            values = entry.get(field_name)
            for index, number in enumerate(values if isinstance(values, list) else [values]):
                if not number:
                    continue
                number = str(number)
                keys = ("countries", str(code), field_name) + ((index,) if isinstance(values, list) else ())
                line = parsed.line_at(*keys)
                if not re.fullmatch(r"\+?[0-9][0-9 ]*", number):
                    found.append(Finding(parsed.name, line, ERROR,
                                         f"{code} {field_name}: '{number}' has characters that are not digits (a letter "
                                         "O for a zero?). Write digits only (a + and spaces are fine)."))
                elif number not in exceptions and not is_emergency_number(number.replace(" ", ""), str(code)):
                    found.append(Finding(parsed.name, line, ERROR,
                                         f"{code} {field_name}: '{number}' is not an emergency number for {code} in the "
                                         "phonenumbers package. Check it with the country's own source; if it is right, "
                                         "list it under not_in_phonenumbers: with the reason."))
    return found


def changed_numbers(project: Project, directory: HotlineDirectory | None, parsed: YamlFile) -> List[Finding]:
    """Numbers that differ from the last commit: 'old -> new', and a reminder to verify with the service."""
    found = []
    before = project.committed(project.hotlines)
    if isinstance(before, dict) and isinstance(parsed.data, dict):
        old_services = before.get("services") or {}
        for key, service in (parsed.data.get("services") or {}).items():
            old = old_services.get(key)
            if not isinstance(old, dict) or not isinstance(service, dict):
                continue
            for field_name in NUMBER_FIELDS:
                was, now = old.get(field_name), service.get(field_name)
                if str(was or "") == str(now or ""):
                    continue
                stale = ""
                if directory and key in directory.services and str(service.get("verified")) == str(old.get("verified")):
                    stale = f" verified: still says {service.get('verified')}."
                found.append(Finding(parsed.name, parsed.line_at("services", str(key), field_name) or
                                     parsed.line_at("services", str(key)), WARNING,
                                     f"{key} {field_name} changed: {was or '(none)'} -> {now or '(removed)'}.{stale} "
                                     + VERIFY))
    emergency = project.yaml(project.emergency_numbers)
    before = project.committed(project.emergency_numbers)
    if isinstance(before, dict) and isinstance(emergency.data, dict):
        old_countries = before.get("countries") or {}
        for code, entry in (emergency.data.get("countries") or {}).items():
            old = old_countries.get(code)
            if not isinstance(old, dict) or not isinstance(entry, dict):
                continue
            for field_name in ("call", "police", "ambulance", "also"):
                if _numbers(old.get(field_name)) != _numbers(entry.get(field_name)):
                    found.append(Finding(emergency.name, emergency.line_at("countries", str(code), field_name) or
                                         emergency.line_at("countries", str(code)), WARNING,
                                         f"{code} {field_name} changed: {_numbers(old.get(field_name)) or '(none)'} -> "
                                         f"{_numbers(entry.get(field_name)) or '(removed)'}. Before this ships, check "
                                         "it with the country's own source and update the source: of this country."))
    return found


def _numbers(value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join(str(v) for v in values if v)


def stale_hotlines(directory: HotlineDirectory, parsed: YamlFile, rules: Rules, today: dt.date) -> List[Finding]:
    """A hotline last verified more than a year ago (or in the future) needs checking."""
    found = []
    for key, service in directory.services.items():
        line = parsed.line_at("services", key, "verified")
        age = (today - service.verified).days
        if age > rules.hotline_max_age_days:
            found.append(Finding(parsed.name, line, WARNING,
                                 f"'{key}' ({service.name}) was last verified on {service.verified.isoformat()}, {age} "
                                 "days ago. Check the number and hours with the source, then set verified to today's date."))
        elif age < 0:
            found.append(Finding(parsed.name, line, WARNING,
                                 f"'{key}' ({service.name}) says it was verified on {service.verified.isoformat()}, "
                                 "which is in the future. Set verified to the date you actually checked it."))
    return found


# The service fields people read (in English); the word rules apply to them.
_SHOWN_FIELDS = ("label", "silent", "text_note", "text_safety", "note", "tty_note")


def directory_texts(parsed: YamlFile) -> List[Tuple[str, int | None, str, str]]:
    """The English labels and sentences the directory shows to people, for the word rules."""
    data = parsed.data if isinstance(parsed.data, dict) else {}
    texts: List[Tuple[str, int | None, str, str]] = []
    services: Mapping[str, Any] = data.get("services") or {}
    for key, service in services.items():
        if not isinstance(service, dict):
            continue
        for field_name in _SHOWN_FIELDS:
            if isinstance(service.get(field_name), str):
                texts.append((parsed.name, parsed.line_at("services", key, field_name),
                              f"the {field_name} of '{key}'", service[field_name]))
    return texts
