"""A copy of the project's content in a temporary folder, to make each mistake on."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import List

import pytest

from bot.config import PROJECT_ROOT
from tools.content.checks import Project, run_checks
from tools.content.quiet import quiet_libraries
from tools.content.source import Finding

TODAY = dt.date(2026, 12, 3)

quiet_libraries()


def copy_project(target: Path) -> Path:
    """data/, domain.yml, config.yml and the test sets: everything the content tools read."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("domain.yml", "config.yml"):
        shutil.copy(PROJECT_ROOT / name, target / name)
    shutil.copytree(PROJECT_ROOT / "data", target / "data")
    for folder in ("tests/nlu", "tests/conversations"):
        (target / folder).mkdir(parents=True)
        for path in (PROJECT_ROOT / folder).glob("*.yml"):
            shutil.copy(path, target / folder / path.name)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture
def committed_project(project: Path) -> Path:
    """The copy as a git repository with everything committed (for "old -> new" checks)."""
    git = ["git", "-C", str(project), "-c", "user.email=staff@example.org", "-c", "user.name=Staff"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "as shipped"], check=True)
    return project


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is in {path.name} {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str, after: int = 0) -> int:
    """The first line (1-based, after line `after`) containing `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if number > after and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def check(root: Path, with_rasa: bool = False) -> List[Finding]:
    return run_checks(Project.at(root), today=TODAY, with_rasa=with_rasa)


def only(findings: List[Finding], words: str) -> Finding:
    """The one finding whose message contains `words`."""
    matching = [f for f in findings if words in f.message]
    assert len(matching) == 1, (words, [str(f) for f in findings])
    return matching[0]
