"""Set-up: a clear message, not a stack trace, when there is no Python 3.10."""

from __future__ import annotations

import subprocess

from bot.config import PROJECT_ROOT

FIND = PROJECT_ROOT / "tools" / "find_python310.sh"


def test_finds_a_python_310_here() -> None:
    found = subprocess.run([str(FIND)], capture_output=True, text=True, check=True).stdout.strip()
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("Python 3.10")


def test_without_python_310_says_how_to_get_one(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(["bash", str(FIND)], capture_output=True, text=True, env=env)
    if result.returncode == 0:  # this machine has a system python3.10 on /usr/bin
        assert "3.10" in subprocess.run([result.stdout.strip(), "--version"], capture_output=True,
                                        text=True).stdout
        return
    assert result.returncode == 1
    assert "No Python 3.10 found" in result.stderr
    assert "pyenv install 3.10" in result.stderr and "PYTHON310=" in result.stderr
    assert "Traceback" not in result.stderr


def test_python310_variable_must_really_be_310(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHON310": "/bin/false"}
    result = subprocess.run(["bash", str(FIND)], capture_output=True, text=True, env=env)
    assert result.stdout.strip() != "/bin/false"


def test_the_security_pins_are_what_is_installed() -> None:
    """constraints.txt overrides Rasa's caps (SECURITY.md); the venv must have exactly those versions."""
    from importlib.metadata import version

    pins = [line.split("==") for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert pins
    wrong = {name: (pinned, version(name)) for name, pinned in pins if version(name) != pinned}
    assert not wrong, f"run `make venv` (pinned, installed): {wrong}"
