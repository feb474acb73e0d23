#!/usr/bin/env bash
# Create (or refresh) the project venv from Python 3.10 with the pinned packages.
set -euo pipefail
venv=${1:-.venv}
here=$(cd "$(dirname "$0")/.." && pwd)
py=$("$here/tools/find_python310.sh")
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating $venv with $py"
  "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
# Security pins that override Rasa's caps (constraints.txt explains why --no-deps).
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$here/constraints.txt"
