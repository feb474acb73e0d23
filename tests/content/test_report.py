"""The understanding report: figures that follow from the predictions, changes beyond noise only, the same
figures twice on the same data, and a page that says what to fix next."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Tuple

import pytest

from bot.config import PROJECT_ROOT
from tools.content import report_figures as figures
from tools.content.report_figures import Row

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "project"
CRISIS = ("danger_now", "suicidal", "child_exploitation")

ROWS = [
    Row("he has a knife", "danger_now", "danger_now", "danger_now", 1.0, "t.yml", 5),
    Row("help me now", "danger_now", "nlu_fallback", "find_hotline", 0.12, "t.yml", 6),
    Row("i want to die", "suicidal", "suicidal", "suicidal", 0.9, "t.yml", 9),
    Row("hi", "greet", "greet", "greet", 0.9, "t.yml", 12),
    Row("hello", "greet", "greet", "greet", 0.9, "t.yml", 13),
    Row("bye", "goodbye", "greet", "greet", 0.5, "t.yml", 16),
    Row("see you", "goodbye", "goodbye", "goodbye", 0.8, "t.yml", 17),
    Row("what is dv", "faq/what_is_dv", "faq/debt_bondage", "faq/debt_bondage", 0.4, "t.yml", 20),
]


def test_figures_follow_from_the_predictions():
    summary = figures.summarise(ROWS, CRISIS)
    assert summary["scored"] == 8 and summary["accuracy"] == 0.625
    assert summary["best_guess_accuracy"] == 0.625 and summary["not_understood"] == 0.125
    assert summary["crisis_recall"] == round(2 / 3, 4)
    assert summary["crisis_recall_by_intent"] == {"danger_now": 0.5, "suicidal": 1.0}
    greet = summary["per_intent"]["greet"]
    assert (greet["precision"], greet["recall"], greet["support"]) == (round(2 / 3, 4), 1.0, 2)
    assert summary["per_intent"]["faq/what_is_dv"]["recall"] == 0.0  # knowledge answers by their full name


def test_repeated_runs_give_the_mean_and_their_spread_as_noise():
    run_a = [Row(r.text, r.expected, r.predicted, r.guess, r.confidence, r.file, r.line, 1) for r in ROWS]
    run_b = [Row(r.text, r.expected, r.expected, r.expected, r.confidence, r.file, r.line, 2) for r in ROWS]
    result = figures.repeated(run_a + run_b, CRISIS)
    assert result["accuracy"] == round((0.625 + 1.0) / 2, 4) and result["noise"]["accuracy"] == 0.375
    assert result["per_intent"]["goodbye"]["noise"] == round(1.0 - 2 / 3, 4)


def test_only_changes_beyond_the_measured_noise_are_shown():
    before = {"accuracy": 0.80, "noise": {"accuracy": 0.01},
              "per_intent": {"greet": {"f1": 0.80, "support": 9, "noise": 0.05},
                             "goodbye": {"f1": 0.80, "support": 9, "noise": 0.02},
                             "thanks": {"f1": 0.90, "support": 9, "noise": 0.0}}}
    now = {"accuracy": 0.805, "noise": {"accuracy": 0.004},
           "per_intent": {"greet": {"f1": 0.84, "support": 9, "noise": 0.01},  # +4 points, noise 5: not shown
                          "goodbye": {"f1": 0.70, "support": 9, "noise": 0.03},  # -10 points: worse
                          "thanks": {"f1": 0.95, "support": 9, "noise": 0.0}}}  # +5 points, no noise: better
    found = figures.changes(now, before)
    assert [e["intent"] for e in found["better"]] == ["thanks"]
    assert [e["intent"] for e in found["worse"]] == ["goodbye"] and found["worse"][0]["noise"] == 0.03
    assert found["within_noise"] == 1
    assert found["overall"]["accuracy"]["shown"] is False


def test_crisis_misses_are_explained_in_terms_staff_can_act_on():
    miss = {"text": "help me now", "expected": "danger_now", "predicted": "nlu_fallback", "guess": "find_hotline",
            "times": 3, "runs": 3, "file": "data/nlu/crisis.yml", "line": 7}
    from_tests = figures.explain_crisis_miss(miss, CRISIS, from_tests=True)
    assert "too unsure to answer (its best guess: find_hotline)" in from_tests
    assert "No phrase in data/safety_net.yml matched it" in from_tests and "never the test sentence itself" in from_tests
    learnt = figures.explain_crisis_miss(dict(miss, predicted="suicidal"), CRISIS, from_tests=False,
                                         net=("suicidal", '"want to die"'))
    assert "still got a crisis reply with the emergency number first, but the suicidal one" in learnt
    assert 'sent it to suicidal because it contains "want to die"' in learnt
    assert "(data/nlu/crisis.yml, line 7); the model got it wrong in 3 of 3 runs" in learnt


def test_fix_next_puts_real_crisis_misses_first_then_the_weakest_intents_with_their_lines():
    misses = [{"text": "help me now", "expected": "danger_now", "source": "tests", "file": "tests/nlu/heldout.yml",
               "line": 6, "times": 1, "runs": 1, "explanation": "Because."}]
    crossval = {"per_intent": {"goodbye": {"f1": 0.5, "support": 20}, "greet": {"f1": 0.7, "support": 20},
                               "thanks": {"f1": 0.95, "support": 20}}}
    pairs = [{"a": "goodbye", "b": "greet", "times": 4.0}]
    blocks = {"goodbye": ("data/nlu/basics.yml", 30), "greet": ("data/nlu/basics.yml", 3)}
    untested = [{"answer": "utter_faq/x", "file": "data/nlu/a.yml", "line": 9}]
    found = figures.fix_next(misses, crossval, pairs, blocks, untested)
    assert [item["where"] for item in found] == [
        "tests/nlu/heldout.yml, line 6",
        "data/nlu/basics.yml, line 30 and data/nlu/basics.yml, line 3",
        "data/nlu/basics.yml, line 3 and data/nlu/basics.yml, line 30",
        "data/nlu/a.yml, line 9",
    ]
    assert found[1]["what"] == "goodbye is understood right only 50% of the time (F1); most often mixed up with greet " \
                               "(4.0 times a run)"


# ---- the whole command, twice ----------------------------------------------------------------------


def cells(html: str) -> Dict[Tuple[str, str, str], str]:
    found = re.findall(r'data-intent="([^"]+)" data-set="(\w+)" data-metric="(\w+)">([^<]+)<', html)
    return {(intent, part, metric): value for intent, part, metric, value in found}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, Path, Dict[str, str]]:
    """The fixture project, its safety net, and a model trained on it."""
    root = tmp_path_factory.mktemp("report") / "project"
    shutil.copytree(FIXTURE, root)
    shutil.copy(PROJECT_ROOT / "data" / "safety_net.yml", root / "data" / "safety_net.yml")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([str(Path(sys.executable).parent / "rasa"), "train", "nlu", "--config", str(root / "config.yml"),
                    "--nlu", str(root / "data" / "nlu"), "--out", str(root / "models"), "--fixed-model-name", "tiny"],
                   check=True, capture_output=True, cwd=PROJECT_ROOT, env=env, timeout=600)
    return root, root / "models" / "tiny.tar.gz", env


def run_report(root: Path, model: Path, env: Dict[str, str], out: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "tools.content.report", "--root", str(root), "--model", str(model), "--folds", "2",
         "--runs", "2", "--out", str(out)], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def test_the_report_twice_on_the_same_data_gives_the_same_figures_and_no_changes(tiny, tmp_path):
    root, model, env = tiny
    first = run_report(root, model, env, tmp_path / "one")
    second = run_report(root, model, env, tmp_path / "one")
    once = json.loads((tmp_path / "one" / "report-previous.json").read_text())
    twice = json.loads((tmp_path / "one" / "report.json").read_text())
    once.pop("created"), twice.pop("created")
    assert once == twice
    html = (tmp_path / "one" / "report.html").read_text()
    assert "Same data, same model: nothing to compare." in html
    # Quiet: our lines only, no progress bars, warnings or library chatter.
    for result in (first, second):
        lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        assert all(re.match(r"(\[\d/\d\] |  model \d+ of \d+ |Test sets: |Cross-validation: |Open )", line)
                   for line in lines), lines
    assert "[2/3] Cross-validation: 2 folds, 2 runs" in second.stdout
    assert first.stdout == second.stdout  # the printed figures too


def test_the_page_shows_figures_where_to_look_and_full_answer_names(tiny, tmp_path):
    root, model, env = tiny
    run_report(root, model, env, tmp_path / "page")
    data = json.loads((tmp_path / "page" / "report.json").read_text())
    html = (tmp_path / "page" / "report.html").read_text()
    tests = data["tests"]
    assert tests["sets"]["heldout.yml"]["scored"] == 8
    assert re.search(r'id="accuracy-tests">([^<]+)<', html).group(1) == f"{tests['accuracy'] * 100:.1f}%"
    assert re.search(r'id="crisis-tests">([^<]+)<', html).group(1) == f"{tests['crisis_recall'] * 100:.1f}%"
    shown = cells(html)
    assert ("faq/what_is_dv", "tests", "f1") in shown and ("faq/what_is_dv", "crossval", "f1") in shown
    for mistake in data["crossval"]["mistakes"]:
        assert mistake["file"] == "data/nlu/nlu.yml" and mistake["line"] > 0
    assert 'id="fix-next"' in html and "<ol>" in html or "Nothing stands out" in html
    assert data["untested_answers"] == []


def test_crisis_misses_a_safety_net_phrase_already_covers_are_not_listed(tmp_path):
    from tools.content.report import build_figures

    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    shutil.copy(PROJECT_ROOT / "data" / "safety_net.yml", root / "data" / "safety_net.yml")
    covered = "he has a knife"  # a phrase of danger_now in data/safety_net.yml
    rows = [Row(covered, "danger_now", "nlu_fallback", "greet", 0.1, "tests/nlu/heldout.yml", 3),
            Row("please come quickly", "danger_now", "greet", "greet", 0.6, "tests/nlu/heldout.yml", 4)]
    sets = {"heldout.yml": {"file": "tests/nlu/heldout.yml", "scored": 2, "left_out": 0}}
    found = build_figures(rows, sets, None, root, CRISIS, 2)
    assert [m["text"] for m in found["crisis_misses"]] == ["please come quickly"]
    assert "It was understood as greet" in found["crisis_misses"][0]["explanation"]
    assert found["fix_next"][0]["where"] == "tests/nlu/heldout.yml, line 4"
