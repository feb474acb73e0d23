"""Train the model for the staff commands (`make report`, `make try`) in one quiet line.

`rasa train` prints hundreds of progress-bar lines and library warnings; staff
need to know only whether the model is up to date, was trained, or failed (and
then why: the end of Rasa's output). The model is trained only when it is
older than what it is trained from (config.yml, domain.yml, anything in data/).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, List

from bot.config import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "assistant.tar.gz"


def trained_from(root: Path = PROJECT_ROOT) -> Iterator[Path]:
    """Every file `rasa train` reads: the configuration, the domain and the data."""
    for name in ("config.yml", "domain.yml"):
        if (root / name).exists():
            yield root / name
    yield from (path for path in sorted((root / "data").rglob("*")) if path.is_file())


def needs_training(model: Path = MODEL, root: Path = PROJECT_ROOT) -> bool:
    """Whether the model is missing or older than any file it is trained from."""
    if not model.exists():
        return True
    built = model.stat().st_mtime
    return any(path.stat().st_mtime > built for path in trained_from(root))


def train(model: Path = MODEL, root: Path = PROJECT_ROOT) -> int:
    """Train if the data changed; print one line; on failure, the end of what Rasa said."""
    if not needs_training(model, root):
        print("The model is up to date.", flush=True)
        return 0
    started = time.monotonic()
    print("Training the model, because the data changed (about a minute)...", flush=True)
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
    os.utime(model)  # Rasa may reuse an older file when nothing it fingerprints changed
    print(f"Trained the model in {time.monotonic() - started:.0f} s.", flush=True)
    return 0


def _last_lines(output: str, count: int = 25) -> List[str]:
    lines = [line for line in output.splitlines() if line.strip() and "it/s]" not in line]
    return lines[-count:]


if __name__ == "__main__":
    raise SystemExit(train())
