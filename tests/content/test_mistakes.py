"""Each mistake of issue 19 (and 15), made on a copy of the project's data, and what `make check-content` says.

Every message must name the file and the line, and say in plain words what to do.
Numbers are read from the directory, never typed here (a content editor's correct
change must not break these tests).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT
from tests.content.conftest import check, line_of, only, replace_once
from tools.content.source import ERROR, NOTE, WARNING

NLU = Path("data") / "nlu"


def insert_after(path: Path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line:line] = [text]
    path.write_text("".join(lines), encoding="utf-8")


def answer_line(path: Path, answer: str) -> int:
    """The line of the English `- text:` of an answer."""
    return line_of(path, "- text:", after=line_of(path, f"  {answer}:"))


def examples_line(path: Path, intent: str) -> int:
    """The `examples: |` line of an intent (the first example goes right after it)."""
    return line_of(path, "examples: |", after=line_of(path, f"- intent: {intent}"))


def service_number(root: Path, key: str, field: str = "call") -> str:
    return str(yaml.safe_load((root / "data" / "hotlines.yml").read_text())["services"][key][field])


# ---- the data as it is --------------------------------------------------------------------------------


def test_the_current_data_passes_with_one_note_about_spanish(project):
    found = check(project)
    assert [str(f) for f in found if f.level == ERROR] == []
    notes = [f for f in found if f.level == NOTE]
    assert len(notes) == 1 and "Spanish texts were skipped" in notes[0].message
    assert "English texts only" in notes[0].message


# ---- answers ------------------------------------------------------------------------------------------------


def test_a_button_to_a_mistyped_intent(project):
    path = project / NLU / "trafficking.yml"
    line = answer_line(path, "utter_faq/what_is_trafficking")
    insert_after(path, line, '    buttons:\n    - title: "Get help"\n      payload: "/help_traficking"\n')
    found = only(check(project), "points to '/help_traficking'")
    assert (found.file, found.line, found.level) == ("data/nlu/trafficking.yml", line, ERROR)
    assert "not an intent in domain.yml (did you mean 'help_trafficking'?)" in found.message


def test_an_empty_answer(project):
    path = project / NLU / "trafficking.yml"
    line = answer_line(path, "utter_faq/debt_bondage")
    old = path.read_text().splitlines()[line - 1]
    replace_once(path, old, '  - text: ""')
    found = only(check(project), "is empty")
    assert (found.file, found.line) == ("data/nlu/trafficking.yml", line)
    assert "the answer 'utter_faq/debt_bondage' is empty: people would get no answer" in found.message


def test_words_curly_quotes_around_an_answer(project):
    path = project / NLU / "trafficking.yml"
    line = answer_line(path, "utter_faq/debt_bondage")
    old = path.read_text().splitlines()[line - 1]
    text = old.split('"', 1)[1].rsplit('"', 1)[0]
    replace_once(path, old, f"  - text: \u201c{text}\u201d")
    found = only(check(project), "curly quotes")
    assert (found.file, found.line, found.level) == ("data/nlu/trafficking.yml", line, ERROR)
    assert "people would see them" in found.message and 'straight double quotes: - text: "..."' in found.message


def test_an_answer_whose_source_is_not_in_the_sources_file(project):
    path = project / NLU / "trafficking.yml"
    line = answer_line(path, "utter_faq/what_is_trafficking")
    source_line = line_of(path, "source: article_001", after=line)
    lines = path.read_text().splitlines(keepends=True)
    lines[source_line - 1] = lines[source_line - 1].replace("article_001", "article_01")
    path.write_text("".join(lines))
    found = only(check(project), "names the source 'article_01'")
    assert (found.file, found.line) == ("data/nlu/trafficking.yml", line)
    assert "not in data/sources.yml (did you mean 'article_001'?)" in found.message


def test_an_answer_without_its_need(project):
    path = project / NLU / "trafficking.yml"
    line = answer_line(path, "utter_faq/what_is_trafficking")
    need_line = line_of(path, "need: trafficking", after=line)
    lines = path.read_text().splitlines(keepends=True)
    del lines[need_line - 1]
    path.write_text("".join(lines))
    found = only(check(project), "does not say which need")
    assert (found.file, found.line) == ("data/nlu/trafficking.yml", line)
    assert "cannot offer the right service after it" in found.message


# ---- examples -------------------------------------------------------------------------------------------------


def test_the_same_example_twice_in_one_intent_is_found_and_not_counted(project):
    path = project / NLU / "new_topic.yml"
    examples = [f"    - how do i find topic number {n} near me\n" for n in range(19)]
    examples.insert(5, examples[4])  # 20 lines, 19 different
    path.write_text('version: "3.1"\nnlu:\n- intent: faq/new_topic\n  examples: |\n' + "".join(examples)
                    + 'responses:\n  utter_faq/new_topic:\n  - text: "A short answer."\n    metadata:\n'
                    "      source: article_000\n      need: none\n")
    found = check(project)
    repeat = only(found, "is already an example of 'faq/new_topic'")
    assert (repeat.file, repeat.line) == ("data/nlu/new_topic.yml", 10)
    assert "(line 9)" in repeat.message and "does not count toward the minimum" in repeat.message
    count = only(found, "'faq/new_topic' has 19 different examples")
    assert (count.file, count.line) == ("data/nlu/new_topic.yml", 3) and "Add 1 more" in count.message


def test_a_test_sentence_copied_into_the_training_data(project):
    heldout = project / "tests" / "nlu" / "heldout.yml"
    first = examples_line(heldout, "danger_now") + 1
    sentence = heldout.read_text().splitlines()[first - 1].strip()[2:]
    path = project / NLU / "crisis.yml"
    line = examples_line(path, "danger_now")
    insert_after(path, line, f"    - {sentence}\n")
    found = only(check(project), "is also a test sentence")
    assert (found.file, found.line, found.level) == ("data/nlu/crisis.yml", line + 1, ERROR)
    assert f"(tests/nlu/heldout.yml line {first})" in found.message and "no longer be measured" in found.message


def test_a_crisis_sounding_example_under_a_knowledge_answer(project):
    path = project / NLU / "domestic_violence.yml"
    line = examples_line(path, "faq/coercive_control")
    insert_after(path, line, "    - he has a knife, is that coercive control\n")
    found = only(check(project), "he has a knife, is that coercive control")
    assert (found.file, found.line, found.level) == ("data/nlu/domestic_violence.yml", line + 1, ERROR)
    assert 'sends this message to danger_now because it contains "has a knife"' in found.message
    assert "would never reach its answer" in found.message


def test_a_new_intent_with_no_rule_and_one_missing_from_the_domain(project):
    path = project / NLU / "basics.yml"
    examples = "".join(f"    - is there a shelter open tonight number {n}\n" for n in range(20))
    start = len(path.read_text().splitlines()) + 1
    path.write_text(path.read_text() + f"- intent: ask_shelter\n  examples: |\n{examples}"
                    f"- intent: ask_shelterr\n  examples: |\n{examples.replace('shelter', 'refuge')}")
    replace_once(project / "domain.yml", "  - ask_talk_to_person\n", "  - ask_talk_to_person\n  - ask_shelter\n")
    found = check(project)
    no_rule = only(found, "'ask_shelter' has no rule")
    assert (no_rule.file, no_rule.line) == ("data/nlu/basics.yml", start)
    assert "- rule: ask_shelter" in no_rule.message and "action: action_respond" in no_rule.message
    unknown = only(found, "'ask_shelterr' is not listed in domain.yml")
    assert (unknown.file, unknown.line) == ("data/nlu/basics.yml", start + 22)
    assert "check its spelling" in unknown.message


# ---- numbers ---------------------------------------------------------------------------------------------------


def test_a_number_typed_with_a_letter_o(project):
    number = service_number(project, "us_dv")
    path = project / "data" / "hotlines.yml"
    line = line_of(path, "call:", after=line_of(path, "  us_dv:"))
    replace_once(path, f"call: {number}", f"call: {number.replace('0', 'O', 1)}")
    found = only(check(project), "a letter O for a zero?")
    assert (found.file, found.line, found.level) == ("data/hotlines.yml", line, ERROR)
    assert found.message.startswith("services > us_dv > call:")


def test_a_number_with_a_digit_missing(project):
    number = service_number(project, "gb_dv")
    path = project / "data" / "hotlines.yml"
    line = line_of(path, "call:", after=line_of(path, "  gb_dv:"))
    replace_once(path, f"call: {number}", f"call: {number[:-1]}")
    found = only(check(project), "is not a valid number in GB")
    assert (found.file, found.line) == ("data/hotlines.yml", line)
    assert "a digit missing or one too many?" in found.message


def test_a_changed_number_shows_old_and_new_and_asks_to_verify_it(committed_project):
    number = service_number(committed_project, "us_dv")
    changed = number[:-1] + str((int(number[-1]) + 1) % 10)
    path = committed_project / "data" / "hotlines.yml"
    line = line_of(path, "call:", after=line_of(path, "  us_dv:"))
    replace_once(path, f"call: {number}", f"call: {changed}")
    found = only(check(committed_project), "us_dv call changed")
    assert (found.file, found.line, found.level) == ("data/hotlines.yml", line, WARNING)
    assert f"{number} -> {changed}" in found.message
    assert "check the new number with the service itself" in found.message and "verified: still says" in found.message


def test_hotlines_verified_over_a_year_ago_or_in_the_future_are_warnings(project):
    path = project / "data" / "hotlines.yml"
    for key, date in (("us_dv", "2025-10-01"), ("gb_dv", "2027-01-01")):
        start = line_of(path, f"  {key}:")
        line = line_of(path, "verified:", after=start)
        lines = path.read_text().splitlines(keepends=True)
        lines[line - 1] = f"    verified: {date}\n"
        path.write_text("".join(lines))
    found = check(project)
    old = only(found, "'us_dv'")
    assert (old.line, old.level) == (line_of(path, "verified: 2025-10-01"), WARNING)
    assert "last verified on 2025-10-01, 428 days ago" in old.message
    future = only(found, "'gb_dv'")
    assert future.line == line_of(path, "verified: 2027-01-01") and "in the future" in future.message


def test_a_wrong_service_key_in_a_need_lists_the_keys(project):
    path = project / "data" / "hotlines.yml"
    line = line_of(path, "US: [us_dv]", after=line_of(path, "  domestic_abuse:"))
    replace_once(path, "  domestic_abuse:\n    intents: [help_domestic_abuse]\n    services:\n      US: [us_dv]",
                 "  domestic_abuse:\n    intents: [help_domestic_abuse]\n    services:\n      US: [us_dvv]")
    found = only(check(project), "unknown service 'us_dvv'")
    assert (found.file, found.line) == ("data/hotlines.yml", line)
    assert "Did you mean 'us_dv'?" in found.message and "us_trafficking" in found.message


# ---- the sentences the assistant composes ---------------------------------------------------------------------


def test_a_reply_sentence_that_loses_or_misspells_a_placeholder(project):
    path = project / "data" / "replies.yml"
    replace_once(path, '"If you are in danger now, call {emergency}."', '"If you are in danger now, call for help."')
    replace_once(path, '"Si estás en peligro, llama al {emergency}."', '"Si estás en peligro, llama al {emergencia}."')
    found = check(project)
    lost = only(found, "'crisis_lead.danger (alternative 1)' no longer has {emergency}")
    assert (lost.file, lost.line) == ("data/replies.yml", line_of(path, "call for help"))
    assert "the emergency number where the person is" in lost.message
    typo = only(found, "uses {emergencia}")
    assert (typo.file, typo.line) == ("data/replies.yml", line_of(path, "{emergencia}"))
    assert "the reply would fail" in typo.message and "{emergency}" in typo.message


def test_a_placeholder_dropped_in_both_languages_is_found_against_the_last_commit(committed_project):
    path = committed_project / "data" / "replies.yml"
    replace_once(path, '"If you are in danger, call {emergency}."', '"If you are in danger, call for help."')
    replace_once(path, '"Si estás en peligro, llama al {emergency}."', '"Si estás en peligro, pide ayuda."')
    found = [f for f in check(committed_project) if "no longer has {emergency}" in f.message]
    assert sorted(f.line for f in found) == [line_of(path, "call for help."), line_of(path, "pide ayuda.")]


# ---- Rasa's own check -------------------------------------------------------------------------------------------


def test_rasa_messages_point_at_the_file_and_line_of_what_they_name(project):
    stories = project / "data" / "stories" / "help_seeking.yml"
    story_line = line_of(stories, "- action: action_respond")
    lines = stories.read_text().splitlines(keepends=True)
    lines[story_line - 1] = lines[story_line - 1].replace("action_respond", "utter_gone")
    stories.write_text("".join(lines))
    rules = project / "data" / "rules" / "respond.yml"
    rule_line = line_of(rules, "- intent: thanks")
    replace_once(rules, "  - intent: thanks\n", "  - intent: thank\n")
    found = check(project, with_rasa=True)
    missing = only(found, "the answer 'utter_gone', which does not exist")
    assert (missing.file, missing.line, missing.level) == ("data/stories/help_seeking.yml", story_line, ERROR)
    unknown = only(found, "names the intent 'thank'")
    assert (unknown.file, unknown.line) == ("data/rules/respond.yml", rule_line)
    assert not [f for f in found if f.file == "rasa data validate"]


# ---- the command ----------------------------------------------------------------------------------------------------


def test_the_command_prints_each_problem_on_its_line_and_nothing_else(project):
    path = project / NLU / "trafficking.yml"
    line = answer_line(path, "utter_faq/debt_bondage")
    replace_once(path, path.read_text().splitlines()[line - 1], '  - text: ""')
    result = subprocess.run([sys.executable, "-m", "tools.content.check", "--root", str(project)],
                            capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert result.returncode == 1
    assert f"ERROR   data/nlu/trafficking.yml, line {line}: the answer 'utter_faq/debt_bondage' is empty" in result.stdout
    assert "Content check FAILED: 1 problem(s) to fix" in result.stdout
    # Quiet: our lines only, no library warnings or TensorFlow start-up chatter.
    printed = (result.stdout + result.stderr).splitlines()
    assert all(line.startswith(("Checking", "ERROR", "WARNING", "NOTE", "Content check")) or not line.strip()
               for line in printed), printed


def test_unreadable_yaml_stops_with_a_plain_sentence_and_no_traceback(project, capsys):
    from tools.content.cli import main

    path = project / NLU / "basics.yml"
    original = path.read_text()
    path.write_text(original + "responses:\n  utter_faq/x:\n  - text: Note: broken\n")
    assert main(["--root", str(project)]) == 1
    out = capsys.readouterr().out
    broken_line = len(original.splitlines()) + 3
    assert f"data/nlu/basics.yml, line {broken_line}: there is a colon (:) inside a text" in out
    assert "Rasa's own check was skipped until the files above can be read" in out and "Traceback" not in out
