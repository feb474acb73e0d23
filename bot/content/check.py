"""`python -m bot.content.check`: the same as `make check-content` (see cli.py)."""

from bot.content.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
