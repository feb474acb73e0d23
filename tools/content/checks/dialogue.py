"""Checks that every intent is known to the assistant and answered: domain.yml, data/rules, data/stories."""

from __future__ import annotations

from typing import Dict, Iterator, List, Set, Tuple

import yaml

from tools.content.checks.project import Project
from tools.content.checks.rules import Rules
from tools.content.source import ERROR, Content, Finding, YamlFile

# Rasa's own intents: they need no examples, and nlu_fallback's rule is data/rules.
RASA_INTENTS = frozenset({"nlu_fallback", "restart", "back", "out_of_scope_default", "session_start"})


def steps(parsed: YamlFile) -> Iterator[Tuple[str, str, int]]:
    """(kind, name, line) of every `- intent:` / `- action:` step (and `or:` intents) in a rules or stories file."""
    def walk(node: yaml.Node) -> Iterator[Tuple[str, str, int]]:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else ""
                if name in ("intent", "action") and isinstance(value, yaml.ScalarNode):
                    yield name, value.value, value.start_mark.line + 1
                else:
                    yield from walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                yield from walk(item)

    if parsed.node is not None:
        yield from walk(parsed.node)


def answered_intents(project: Project) -> Tuple[Set[str], List[YamlFile]]:
    """Intents some rule or story answers, and the files read."""
    files = [project.yaml(path) for path in project.dialogue_files()]
    used = {name for parsed in files for kind, name, _ in steps(parsed) if kind == "intent"}
    return used, files


def domain_lines(project: Project) -> Dict[str, int]:
    """Intent -> its line under `intents:` in domain.yml."""
    parsed = project.yaml(project.domain)
    lines: Dict[str, int] = {}
    for index, name in enumerate(project.domain_intents):
        line = parsed.line_at("intents", index)
        if line:
            lines[name] = line
    return lines


def intents_known_and_answered(content: Content, project: Project, rules: Rules) -> List[Finding]:
    """Each intent with examples is listed in domain.yml and answered by a rule; each listed intent has examples."""
    found = []
    domain = set(project.domain_intents)
    used, _ = answered_intents(project)
    domain_name = project.name(project.domain)
    listed = domain_lines(project)
    with_examples: Set[str] = set()
    reported: Set[str] = set()
    for block in content.intents:
        base = block.intent.split("/", 1)[0]
        with_examples.add(base)
        if base in reported:
            continue
        if base not in domain:
            reported.add(base)
            found.append(Finding(block.file, block.line, ERROR,
                                 f"the intent '{base}' is not listed in domain.yml, so the assistant does not know it. "
                                 f"If it is new, add '- {base}' under 'intents:' in domain.yml; if not, check its "
                                 "spelling against domain.yml."))
        elif base not in used:
            reported.add(base)
            found.append(Finding(block.file, block.line, ERROR, _no_rule(base)))
    for name in project.domain_intents:
        if name in RASA_INTENTS or name in reported:
            continue
        if name not in with_examples and name not in rules.exempt:
            found.append(Finding(domain_name, listed.get(name), ERROR,
                                 f"the intent '{name}' is listed in domain.yml but has no examples in data/nlu/. Add "
                                 "examples, or remove it from domain.yml."))
        elif name not in used and name not in with_examples:
            found.append(Finding(domain_name, listed.get(name), ERROR, _no_rule(name)))
    return found


def _no_rule(intent: str) -> str:
    return (f"the intent '{intent}' has no rule in data/rules/, so the assistant would not know to answer it. Add to "
            f"data/rules/respond.yml:\n    - rule: {intent}\n      steps:\n      - intent: {intent}\n"
            "      - action: action_respond")


def safety_net_loads(project: Project) -> List[Finding]:
    """The crisis phrase file must load (its own loader says what is wrong)."""
    from bot.nlu.safety_net import SafetyNetError, load_rules

    parsed = project.yaml(project.safety_net)
    if not parsed.readable:
        return parsed.problems
    try:
        load_rules(project.safety_net)
    except SafetyNetError as error:
        reason = str(error).replace(str(project.safety_net), parsed.name)
        return parsed.problems + [Finding(parsed.name, None, ERROR,
                                          f"{reason}. Compare the layout with the comments at the top of the file.")]
    return parsed.problems
