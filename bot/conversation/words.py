"""The sentences the assistant puts around answers and hotlines (data/replies.yml), per language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping

import yaml

from bot.config import PROJECT_ROOT

REPLIES_FILE = PROJECT_ROOT / "data" / "replies.yml"
LANGUAGES = ("en", "es")


class Words:
    """Lookup of data/replies.yml by language, falling back to English for anything missing."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw

    def get(self, language: str, *path: str) -> Any:
        for lang in (language, "en"):
            node: Any = self._raw.get(lang)
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            if node is not None:
                return node
        raise KeyError(f"data/replies.yml has no {'.'.join(path)}")

    def say(self, language: str, *path: str, turn: int = 0, **values: str) -> str:
        """One sentence (the `turn`-th alternative when there are several), placeholders filled."""
        found = self.get(language, *path)
        if isinstance(found, list):
            found = found[turn % len(found)]
        return str(found).format(**values)

    def alternatives_everywhere(self, *path: str) -> List[str]:
        """A sentence in every language (to recognise what the assistant said before)."""
        return [text for language in LANGUAGES for text in self.alternatives(language, *path)]

    def alternatives(self, language: str, *path: str) -> List[str]:
        found = self.get(language, *path)
        return [str(f) for f in found] if isinstance(found, list) else [str(found)]


@lru_cache(maxsize=2)
def load_words(path: Path = REPLIES_FILE) -> Words:
    raw: Dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Words(raw)
