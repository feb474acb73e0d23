"""`make check-content`: the project's content rules and Rasa's own data check, in plain words.

Prints one line per problem (file, line, what to do) and exits 1 when a problem
must be fixed. Warnings are shown but do not fail the check; notes say once
what was not checked and why.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import List

from bot.config import PROJECT_ROOT

# Before anything imports TensorFlow (through Rasa): its start-up chatter is not for staff.
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"  # forced, even when a parent process set a chattier level
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the training data, answers and hotline directory.")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project folder (default: this project)")
    parser.add_argument("--skip-rasa", action="store_true", help="only the project's own rules (no Rasa validation)")
    args = parser.parse_args(argv)

    from tools.content.quiet import quiet_libraries

    quiet_libraries()
    from tools.content.checks import Project, run_checks
    from tools.content.source import ERROR, WARNING

    print("Checking the training data, answers, hotline directory and Rasa's own rules...", flush=True)
    findings = run_checks(Project.at(args.root), with_rasa=not args.skip_rasa)
    for finding in findings:
        print(finding)
    errors = sum(f.level == ERROR for f in findings)
    warnings = sum(f.level == WARNING for f in findings)
    if errors:
        print(f"\nContent check FAILED: {errors} problem(s) to fix, {warnings} warning(s). "
              "Start with the first ERROR; CONTENT.md, 'What each check means', explains each one.")
        return 1
    print(f"\nContent check passed ({warnings} warning(s)).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
