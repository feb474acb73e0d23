"""Quiet output for the staff commands: no library warnings, progress bars or start-up chatter.

Staff read every line the commands print; a DeprecationWarning from a library
or a TensorFlow banner buries the one line that matters. Nothing here hides
user text (the staff tools have none) or a failure: errors still surface as
exceptions and exit codes.
"""

from __future__ import annotations

import logging
import os
import warnings


def quiet_libraries() -> None:
    """Silence library warnings, TensorFlow's C++ log and tqdm's progress bars for this process."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # forced: a parent process may pass a chattier level
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")  # tqdm >= 4.66 reads this; Rasa's bars are tqdm bars
    warnings.filterwarnings("ignore")
    for name in ("rasa", "rasa_sdk", "tensorflow", "absl", "matplotlib", "urllib3", "asyncio", "sanic", "py.warnings"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.captureWarnings(True)
