"""The understanding report: its figures match the evaluation they come from, and the CLI works end to end."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Tuple

import pytest

from bot.config import PROJECT_ROOT
from tools.content import report
from tools.evaluation import Evaluation

FIXTURE = Path(__file__).parent / "fixtures" / "report"

ROWS = [
    ("he has a knife", "danger_now", "danger_now"),
    ("help me now", "danger_now", "find_hotline"),
    ("i want to die", "suicidal", "suicidal"),
    ("hi", "greet", "greet"),
    ("hello", "greet", "greet"),
    ("bye", "goodbye", "greet"),
    ("see you", "goodbye", "goodbye"),
    ("give me a number", "find_hotline", "find_hotline"),
]


def cells(html: str) -> Dict[Tuple[str, str, str], str]:
    """(intent, set, metric) -> shown value, from the per-intent table."""
    found = re.findall(r'data-intent="([^"]+)" data-set="(\w+)" data-metric="(\w+)">([^<]+)<', html)
    return {(intent, part, metric): value for intent, part, metric, value in found}


def by_id(html: str, name: str) -> str:
    match = re.search(rf'id="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1)


def png(html: str, name: str) -> bytes:
    match = re.search(rf'id="{name}" alt="[^"]*" src="data:image/png;base64,([^"]+)"', html)
    assert match, name
    return base64.b64decode(match.group(1))


def write_crossval(folder: Path) -> None:
    """Files shaped exactly as `rasa test nlu --cross-validation --out` writes them."""
    folder.mkdir(parents=True)
    (folder / "intent_report.json").write_text(json.dumps({
        "danger_now": {"precision": 1.0, "recall": 0.75, "f1-score": 0.8571, "support": 4, "confused_with": {"greet": 1}},
        "greet": {"precision": 0.8, "recall": 1.0, "f1-score": 0.8889, "support": 4, "confused_with": {}},
        "faq": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 2, "confused_with": {}},
        "accuracy": 0.9,
        "macro avg": {"precision": 0.9333, "recall": 0.9167, "f1-score": 0.9153, "support": 10},
        "weighted avg": {"precision": 0.92, "recall": 0.9, "f1-score": 0.9, "support": 10},
    }))
    (folder / "intent_errors.json").write_text(json.dumps([
        {"text": "pls come quick", "intent": "danger_now", "intent_prediction": {"name": "greet", "confidence": 0.51}},
    ]))
    (folder / "response_selection_report.json").write_text(json.dumps({
        "faq/what_is_dv": {"precision": 1.0, "recall": 0.5, "f1-score": 0.6667, "support": 2, "confused_with": {}},
        "faq/debt_bondage": {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0, "confused_with": {}},
        "accuracy": 0.5,
    }))
    (folder / "response_selection_errors.json").write_text(json.dumps([
        {"text": "what is dv", "intent_response_key_target": "faq/what_is_dv",
         "intent_response_key_prediction": {"name": "faq/debt_bondage", "confidence": 0.4}},
    ]))


@pytest.fixture
def built(tmp_path: Path) -> Tuple[Path, str]:
    out = tmp_path / "results"
    out.mkdir()
    previous = {
        "created": "2026-11-01T10:00:00",
        "heldout": {
            "accuracy": 0.8, "macro_f1": 0.7, "crisis_recall": 1.0,
            "per_intent": {
                "greet": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2},
                "danger_now": {"precision": 1.0, "recall": 0.82, "f1": 0.9, "support": 2},
                "suicidal": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1},
            },
        },
        "crossval": None,
    }
    (out / "report.json").write_text(json.dumps(previous))
    write_crossval(out / "crossval")
    heldout = report.heldout_figures(Evaluation(rows=list(ROWS)), "heldout.yml")
    crossval = report.crossval_figures(out / "crossval", folds=3)
    html_file = report.build(out, heldout, crossval)
    return out, html_file.read_text()


def test_heldout_figures_per_intent_match_the_predictions(built):
    _, html = built
    shown = cells(html)
    assert shown[("greet", "heldout", "precision")] == "66.7%"
    assert shown[("greet", "heldout", "recall")] == "100.0%"
    assert shown[("greet", "heldout", "f1")] == "80.0%"
    assert shown[("greet", "heldout", "support")] == "2"
    assert shown[("danger_now", "heldout", "recall")] == "50.0%"
    assert shown[("find_hotline", "heldout", "precision")] == "50.0%"
    assert by_id(html, "accuracy-heldout") == "75.0%"  # 6 of 8
    assert by_id(html, "macro-f1-heldout") == "76.0%"  # (2/3 + 1 + 0.8 + 2/3 + 2/3) / 5


def test_crisis_recall_comes_first_with_the_missed_messages(built):
    _, html = built
    assert by_id(html, "crisis-heldout") == "66.7%"  # 2 of 3 crisis examples
    assert by_id(html, "crisis-crossval") == "75.0%"
    assert html.index("Crisis recall") < html.index("Overall") < html.index("Per intent")
    crisis_box = html[html.index("Crisis recall") : html.index("Overall")]
    assert "help me now" in crisis_box and "understood as find_hotline" in crisis_box
    assert "pls come quick" in crisis_box


def test_crossval_figures_come_from_rasa_files(built):
    _, html = built
    shown = cells(html)
    assert by_id(html, "accuracy-crossval") == "90.0%"
    assert shown[("danger_now", "crossval", "f1")] == "85.7%"
    assert shown[("faq/what_is_dv", "crossval", "recall")] == "50.0%"
    table = html[html.index('id="mistakes-crossval"') :]
    assert "what is dv</td><td>faq/what_is_dv</td><td>faq/debt_bondage" in table


def test_misclassified_examples_say_what_they_were_mistaken_for(built):
    _, html = built
    table = html[html.index('id="mistakes-heldout"') :]
    assert "<tr><td>help me now</td><td>danger_now</td><td>find_hotline</td></tr>" in table
    assert "<tr><td>bye</td><td>goodbye</td><td>greet</td></tr>" in table
    assert "he has a knife" not in table


def test_confusion_matrices_are_embedded_pictures(built):
    _, html = built
    for name in ("confusion-heldout", "confusion-crossval"):
        assert png(html, name).startswith(b"\x89PNG\r\n\x1a\n")
    out, _ = built
    crossval = json.loads((out / "report.json").read_text())["crossval"]
    assert crossval["confusion"]["danger_now"] == {"danger_now": 3, "greet": 1}


def test_change_against_the_previous_report(built):
    out, html = built
    better = html[html.index('id="better-heldout"') :].split("</ul>")[0]
    worse = html[html.index('id="worse-heldout"') :].split("</ul>")[0]
    assert 'data-intent="greet"' in better and "50.0% &rarr; 80.0%" in better
    assert 'data-intent="danger_now"' in worse and "(-23.3 pts)" in worse
    assert "suicidal" not in better + worse
    assert "crisis recall 100.0% &rarr; 66.7%" in html
    assert json.loads((out / "report-previous.json").read_text())["created"] == "2026-11-01T10:00:00"
    assert json.loads((out / "report.json").read_text())["heldout"]["accuracy"] == 0.75


def test_first_report_says_there_is_nothing_to_compare(tmp_path):
    heldout = report.heldout_figures(Evaluation(rows=list(ROWS)), "heldout.yml")
    html = report.build(tmp_path, heldout, None).read_text()
    assert "No previous report to compare with" in html
    assert not (tmp_path / "report-previous.json").exists()


def test_cli_builds_the_report_for_a_small_model_end_to_end(tmp_path):
    """`python -m tools.content.report` on a tiny data set: cross-validation, held-out, HTML."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    rasa = Path(sys.executable).parent / "rasa"
    subprocess.run(
        [str(rasa), "train", "nlu", "--config", str(FIXTURE / "config.yml"), "--nlu", str(FIXTURE / "nlu.yml"),
         "--out", str(tmp_path / "models"), "--fixed-model-name", "tiny"],
        check=True, capture_output=True, cwd=PROJECT_ROOT, env=env, timeout=300,
    )
    out = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-m", "tools.content.report", "--model", str(tmp_path / "models" / "tiny.tar.gz"),
         "--config", str(FIXTURE / "config.yml"), "--nlu", str(FIXTURE / "nlu.yml"),
         "--heldout", str(FIXTURE / "heldout.yml"), "--folds", "2", "--out", str(out)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    progress = result.stdout
    assert "[1/3] Cross-validation" in progress and "fold 1 of 2" in progress and "fold 2 of 2" in progress
    assert "[2/3] Held-out test set" in progress and "[3/3] Writing the report" in progress

    figures = json.loads((out / "report.json").read_text())
    html = (out / "report.html").read_text()
    rasa_report = json.loads((out / "crossval" / "intent_report.json").read_text())
    assert figures["crossval"]["accuracy"] == round(rasa_report["accuracy"], 4)
    assert by_id(html, "accuracy-crossval") == f"{rasa_report['accuracy'] * 100:.1f}%"
    heldout = figures["heldout"]
    assert heldout["examples"] == 7
    assert heldout["accuracy"] == round((7 - len(heldout["mistakes"])) / 7, 4)
    assert by_id(html, "accuracy-heldout") == f"{heldout['accuracy'] * 100:.1f}%"
    assert by_id(html, "crisis-heldout") == f"{heldout['crisis_recall'] * 100:.1f}%"
    assert png(html, "confusion-heldout").startswith(b"\x89PNG")
