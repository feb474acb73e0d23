"""Every CONTENT.md section a message or a file points staff to exists; the tone guide is in the repository."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import PROJECT_ROOT

GUIDE = PROJECT_ROOT / "CONTENT.md"
# CONTENT.md, 'What each check means'   CONTENT.md, "Reading the report"   CONTENT.md ("A", "B")
REFERENCE = re.compile(r"CONTENT\.md,? \(?((?:[\"'][A-Z][^\"'\n]+[\"'](?:, )?)+)")


def referenced_sections() -> set:
    found = set()
    files = [*(PROJECT_ROOT / "tools").rglob("*.py"), *(PROJECT_ROOT / "bot").rglob("*.py"),
             *(PROJECT_ROOT / "data").rglob("*.yml"), *(PROJECT_ROOT / "tests").rglob("*.py")]
    for path in files:
        if path.name == Path(__file__).name:
            continue
        for match in REFERENCE.finditer(path.read_text(encoding="utf-8")):
            found |= set(re.findall(r"[\"']([^\"']+)[\"']", match.group(1)))
    return found


def test_every_section_staff_are_sent_to_exists():
    headings = [line[3:].strip() for line in GUIDE.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    wanted = referenced_sections()
    assert {"What each check means", "Reading the report", "Adding a region"} <= wanted  # the pattern finds them
    missing = [name for name in sorted(wanted) if not any(heading.startswith(name) for heading in headings)]
    assert not missing, f"CONTENT.md has no section {missing}; its sections: {headings}"
    assert {"Trying your change", "When a check fails"} <= set(headings)


def test_the_tone_guide_is_in_the_repository_and_linked():
    guide = PROJECT_ROOT / "docs" / "content-guide.md"
    assert guide.read_text(encoding="utf-8").startswith("> The team's tone guide")
    assert "(docs/content-guide.md)" in GUIDE.read_text(encoding="utf-8")
