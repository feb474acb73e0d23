"""Where a project's files are, and what git last committed of them.

Tests point a Project at a copy of the data in a temporary folder, so every
check runs on exactly the files a content editor would have changed.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import List

import yaml

from bot.config import PROJECT_ROOT
from tools.content.source import Content, YamlFile, display, load_content, nlu_files, read_yaml


@dataclass(frozen=True)
class Project:
    """A project folder: data/, domain.yml, config.yml and the test sets under tests/."""

    root: Path = PROJECT_ROOT

    @classmethod
    def at(cls, root: Path = PROJECT_ROOT) -> Project:
        return cls(Path(root).resolve())

    # ---- paths ----------------------------------------------------------------------
    def path(self, relative: str) -> Path:
        return self.root / relative

    @property
    def domain(self) -> Path:
        return self.root / "domain.yml"

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def hotlines(self) -> Path:
        return self.root / "data" / "hotlines.yml"

    @property
    def emergency_numbers(self) -> Path:
        return self.root / "data" / "emergency_numbers.yml"

    @property
    def safety_net(self) -> Path:
        return self.root / "data" / "safety_net.yml"

    @property
    def sources(self) -> Path:
        return self.root / "data" / "sources.yml"

    @property
    def replies(self) -> Path:
        return self.root / "data" / "replies.yml"

    @property
    def rules_file(self) -> Path:
        return self.root / "data" / "content_rules.yml"

    @property
    def known_overlap(self) -> Path:
        return self.root / "tests" / "nlu" / "known_overlap.yml"

    def nlu(self) -> List[Path]:
        return nlu_files(self.root)

    def dialogue_files(self) -> List[Path]:
        """Rules and stories: where each intent gets its answer."""
        return sorted((self.root / "data" / "rules").rglob("*.yml")) + sorted((self.root / "data" / "stories").rglob("*.yml"))

    def test_sets(self) -> List[Path]:
        """Sentences the model is measured on, never trained on."""
        return sorted((self.root / "tests" / "nlu").glob("*.yml")) + sorted((self.root / "tests" / "conversations").glob("*.yml"))

    def name(self, path: Path) -> str:
        return display(path, self.root)

    # ---- read once --------------------------------------------------------------------
    @cached_property
    def content(self) -> Content:
        """Every NLU file, then domain.yml (which may also hold answers)."""
        files = self.nlu() + ([self.domain] if self.domain.exists() else [])
        return load_content(files, self.root)

    def yaml(self, path: Path) -> YamlFile:
        """A file read once per check run (several checks read the directory and the domain)."""
        key = Path(path).resolve()
        cache = self.__dict__.setdefault("_read", {})
        if key not in cache:
            cache[key] = read_yaml(path, self.root)
        return cache[key]

    @cached_property
    def domain_intents(self) -> List[str]:
        parsed = self.yaml(self.domain)
        intents = (parsed.data or {}).get("intents") if isinstance(parsed.data, dict) else None
        names = []
        for item in intents or []:
            names.append(str(next(iter(item))) if isinstance(item, dict) else str(item))
        return names

    # ---- git ---------------------------------------------------------------------------
    def committed(self, path: Path) -> object | None:
        """The file as last committed (parsed YAML), or None outside git or for a new file."""
        relative = self.name(path)
        try:
            shown = subprocess.run(["git", "-C", str(self.root), "show", f"HEAD:./{relative}"],
                                   capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if shown.returncode != 0:
            return None
        try:
            return yaml.load(shown.stdout, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            return None
