"""`make check-content`: the project's content rules, then Rasa's own data check.

Prints one plain line per problem (file, line, what to do) and exits 1 when a
problem must be fixed. Warnings are shown but do not fail the check.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from typing import List

from bot.config import PROJECT_ROOT
from tools.content.checks import Project, run_checks
from tools.content.source import ERROR, WARNING, Finding, read_yaml

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RASA_MESSAGE = re.compile(r"UserWarning: (.*)$|\s(?:WARNING|ERROR)\s+[\w.]+\s+-\s+(.*)$")
# Rasa always says this for retrieval intents split over several files; it is harmless.
_RASA_NOISE = ("duplicated intents have been found across multiple domain files: faq",)
# Rasa's wording, and what a content editor should do about it.
_RASA_HINTS = (
    ("is not listed in your domain", "Add the intent's name under 'intents:' in domain.yml (or fix its spelling)."),
    ("is not used in any story or rule", "Use it in data/rules or data/stories, or delete it from domain.yml."),
    ("is not a valid utterance action", "The response name is used in a rule or story but not defined: check its spelling."),
    ("not used in any story or rule", "Use it in data/rules or data/stories, or delete it."),
    ("does not have any training examples", "Add examples for it in data/nlu/, or remove it from domain.yml."),
)


def start_rasa_validate(root: Path) -> subprocess.Popen:
    """Start `rasa data validate --fail-on-warnings`; it runs while our own rules do."""
    rasa = Path(sys.executable).parent / "rasa"
    return subprocess.Popen(
        [str(rasa), "data", "validate", "--fail-on-warnings"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def rasa_findings(process: subprocess.Popen) -> List[Finding]:
    """Wait for Rasa's check and turn what it says into findings."""
    output, _ = process.communicate()
    if process.returncode == 0:
        return []
    found = []
    for raw in output.splitlines():
        match = _RASA_MESSAGE.search(_ANSI.sub("", raw))
        if not match:
            continue
        message = (match.group(1) or match.group(2)).strip()
        if any(noise in message for noise in _RASA_NOISE):
            continue
        hint = next((h for pattern, h in _RASA_HINTS if pattern in message), "")
        found.append(Finding("rasa data validate", None, ERROR, f"{message} {hint}".strip()))
    if not found:
        found.append(
            Finding("rasa data validate", None, ERROR, "Rasa's own check failed. Run `make validate` to see its full output.")
        )
    return found


def unreadable(project: Project) -> bool:
    """Whether some file cannot be read at all (then Rasa would only print a traceback)."""
    files = [*project.response_files(), project.hotlines, project.safety_net, project.rules]
    return any(read_yaml(path)[0] is None for path in files if path is not None)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the training data, answers and hotline directory.")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project folder (default: this project)")
    parser.add_argument("--skip-rasa", action="store_true", help="only the project's own rules (no `rasa data validate`)")
    args = parser.parse_args(argv)

    project = Project.at(args.root)
    rasa = None
    if not args.skip_rasa and not unreadable(project):
        print("Running Rasa's own check (rasa data validate)...", flush=True)
        rasa = start_rasa_validate(args.root)
    print("Checking the training data, answers and hotline directory...", flush=True)
    findings = run_checks(project)
    if rasa is not None:
        findings.extend(rasa_findings(rasa))
    elif not args.skip_rasa:
        print("Skipping Rasa's own check until the files below can be read.")

    for finding in findings:
        print(finding)
    errors = sum(f.level == ERROR for f in findings)
    warnings = sum(f.level == WARNING for f in findings)
    if errors:
        print(f"\nContent check FAILED: {errors} problem(s) to fix, {warnings} warning(s). See CONTENT.md, 'When a check fails'.")
        return 1
    print(f"\nContent check passed ({warnings} warning(s)).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
