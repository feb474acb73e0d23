"""Start the action server and the Rasa server together; stop both on Ctrl-C.

`make run` calls this. Settings come from `.env` (see .env.example), exported
to both processes so endpoints.yml can use ${ACTION_PORT}.
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
    """`rasa run` with our channels and stores; the HTTP API only with a token."""
    config = settings()
    command = [
        sys.executable, "-m", "rasa", "run",
        "--model", str(model),
        "--interface", config.rasa_host,
        "--port", str(port or config.rasa_port),
        "--credentials", "credentials.yml",
        "--endpoints", "endpoints.yml",
    ]
    if config.rasa_api_token:
        command += ["--enable-api", "--auth-token", config.rasa_api_token]
    return command


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
