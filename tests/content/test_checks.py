"""Each content rule on a fixture that breaks it and one that passes (tests/content/fixtures/checks)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from tools.content import checks
from tools.content.checks import Project, Rules, run_checks
from tools.content.cli import main as check_main
from tools.content.readability import grade, syllables
from tools.content.source import ERROR, WARNING, load_content, read_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def rules() -> Rules:
    """The real rules staff read in data/content_rules.yml."""
    loaded, problems = Rules.load(PROJECT_ROOT / "data" / "content_rules.yml")
    assert loaded is not None and not problems
    return loaded


def content(name: str):
    return load_content([FIXTURES / name])


def directory(name: str = "hotlines_ok.yml"):
    loaded, problems = checks.load_directory(FIXTURES / name)
    assert loaded is not None, problems
    return loaded


# ---- too few examples -------------------------------------------------------------------


def test_too_few_examples_names_the_intent_its_line_and_how_many_to_add(rules):
    found = checks.too_few_examples(content("too_few_bad.yml"), rules)
    assert len(found) == 1
    assert found[0].line == 26 and found[0].level == ERROR
    assert "'ask_something' has 5 examples" in found[0].message and "Add 15 more" in found[0].message


def test_enough_examples_and_exempt_quick_exit_pass(rules):
    assert checks.too_few_examples(content("too_few_good.yml"), rules) == []
    assert "quick_exit" in rules.exempt and "matched exactly" in rules.exempt["quick_exit"]


# ---- duplicates -------------------------------------------------------------------------


def test_same_and_nearly_same_example_in_two_intents_are_found(rules):
    found = checks.duplicate_examples(content("duplicates_bad.yml"), rules)
    assert sorted((f.line, f.message.split(" is in")[0]) for f in found) == [
        (13, "the same example"),
        (14, "nearly the same example"),
    ]
    assert "help_trafficking" in found[0].message and "faq/debt_bondage" in found[0].message


def test_distinct_examples_pass(rules):
    assert checks.duplicate_examples(content("duplicates_good.yml"), rules) == []


# ---- responses ---------------------------------------------------------------------------


def test_response_too_long_for_sms(rules):
    found = checks.too_long_for_sms(content("sms_bad.yml"), rules)
    assert [(f.line, f.level) for f in found] == [(7, ERROR)]
    assert "'utter_long' is 344 characters" in found[0].message


def test_response_short_enough_for_sms(rules):
    assert checks.too_long_for_sms(content("sms_good.yml"), rules) == []


def test_response_above_reading_level(rules):
    found = checks.reading_level(content("reading_bad.yml"), rules)
    assert [f.line for f in found] == [5]
    assert "reads at grade" in found[0].message and "split long sentences" in found[0].message


def test_plain_response_within_reading_level(rules):
    assert checks.reading_level(content("reading_good.yml"), rules) == []


def test_reading_level_heuristic_on_known_words_and_texts():
    assert [syllables(w) for w in ("trafficking", "people", "makes", "wanted", "decide", "the")] == [3, 2, 1, 2, 2, 1]
    assert grade("You decide. Help is there.") < 3
    assert grade("Comprehensive individualized documentation necessitates consideration.") > 12


def test_words_the_content_guide_avoids_are_each_found(rules):
    found = checks.words_to_avoid(checks.response_texts(content("avoid_bad.yml")), rules)
    flagged = {f.message.split('"')[1].lower() for f in found}
    assert flagged == {
        "victims", "the abused", "you let him", "why didn't you", "child prostitute", "sex workers", "you must",
        "you should leave", "prostitutes",
    }
    assert all(f.level == ERROR and "instead" in f.message for f in found)


def test_preferred_words_pass_and_adult_sex_workers_are_not_flagged(rules):
    assert checks.words_to_avoid(checks.response_texts(content("avoid_good.yml")), rules) == []


def test_number_not_in_hotline_directory(rules):
    found = checks.unknown_numbers(content("numbers_bad.yml"), directory())
    assert sorted((f.line, f.message.split("number ")[1].split(",")[0]) for f in found) == [
        (6, "18005550199"),
        (8, "741741"),
    ]
    assert "data/hotlines.yml" in found[0].message


def test_numbers_from_the_directory_and_non_phone_figures_pass():
    assert checks.unknown_numbers(content("numbers_good.yml"), directory()) == []


def test_number_rule_passes_on_the_real_responses():
    project = Project.at()
    real = load_content(project.response_files())
    loaded, _ = checks.load_directory(project.hotlines)
    assert real.responses and checks.unknown_numbers(real, loaded) == []


# ---- hotline directory ---------------------------------------------------------------------


def test_hotline_verified_over_a_year_ago_is_a_warning(rules):
    path = FIXTURES / "hotlines_stale.yml"
    found = checks.stale_hotlines(path, directory("hotlines_stale.yml"), rules, TODAY)
    assert [(f.line, f.level) for f in found] == [(48, WARNING), (56, WARNING)]
    assert "'us_dv'" in found[0].message and "2025-01-10" in found[0].message


def test_hotline_verified_in_the_future_is_a_warning(rules):
    found = checks.stale_hotlines(FIXTURES / "hotlines_future.yml", directory("hotlines_future.yml"), rules, TODAY)
    assert [(f.line, f.level) for f in found] == [(56, WARNING)] and "in the future" in found[0].message


def test_recently_verified_hotlines_pass(rules):
    assert checks.stale_hotlines(FIXTURES / "hotlines_ok.yml", directory(), rules, TODAY) == []


def test_hotline_without_source_is_an_error_from_the_directory_validator():
    loaded, found = checks.load_directory(FIXTURES / "hotlines_no_source.yml")
    assert loaded is None
    assert [(f.line, f.level) for f in found] == [(42, ERROR)]
    assert "service 'us_dv' is missing source" in found[0].message


# ---- YAML and file shape ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, line, words",
    [
        ("yaml_tab.yml", 5, "starts with a tab"),
        ("yaml_colon.yml", 5, "colon (:) inside a text"),
        ("yaml_quote.yml", 5, "opened on this line but never closed"),
        ("yaml_inner_quote.yml", 5, "text after a closing quote"),
        ("yaml_indent.yml", 7, "indentation is off"),
        ("yaml_duplicate.yml", 6, "appears twice (first on line 4)"),
    ],
)
def test_yaml_mistakes_are_explained_in_plain_words(name, line, words):
    _data, _node, found = read_yaml(FIXTURES / name)
    assert [(f.line, f.level) for f in found] == [(line, ERROR)]
    assert words in found[0].message
    jargon = ("Traceback", "mapping values", "scalar", "token", "block end", "stream")
    assert not any(word in found[0].message for word in jargon)


def test_valid_yaml_has_no_problems():
    assert read_yaml(FIXTURES / "sms_good.yml")[2] == []


def test_wrong_file_shape_is_explained():
    found = content("shape_bad.yml").problems
    assert sorted((f.line, f.message.split(" ")[1]) for f in found) == [(8, "example"), (9, "intent"), (12, "response")]
    assert "does not start with '- '" in found[0].message


# ---- the whole check -------------------------------------------------------------------------


def fixture_project(tmp_path: Path, *nlu: str, hotlines: str = "hotlines_ok.yml") -> Project:
    return Project(
        nlu=tuple(FIXTURES / name for name in nlu),
        domain=None,
        hotlines=FIXTURES / hotlines,
        safety_net=None,
        rules=PROJECT_ROOT / "data" / "content_rules.yml",
    )


def test_run_checks_passes_clean_fixtures(tmp_path):
    project = fixture_project(tmp_path, "too_few_good.yml", "sms_good.yml", "avoid_good.yml", "numbers_good.yml")
    assert run_checks(project, today=TODAY) == []


def test_run_checks_reports_every_broken_fixture_with_file_and_line(tmp_path):
    project = fixture_project(tmp_path, "too_few_bad.yml", "sms_bad.yml", "yaml_colon.yml", hotlines="hotlines_stale.yml")
    found = [str(f) for f in run_checks(project, today=TODAY)]
    assert any(line.startswith("ERROR   tests/content/fixtures/checks/too_few_bad.yml, line 26:") for line in found)
    assert any(line.startswith("ERROR   tests/content/fixtures/checks/sms_bad.yml, line 7:") for line in found)
    assert any(line.startswith("ERROR   tests/content/fixtures/checks/yaml_colon.yml, line 5:") for line in found)
    assert found[-1].startswith("WARNING tests/content/fixtures/checks/hotlines_stale.yml, line 56:")


def copy_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    for name in ("domain.yml", "config.yml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    return root


def test_cli_stops_on_unreadable_yaml_with_a_plain_sentence_and_no_traceback(tmp_path, capsys):
    root = copy_project(tmp_path)
    path = root / "data" / "nlu" / "basics.yml"
    original = path.read_text()
    path.write_text(original + "responses:\n  utter_faq/x:\n  - text: Note: broken\n")
    assert check_main(["--root", str(root)]) == 1
    out = capsys.readouterr().out
    broken_line = len(original.splitlines()) + 3
    assert f"data/nlu/basics.yml, line {broken_line}: there is a colon (:) inside a text" in out
    assert "Skipping Rasa's own check" in out and "Traceback" not in out
    assert "Content check FAILED" in out


def test_cli_runs_rasa_data_validate_and_explains_its_warnings(tmp_path):
    """An intent missing from domain.yml is Rasa's to find; the check passes on its message with a fix."""
    root = copy_project(tmp_path)
    path = root / "data" / "nlu" / "basics.yml"
    examples = "".join(f"    - tell me a joke number {i}\n" for i in range(20))
    path.write_text(path.read_text() + f"- intent: tell_joke\n  examples: |\n{examples}")
    result = subprocess.run(
        [sys.executable, "-m", "tools.content.check", "--root", str(root)], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert result.returncode == 1
    assert "rasa data validate: There is a message in the training data labeled with intent 'tell_joke'" in result.stdout
    assert "Add the intent's name under 'intents:' in domain.yml" in result.stdout


def test_question_without_answer_and_answer_without_question():
    found = checks.questions_without_answers(content("faq_bad.yml"))
    assert sorted((f.line, f.message.split(" has ")[0]) for f in found) == [
        (5, "the question 'faq/find_shelter'"),
        (15, "the answer 'utter_faq/old_topic'"),
    ]


def test_questions_with_answers_pass():
    assert checks.questions_without_answers(content("faq_good.yml")) == []
