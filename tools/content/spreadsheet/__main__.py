"""`make export-csv` / `make import-csv` (python -m tools.content.spreadsheet export|import [--folder F] [--force])."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List

from bot.config import PROJECT_ROOT
from tools.content.spreadsheet import DEFAULT_FOLDER, SpreadsheetError, export_csv, import_csv


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export the examples and knowledge answers to CSV, or import them back.")
    parser.add_argument("direction", choices=["export", "import"])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help=f"where the CSV files are (default {DEFAULT_FOLDER})")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project folder (default: this project)")
    parser.add_argument("--force", action="store_true", default=os.environ.get("FORCE", "") not in ("", "0"),
                        help="export even over a sheet with edits not imported yet (make export-csv FORCE=1)")
    args = parser.parse_args(argv)
    folder = args.folder if args.folder.is_absolute() else args.root / args.folder
    try:
        if args.direction == "export":
            for path in export_csv(args.root, folder, force=args.force):
                print(f"wrote {path}")
            print("Open them in a spreadsheet, edit, save as 'CSV UTF-8 (Comma delimited)', then run make import-csv.")
            return 0
        statuses, changes, saved_as = import_csv(args.root, folder)
    except SpreadsheetError as error:
        print(f"Nothing was changed: {error}.", file=sys.stderr)
        return 1
    for note in saved_as:
        print(f"Read: {note}. That works; next time save as 'CSV UTF-8 (Comma delimited)' to keep every character.")
    changed = [name for name, status in statuses.items() if status != "unchanged"]
    if not changed:
        print("Nothing to import: the spreadsheet says what the files already say.")
        return 0
    for line in changes:
        print(line)
    print(f"{len(changed)} file(s) written: {', '.join(changed)}. The CSV files were written again from the data "
          "(new rows now have ids). Now run make check-content.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
