"""The widget's data attributes are declared once (bot/widget/parameters.yml); web.py,
widget.js and the README's table follow that declaration."""

from __future__ import annotations

import re
from typing import Dict

import pytest

from bot.channels import web
from bot.config import PROJECT_ROOT, settings

DECLARED = web.widget_parameters()
SCRIPT = (PROJECT_ROOT / "bot" / "widget" / "widget.js").read_text(encoding="utf-8")
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def readme_rows() -> Dict[str, list]:
    section = README.split("## Web widget", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `data-([a-z-]+)` \| (.*?) \| (.*?) \|$", section, re.MULTILINE)
    return {name: [default, description] for name, default, description in rows}


def test_the_readme_table_lists_exactly_the_declared_attributes_with_their_defaults() -> None:
    rows = readme_rows()
    assert list(rows) == list(DECLARED)
    for name, spec in DECLARED.items():
        default, description = rows[name]
        assert description == spec["description"], name
        if spec.get("setting"):
            assert f"`{spec['setting']}`" in default, name
        assert str(spec["default"]) in default, name


def test_widget_js_reads_exactly_the_declared_attributes() -> None:
    used = set(re.findall(r'\bparam\("([a-z-]+)"\)', SCRIPT))
    assert used == set(DECLARED)
    # No attribute read around the declaration: only param() touches `data`.
    assert re.findall(r"\bdata\.[A-Za-z]", SCRIPT) == []


def test_the_server_hands_widget_js_every_declared_default() -> None:
    defaults = web.widget_defaults(settings())["params"]
    assert list(defaults) == list(DECLARED)
    config = settings()
    assert defaults["title"]["default"] == config.widget_title
    assert defaults["exit-url"]["default"] == config.widget_exit_url
    assert defaults["greeting"]["default"] == config.widget_greeting
    for name, spec in DECLARED.items():
        if spec.get("values"):
            assert defaults[name]["values"] == spec["values"]
            assert defaults[name]["default"] in spec["values"]


@pytest.mark.parametrize("setting", ["WIDGET_TITLE", "WIDGET_GREETING", "WIDGET_EXIT_URL"])
def test_every_setting_a_parameter_names_is_read_by_the_config(setting: str) -> None:
    assert setting in {spec.get("setting") for spec in DECLARED.values()}
    assert setting in (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
