"""`python -m tools.content.check`: the same as `make check-content` (see cli.py)."""

from tools.content.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
