#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10 only).
# Looks at PYTHON310, python3.10 on PATH, then pyenv's versions; exits 1 with
# instructions when there is none.
set -u
is_310() { [ -x "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }
candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for p in "$root"/versions/3.10.*/bin/python; do candidates+=("$p"); done
fi
for p in "$HOME"/.pyenv/versions/3.10.*/bin/python /usr/bin/python3.10 /usr/local/bin/python3.10; do candidates+=("$p"); done
for p in "${candidates[@]}"; do
  if is_310 "$p"; then echo "$p"; exit 0; fi
done
cat >&2 <<'MSG'
No Python 3.10 found. Rasa 3.6 runs on Python 3.8-3.10 only (plain python3 here is newer).
Get one, then run the command again:
  - with pyenv:   pyenv install 3.10 
  - on Debian/Ubuntu:  apt-get install python3.10 python3.10-venv   (where your release has it)
  - or point to one:   PYTHON310=/path/to/python3.10 make run
MSG
exit 1
