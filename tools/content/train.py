"""Train the model for the staff commands (`make report`, `make try`) in one quiet line.

`rasa train` prints hundreds of progress-bar lines and library warnings; staff
need to know only whether the model is up to date, was trained, or failed (and
then why: the end of Rasa's output). Rasa skips training when nothing changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List

from bot.config import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "assistant.tar.gz"


def train(model: Path = MODEL, root: Path = PROJECT_ROOT) -> int:
    """Train if the data changed; print one line; on failure, the end of what Rasa said."""
    before = model.stat().st_mtime if model.exists() else None
    started = time.monotonic()
    print("Checking the model (training takes about 30 seconds when the data changed)...", flush=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "train", "--fixed-model-name", model.name.split(".")[0],
         "--out", str(model.parent)],
        cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0 or not model.exists():
        print("Training failed. Run `make check-content` first; Rasa's last words were:", file=sys.stderr)
        print("\n".join(_last_lines(result.stdout + result.stderr)), file=sys.stderr)
        return 1
    if before is not None and model.stat().st_mtime == before:
        print("The model is up to date.")
    else:
        print(f"Trained the model in {time.monotonic() - started:.0f} s.")
    return 0


def _last_lines(output: str, count: int = 25) -> List[str]:
    lines = [line for line in output.splitlines() if line.strip() and "it/s]" not in line]
    return lines[-count:]


if __name__ == "__main__":
    raise SystemExit(train())
