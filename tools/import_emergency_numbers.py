"""Turn the content team's emergency-number table into data/emergency_numbers.yml.

    python -m tools.import_emergency_numbers ../shared/reference/emergency-numbers.md

Run it when the reference table changes, then review the diff: the YAML is what
the assistant reads, and tests/bot/test_emergency_numbers.py checks every number
against the `phonenumbers` package's emergency metadata.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, Dict, List

import yaml
from phonenumbers.shortnumberinfo import is_emergency_number

from bot.config import PROJECT_ROOT

OUT = PROJECT_ROOT / "data" / "emergency_numbers.yml"
_NUMBER = re.compile(r"\+?\d+(?: \d+)*")
HEADER = """\
# The emergency number of every country, for people outside the regions that have
# a full directory (data/hotlines.yml). Made from the content team's table
# (shared/reference/emergency-numbers.md, compiled 2026-12-02) by
# tools/import_emergency_numbers.py; each country keeps its sources.
#
#   call:       what a person in danger dials (the general or police number)
#   police:     the police number, when `call` is not it
#   ambulance:  the ambulance number, when `call` does not reach one (given first
#               for an overdose or an injury)
#   also:       other numbers that also work
#   not_in_phonenumbers: per number, why the phonenumbers package does not list it as an
#               emergency number (tests/bot/test_emergency_numbers.py checks every other one)
"""


def numbers(text: str) -> List[str]:
    return [n.strip() for n in _NUMBER.findall(text) if n.strip()]


def _why_missing(number: str, iso: str, lib: str, call: str, sources: str) -> str:
    """Why `phonenumbers` does not list this number as an emergency number, in plain words."""
    if "ordinary number" in call and number.startswith("+"):
        return "an ordinary phone number, not an emergency short code"
    if lib == "no data":
        return f"the package has no emergency data for {iso}; listed by {sources}"
    if lib.startswith("pattern"):
        return f"the package's pattern ({lib.split('`')[1]}) lacks it; listed by {sources}"
    return f"not in the package's emergency data; listed by {sources}"


def parse_row(cells: List[str]) -> Dict[str, object] | None:
    iso, name, call, other, _112, lib, sources, notes = (c.strip() for c in cells[:8])
    if call.startswith("—") or call.startswith("no national"):
        return None
    head = call.split(";")[0]
    found = numbers(head)
    if not found:
        return None
    entry: Dict[str, Any] = {"name": name, "call": found[0]}
    if len(found) > 1:
        entry["also"] = found[1:]
    police = re.search(r"police (\+?\d[\d ]*\d|\d)", call)
    if police and police.group(1) != found[0]:
        entry["police"] = police.group(1).strip()
    amb = re.search(r"amb(?:/fire)? ([^;]*)", other)
    if amb:
        amb_numbers = numbers(amb.group(1).split("(")[0])
        if amb_numbers and amb_numbers[0] != found[0]:
            entry["ambulance"] = amb_numbers[0]
    elif re.match(r"^\d", other):
        entry["ambulance"] = numbers(other)[0]
    entry["source"] = sources.replace("**", "")
    if notes:
        entry["note"] = notes
    reasons = {}
    for number in [entry["call"], *entry.get("also", []), entry.get("police"), entry.get("ambulance")]:
        if number and not is_emergency_number(number.replace(" ", ""), iso):
            reasons[number] = _why_missing(number, iso, lib, call, entry["source"])
    if reasons:
        entry["not_in_phonenumbers"] = reasons
    return entry


def parse_sources(markdown: str) -> Dict[str, str]:
    """The table of source codes (W, A, G-IE, ...): code -> what it is and where."""
    found: Dict[str, str] = {}
    in_table = False
    for line in markdown.splitlines():
        if line.startswith("| code | source"):
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            break
        if in_table and not line.startswith("| ---"):
            code, source, _what = (c.strip() for c in line.split("|")[1:4])
            found[code] = source
    return found


def parse(markdown: str) -> Dict[str, Dict[str, object]]:
    countries: Dict[str, Dict[str, object]] = {}
    in_table = False
    for line in markdown.splitlines():
        if line.startswith("| ISO | country"):
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            break
        if not in_table or line.startswith("| ---"):
            continue
        cells = [c for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        entry = parse_row(cells)
        if entry:
            countries[cells[0].strip()] = entry
    return dict(sorted(countries.items()))


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("table", type=Path)
    args = parser.parse_args(argv)
    markdown = args.table.read_text(encoding="utf-8")
    countries = parse(markdown)
    body = yaml.safe_dump({"sources": parse_sources(markdown), "countries": countries},
                          sort_keys=False, allow_unicode=True, width=110)
    OUT.write_text(HEADER + "\n" + body, encoding="utf-8")
    print(f"wrote {len(countries)} countries to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
