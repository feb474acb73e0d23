"""The limits the checks apply, read from data/content_rules.yml (staff can read them there)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

from tools.content.source import ERROR, Finding, read_yaml


@dataclass(frozen=True)
class AvoidRule:
    pattern: re.Pattern
    why: str
    instead: str
    only_with: re.Pattern | None = None


@dataclass(frozen=True)
class Rules:
    """The limits from data/content_rules.yml."""

    min_examples: int = 20
    exempt: Dict[str, str] = field(default_factory=dict)  # intent -> why it needs no examples
    duplicate_min_words: int = 4
    duplicate_overlap: float = 0.9
    sms_max_chars: int = 320
    max_grade: float = 8.0
    hotline_max_age_days: int = 365
    avoid: Tuple[AvoidRule, ...] = ()

    @classmethod
    def load(cls, path: Path, root: Path) -> Tuple[Rules | None, List[Finding]]:
        """Read the rules file; a broken file is itself a finding."""
        parsed = read_yaml(path, root)
        if not parsed.readable:
            return None, parsed.problems
        data = parsed.data
        try:
            avoid = tuple(
                AvoidRule(
                    re.compile(rf"\b(?:{entry['pattern']})\b", re.IGNORECASE),
                    str(entry["why"]),
                    str(entry["instead"]),
                    re.compile(rf"\b(?:{entry['only_with']})\b", re.IGNORECASE) if entry.get("only_with") else None,
                )
                for entry in data.get("avoid") or []
            )
            near = data.get("near_duplicate") or {}
            rules = cls(
                min_examples=int(data["min_examples_per_intent"]),
                exempt={str(k): str(v) for k, v in (data.get("exempt_from_min_examples") or {}).items()},
                duplicate_min_words=int(near.get("min_words", 4)),
                duplicate_overlap=float(near.get("word_overlap", 0.9)),
                sms_max_chars=int(data["sms_max_chars"]),
                max_grade=float(data["max_reading_grade"]),
                hotline_max_age_days=int(data["hotline_max_age_days"]),
                avoid=avoid,
            )
        except (KeyError, TypeError, ValueError, AttributeError, re.error) as error:
            reason = f"'{error.args[0]}' is missing" if isinstance(error, KeyError) else str(error)
            message = f"the rules file cannot be used: {reason}. Compare it with the copy in git."
            return None, [Finding(parsed.name, None, ERROR, message)]
        return rules, parsed.problems
