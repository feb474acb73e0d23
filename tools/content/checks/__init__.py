"""`make check-content`: every content rule, one small module each, on every file staff edit.

    examples.py      enough examples, no repeats, no crisis wording under a question, no test sentences
    answers.py       knowledge answers: each has its question, source, need, languages, buttons, numbers,
                     length, reading level and words
    directory.py     hotline numbers (phonenumbers), what changed since the last commit, stale entries
    replies.py       data/replies.yml keeps the placeholders the assistant fills in
    dialogue.py      every intent is in domain.yml and answered by a rule; the safety net loads
    rasa_validate.py Rasa's own check, each message on its file and line

Each returns Findings: the file, the line where possible, and a plain sentence
saying what is wrong and what to do.
"""

from __future__ import annotations

import datetime as dt
from typing import List

from tools.content.checks import answers, dialogue, directory, examples, replies
from tools.content.checks.project import Project
from tools.content.checks.rules import Rules
from tools.content.source import ERROR, NOTE, WARNING, Finding

LEVEL_ORDER = {ERROR: 0, WARNING: 1, NOTE: 2}


def run_checks(project: Project, today: dt.date | None = None, with_rasa: bool = True) -> List[Finding]:
    """Every rule on every file; a file that cannot be read is reported instead of checked."""
    today = today or dt.date.today()
    rules, found = Rules.load(project.rules_file, project.root)
    if rules is None:
        return found
    content = project.content
    found.extend(content.problems)

    loaded, problems, parsed = directory.load_directory(project)
    found.extend(problems)
    needs = list(loaded.needs) if loaded else []
    crisis_intents = [i for need in loaded.crisis_needs for i in loaded.needs[need].intents] if loaded else []
    if loaded is not None:
        found.extend(directory.numbers(project, loaded, parsed))
        found.extend(directory.stale_hotlines(loaded, parsed, rules, today))
        found.extend(answers.unknown_numbers(content, [n for s in loaded.services.values() for n in s.numbers()]))
    if parsed.readable:
        found.extend(directory.changed_numbers(project, loaded, parsed))
        found.extend(answers.words_to_avoid(directory.directory_texts(parsed), rules))
    found.extend(directory.emergency_numbers(project))

    found.extend(examples.too_few_examples(content, rules))
    found.extend(examples.repeated_examples(content))
    found.extend(examples.duplicate_examples(content, rules))
    found.extend(examples.crisis_sounding_examples(content, project.safety_net, crisis_intents))
    found.extend(examples.test_sentences_in_training(content, project))

    found.extend(answers.questions_without_answers(content))
    found.extend(answers.languages(content))
    found.extend(answers.sources_and_needs(content, project.yaml(project.sources), needs))
    found.extend(answers.empty_or_wrapped(content))
    found.extend(answers.buttons_to_known_intents(content, project.domain_intents))
    found.extend(answers.too_long_for_sms(content, rules))
    in_english, skipped = answers.english(content.variations)
    found.extend(answers.reading_level(in_english, rules))
    found.extend(answers.words_to_avoid(answers.answer_texts(in_english), rules))
    if skipped:
        found.append(answers.english_only_note(skipped))

    found.extend(replies.check_replies(project, rules))
    found.extend(dialogue.intents_known_and_answered(content, project, rules))
    found.extend(dialogue.safety_net_loads(project))

    if with_rasa:
        found.extend(_rasa(project))
    return sorted(set(found), key=lambda f: (LEVEL_ORDER.get(f.level, 3), f.file, f.line or 0, f.message))


def _rasa(project: Project) -> List[Finding]:
    """Rasa's own check, once every file it reads can be read (else it only has a traceback to say)."""
    from tools.content.checks.rasa_validate import rasa_findings

    files = [m.yaml for m in project.content.files] + [project.yaml(p) for p in project.dialogue_files()]
    if any(parsed is None or not parsed.readable for parsed in files):
        return [Finding("rasa data validate", None, NOTE,
                        "Rasa's own check was skipped until the files above can be read.")]
    return rasa_findings(project, project.content)


__all__ = ["Finding", "Project", "Rules", "run_checks"]
