"""The one entry point of this assistant's Rasa server.

    python -m bot.serve --model models/assistant.tar.gz [rasa run options]

Before Rasa starts it checks the installed Rasa version, installs the patches
(bot/rasa_patches.py) and the log guards (bot/privacy.py), then hands over to
Rasa's own `rasa run` in this same process. `make run` (bot/run.py), the
evaluation (tools/evaluation.py) and the tests start the assistant through
here, so they all run the pipeline people meet.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List

import yaml

from bot.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

ENDPOINTS = PROJECT_ROOT / "endpoints.yml"
CREDENTIALS = PROJECT_ROOT / "credentials.yml"
# The stores that erase on quick exit and expire idle conversations.
OUR_STORES = {"tracker_store": "bot.stores.EphemeralTrackerStore", "lock_store": "bot.stores.EphemeralLockStore"}

_prepared = False


def prepare() -> None:
    """Everything a process must do before it loads a model (idempotent)."""
    global _prepared
    if _prepared:
        return
    from bot import privacy, rasa_patches

    rasa_patches.install()  # checks the Rasa version first
    privacy.install_log_guards()
    _prepared = True


def store_problems(endpoints: Path = ENDPOINTS) -> List[str]:
    """Why the configured stores cannot keep this assistant's promises, if they cannot."""
    try:
        configured = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        return [f"{endpoints.name} cannot be read ({type(error).__name__})"]
    problems = []
    for section, ours in OUR_STORES.items():
        found = (configured.get(section) or {}).get("type")
        if found != ours:
            problems.append(f"{endpoints.name}: {section} is {found!r}, not {ours}: quick exit would not "
                            "erase conversations and idle ones would not expire")
    if configured.get("event_broker"):
        problems.append(f"{endpoints.name} names an event_broker, which copies every message elsewhere")
    return problems


def redis_allows_serving(url: str, allow_persistence: bool) -> bool:
    """Check the configured Redis keeps conversations in memory only; log an ERROR if not."""
    from bot.stores.redis_check import FIX, persistence_problems

    problems = persistence_problems(url)
    if not problems:
        return True
    outcome = ("Starting anyway because REDIS_ALLOW_PERSISTENCE=true." if allow_persistence else
               "Not starting: fix Redis, or set REDIS_ALLOW_PERSISTENCE=true to accept this.")
    logger.error("REDIS_URL points to a Redis that keeps conversations beyond its memory: %s. %s. %s",
                 "; ".join(problems), FIX, outcome)
    return allow_persistence


def load_agent(model: Path, endpoints: Path | None = ENDPOINTS, loop: asyncio.AbstractEventLoop | None = None) -> Any:
    """The trained model with the stores of `endpoints` (None: parsing only), as `rasa run` loads it."""
    prepare()
    from rasa.core.agent import Agent
    from rasa.core.agent import load_agent as rasa_load_agent
    from rasa.core.utils import AvailableEndpoints

    if endpoints is None:
        return Agent.load(str(model))
    available = AvailableEndpoints.read_endpoints(str(endpoints))
    run = (loop or asyncio.new_event_loop()).run_until_complete
    return run(rasa_load_agent(model_path=str(model), endpoints=available))


@contextmanager
def _startup_log() -> Iterator[None]:
    """Our start-up checks log before Rasa has configured logging: give them Rasa's format."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s  - %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def main(argv: List[str] | None = None) -> int:
    """Prepare, then run Rasa's `rasa run` with our channels and stores."""
    from bot.config import settings

    prepare()
    config = settings()
    with _startup_log():
        problems = store_problems()
        for problem in problems:
            logger.error("%s. Fix endpoints.yml before serving people.", problem)
        if problems:
            return 2
        if config.redis_url and not redis_allows_serving(config.redis_url, config.redis_allow_persistence):
            return 2
    args = list(sys.argv[1:] if argv is None else argv)
    command = [
        "rasa", "run", *args,
        "--interface", config.rasa_host,
        "--credentials", str(CREDENTIALS),
        "--endpoints", str(ENDPOINTS),
    ]
    if "--port" not in args:
        command += ["--port", str(config.rasa_port)]
    if config.rasa_api_token:
        command += ["--enable-api", "--auth-token", config.rasa_api_token]
    from rasa.__main__ import main as rasa_main

    sys.argv = command
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
