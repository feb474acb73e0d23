"""`make run`: start the Rasa server (through bot.serve) and, if needed, the action server.

Custom actions run inside the Rasa server by default; with
ACTIONS_IN_PROCESS=false the Rasa SDK action server is started too. Ctrl-C
stops both. Settings come from `.env` (see .env.example), exported to both
processes so endpoints.yml can use ${ACTION_PORT}.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

from bot.config import PROJECT_ROOT, settings

# Rasa phones home unless told not to; TensorFlow chatter is noise.
QUIET_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def server_env() -> Dict[str, str]:
    """The environment both servers run with: .env values plus privacy defaults."""
    config = settings()  # loads .env into os.environ (real env wins)
    env = dict(os.environ)
    env.update(QUIET_ENV)
    env.setdefault("LOG_LEVEL", "INFO")
    env["ACTION_PORT"] = str(config.action_port)
    env["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def action_server_command(port: int | None = None) -> List[str]:
    """The Rasa SDK action server serving ./actions."""
    return [
        sys.executable, "-m", "rasa_sdk", "--actions", "actions",
        "--port", str(port or settings().action_port),
    ]


def rasa_server_command(model: Path, port: int | None = None) -> List[str]:
    """The Rasa server through the one entry point (bot/serve.py adds channels, stores, API token)."""
    return [sys.executable, "-m", "bot.serve", "--model", str(model), "--port", str(port or settings().rasa_port)]


def main(argv: List[str] | None = None) -> int:
    """Run until Ctrl-C or until either server exits."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="models", help="model file or folder")
    parser.add_argument("--no-actions", action="store_true", help="do not start the action server")
    args = parser.parse_args(argv)
    env = server_env()
    procs = []
    if not args.no_actions and not settings().actions_in_process:
        procs.append(subprocess.Popen(action_server_command(), cwd=PROJECT_ROOT, env=env))
    procs.append(subprocess.Popen(rasa_server_command(Path(args.model)), cwd=PROJECT_ROOT, env=env))
    print(f"Assistant starting on http://127.0.0.1:{settings().rasa_port} (Ctrl-C stops it).", flush=True)

    def stop(*_: object) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return max((proc.returncode or 0) for proc in procs)


if __name__ == "__main__":
    sys.exit(main())
