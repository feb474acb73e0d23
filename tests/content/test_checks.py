"""Each content rule on a small fixture that breaks it and one that passes (tests/content/fixtures/checks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.hotlines import directory
from tools.content.checks import Rules, answers, examples
from tools.content.readability import grade, syllables
from tools.content.source import ERROR, load_content, read_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


@pytest.fixture(scope="module")
def rules() -> Rules:
    """The real rules staff read in data/content_rules.yml."""
    loaded, problems = Rules.load(PROJECT_ROOT / "data" / "content_rules.yml", PROJECT_ROOT)
    assert loaded is not None and not problems
    return loaded


def content(name: str):
    return load_content([FIXTURES / name])


def directory_numbers():
    return [n for service in directory().services.values() for n in service.numbers()]


# ---- examples ----------------------------------------------------------------------------------


def test_too_few_examples_names_the_intent_its_line_and_how_many_to_add(rules):
    found = examples.too_few_examples(content("too_few_bad.yml"), rules)
    assert [(f.line, f.level) for f in found] == [(26, ERROR)]
    assert "'ask_something' has 5 different examples" in found[0].message and "Add 15 more" in found[0].message


def test_enough_examples_and_exempt_quick_exit_pass(rules):
    assert examples.too_few_examples(content("too_few_good.yml"), rules) == []
    assert "quick_exit" in rules.exempt and "matched exactly" in rules.exempt["quick_exit"]


def test_same_and_nearly_same_example_in_two_intents_are_found(rules):
    found = examples.duplicate_examples(content("duplicates_bad.yml"), rules)
    assert sorted((f.line, f.message.split(" is in")[0]) for f in found) == [
        (13, "the same example"),
        (14, "nearly the same example"),
    ]
    assert "help_trafficking" in found[0].message and "faq/debt_bondage" in found[0].message


def test_distinct_examples_pass(rules):
    assert examples.duplicate_examples(content("duplicates_good.yml"), rules) == []


# ---- answers -------------------------------------------------------------------------------------


def test_answer_too_long_for_sms(rules):
    found = answers.too_long_for_sms(content("sms_bad.yml"), rules)
    assert [(f.line, f.level) for f in found] == [(7, ERROR)]
    assert "'utter_long' is 344 characters" in found[0].message


def test_answer_short_enough_for_sms(rules):
    assert answers.too_long_for_sms(content("sms_good.yml"), rules) == []


def test_answer_above_reading_level(rules):
    found = answers.reading_level(content("reading_bad.yml").variations, rules)
    assert [f.line for f in found] == [5]
    assert "reads at grade" in found[0].message and "split long sentences" in found[0].message


def test_plain_answer_within_reading_level(rules):
    assert answers.reading_level(content("reading_good.yml").variations, rules) == []


def test_reading_level_heuristic_on_known_words_and_texts():
    assert [syllables(w) for w in ("trafficking", "people", "makes", "wanted", "decide", "the")] == [3, 2, 1, 2, 2, 1]
    assert grade("You decide. Help is there.") < 3
    assert grade("Comprehensive individualized documentation necessitates consideration.") > 12


def test_words_the_content_guide_avoids_are_each_found(rules):
    found = answers.words_to_avoid(answers.answer_texts(content("avoid_bad.yml").variations), rules)
    flagged = {f.message.split('"')[1].lower() for f in found}
    assert flagged == {
        "victims", "the abused", "you let him", "why didn't you", "child prostitute", "sex workers", "you must",
        "you should leave", "prostitutes",
    }
    assert all(f.level == ERROR and "instead" in f.message and "docs/content-guide.md" in f.message for f in found)


def test_preferred_words_pass_and_adult_sex_workers_are_not_flagged(rules):
    assert answers.words_to_avoid(answers.answer_texts(content("avoid_good.yml").variations), rules) == []


def test_number_not_in_hotline_directory():
    found = answers.unknown_numbers(content("numbers_bad.yml"), directory_numbers())
    assert sorted((f.line, f.message.split("number ")[1].split(",")[0]) for f in found) == [
        (6, "18005550199"),
        (8, "55155"),
    ]
    assert "data/hotlines.yml" in found[0].message


def test_numbers_from_the_directory_pass_however_they_are_written(tmp_path):
    """Every directory number, as written there and in the other usual ways, is accepted in an answer."""
    lines = []
    for number in directory_numbers():
        digits = "".join(ch for ch in number if ch.isdigit())
        lines.append(f"Call {number} or text {digits}.")
        if len(digits) >= 10:
            lines.append(f"Ring ({digits[-10:-7]}) {digits[-7:]}.")
    answer = tmp_path / "answers.yml"
    answer.write_text('version: "3.1"\nresponses:\n' + "".join(
        f'  utter_n{i}:\n  - text: "{line}"\n' for i, line in enumerate(lines)))
    assert answers.unknown_numbers(load_content([answer], tmp_path), directory_numbers()) == []


def test_question_without_answer_and_answer_without_question():
    found = answers.questions_without_answers(content("faq_bad.yml"))
    assert sorted((f.line, f.message.split(" has ")[0]) for f in found) == [
        (5, "the question 'faq/find_shelter'"),
        (14, "the answer 'utter_faq/old_topic'"),
    ]


def test_questions_with_answers_pass():
    assert answers.questions_without_answers(content("faq_good.yml")) == []


# ---- YAML and file shape ---------------------------------------------------------------------------


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
    found = read_yaml(FIXTURES / name).problems
    assert [(f.line, f.level) for f in found] == [(line, ERROR)]
    assert words in found[0].message
    jargon = ("Traceback", "mapping values", "scalar", "token", "block end", "stream")
    assert not any(word in found[0].message for word in jargon)


def test_valid_yaml_has_no_problems():
    assert read_yaml(FIXTURES / "sms_good.yml").problems == []


def test_wrong_file_shape_is_explained():
    found = content("shape_bad.yml").problems
    assert sorted((f.line, f.message.split(" ")[1]) for f in found) == [(8, "example"), (9, "intent"), (12, "answer")]
    assert "does not start with '- '" in found[0].message


def test_every_value_keeps_its_line():
    parsed = read_yaml(PROJECT_ROOT / "data" / "hotlines.yml")
    text = (PROJECT_ROOT / "data" / "hotlines.yml").read_text().splitlines()
    line = parsed.line_at("services", "us_dv", "call")
    assert text[line - 1].strip().startswith("call:")
    # A field that is not there points at its entry, so a "missing" problem still has a line.
    assert parsed.line_at("services", "us_dv", "no_such_field") == parsed.line_at("services", "us_dv")
