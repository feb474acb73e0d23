"""`make report`: how well the assistant understands, in one HTML page for content staff.

    python -m tools.content.report [--model models/assistant.tar.gz] [--folds 3] [--runs 3] [--out results]

Two measurements, both through the pipeline people meet (bot.serve.load_agent):
- the test sets (tests/nlu/*.yml): sentences nobody trained on, scored by the
  trained model; a sentence that is also in data/nlu is left out;
- cross-validation (tools/content/crossval.py): seeded folds, run once per seed;
  the spread between runs is the noise a change must beat to be reported.

Unchanged data gives the same figures every time. results/report.json keeps the
figures; the previous run's move to results/report-previous.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from bot.config import PROJECT_ROOT

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPORT_JSON = "report.json"
PREVIOUS_JSON = "report-previous.json"
REPORT_HTML = "report.html"


def say(message: str) -> None:
    print(message, flush=True)


def score_test_sets(agent: Any, root: Path, seen: set) -> Tuple[List[Any], Dict[str, Dict[str, Any]]]:
    """Every unseen test sentence parsed by the trained model; per set, how many were scored and left out."""
    from tools.content.crossval import model_guess, parse_many
    from tools.content.report_figures import Row
    from tools.content.source import read_nlu_file
    from tools.evaluation import full_intent

    rows: List[Row] = []
    sets: Dict[str, Dict[str, Any]] = {}
    for path in sorted((root / "tests" / "nlu").glob("*.yml")):
        model = read_nlu_file(path, root)
        examples = [e for block in model.intents for e in block.examples]
        if not examples:
            continue
        scored = [e for e in examples if e.text.lower() not in seen]
        parsed = parse_many(agent, [e.text for e in scored])
        found = [Row(e.text, e.intent, full_intent(p), model_guess(p), float((p.get("intent") or {}).get("confidence")
                                                                              or 0.0), e.file, e.line)
                 for e, p in zip(scored, parsed, strict=True)]
        rows.extend(found)
        sets[path.name] = {"file": model.name, "scored": len(found), "left_out": len(examples) - len(found)}
    return rows, sets


def fingerprint(root: Path, model: Path) -> str:
    """What the figures were measured on: training data, config, test sets and the model file."""
    digest = hashlib.sha256()
    files = sorted((root / "data" / "nlu").rglob("*.yml")) + sorted((root / "tests" / "nlu").glob("*.yml"))
    for path in [*files, root / "config.yml", model]:
        if path.exists():
            digest.update(path.relative_to(root).as_posix().encode() if path.is_relative_to(root) else b"model")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_figures(test_rows: Sequence[Any], sets: Dict[str, Dict[str, Any]], cv_rows: Sequence[Any] | None,
                  root: Path, crisis: Sequence[str], folds: int) -> Dict[str, Any]:
    """Everything the page shows, as JSON-ready data (no clock, no randomness)."""
    from tools.content import report_figures as figures
    from tools.content.checks import Project

    content = Project.at(root).content
    blocks: Dict[str, Tuple[str, int]] = {}
    for block in content.intents:
        blocks.setdefault(block.intent, (block.file, block.line))
    answers = [(name, block.file, block.line) for name, block in content.answers().items()
               if name.startswith("utter_faq/")]

    tests = figures.summarise(test_rows, crisis)
    for entry in sets.values():
        mine = [r for r in test_rows if r.file == entry["file"]]
        entry.update({"accuracy": figures.accuracy(mine), "crisis_recall": figures.crisis_recall(mine, crisis)[0]})
    tests["sets"] = sets
    tests["mistakes"] = figures.mistakes(test_rows, tests["per_intent"], crisis)
    tests["confused"] = figures.confused_pairs(test_rows)
    result: Dict[str, Any] = {"tests": tests, "crossval": None}

    crisis_misses = [dict(m, source="tests") for m in tests["mistakes"] if m["expected"] in crisis]
    pairs = tests["confused"]
    if cv_rows:
        crossval = figures.repeated(cv_rows, crisis)
        crossval["folds"] = folds
        crossval["mistakes"] = figures.mistakes(cv_rows, crossval["per_intent"], crisis)
        crossval["confused"] = figures.confused_pairs(cv_rows)
        result["crossval"] = crossval
        crisis_misses += [dict(m, source="crossval") for m in crossval["mistakes"] if m["expected"] in crisis]
        pairs = crossval["confused"]
    net = _safety_net(root)
    # A sentence a safety-net phrase already sends to its own crisis intent gets the crisis reply
    # whatever the model says: nothing for staff to do, so it is not listed.
    crisis_misses = [m for m in crisis_misses if (net(m["text"]) or ("",))[0] != m["expected"]]
    for miss in crisis_misses:
        miss["explanation"] = figures.explain_crisis_miss(miss, crisis, from_tests=miss["source"] == "tests",
                                                          net=net(miss["text"]))
    result["crisis_misses"] = crisis_misses
    result["untested_answers"] = figures.untested_answers(answers, _asked_in_tests(root))
    result["fix_next"] = figures.fix_next(crisis_misses, result["crossval"], pairs, blocks, result["untested_answers"])
    return result


def _safety_net(root: Path) -> Any:
    """text -> (crisis intent, matched words) when a safety-net phrase matches it, else None."""
    from bot.nlu.safety_net import crisis_intent_for, load_rules
    from bot.text import normalise
    from tools.content.checks.examples import matched_words

    rules = load_rules(root / "data" / "safety_net.yml")

    def check(text: str) -> Tuple[str, str] | None:
        intent = crisis_intent_for(text, rules)
        if intent is None:
            return None
        rule = next(r for r in rules if r.intent == intent)
        return intent, matched_words(normalise(text), rule) or "its words"

    return check


def _asked_in_tests(root: Path) -> set:
    """Every label in the test sets, scored or left out (a left-out sentence still asks for its answer)."""
    from tools.content.source import read_nlu_file

    found = set()
    for path in sorted((root / "tests" / "nlu").glob("*.yml")):
        found |= {block.intent for block in read_nlu_file(path, root).intents if block.examples}
    return found


def write(out: Path, figures: Dict[str, Any], now: dt.datetime | None = None) -> Path:
    """report.json (the previous one kept as report-previous.json) and report.html."""
    from tools.content import report_figures
    from tools.content.report_html import render_html

    out.mkdir(parents=True, exist_ok=True)
    current_file, previous_file = out / REPORT_JSON, out / PREVIOUS_JSON
    previous = json.loads(current_file.read_text()) if current_file.exists() else None
    if previous is not None and previous.get("fingerprint") == figures.get("fingerprint") and previous_file.exists():
        previous = json.loads(previous_file.read_text())  # same data again: keep comparing with the last change
    figures = {"created": (now or dt.datetime.now()).isoformat(timespec="seconds"), **figures}
    changes = {
        "tests": report_figures.changes(figures["tests"], (previous or {}).get("tests")),
        "crossval": report_figures.changes(figures["crossval"] or {}, (previous or {}).get("crossval"))
        if figures.get("crossval") else None,
        "previous_created": (previous or {}).get("created"),
        "same_data": bool(previous) and previous.get("fingerprint") == figures.get("fingerprint"),
    } if previous else None
    html_file = out / REPORT_HTML
    html_file.write_text(render_html(figures, changes), encoding="utf-8")
    if previous is not None:
        previous_file.write_text(json.dumps(previous, indent=1, ensure_ascii=False))
    current_file.write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    return html_file


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure understanding and write results/report.html.")
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project folder (data/, tests/nlu/)")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3, help="cross-validation runs, each with its own seeded folds")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results")
    parser.add_argument("--skip-crossval", action="store_true", help="only the test sets (seconds instead of minutes)")
    args = parser.parse_args(argv)

    from tools.content.quiet import quiet_libraries

    quiet_libraries()
    if not args.model.exists():
        say(f"No model at {args.model}: run `make train` first (`make report` does).")
        return 1
    from tools.content.crossval import SEEDS, cross_validate, load_model
    from tools.content.source import load_content, nlu_files
    from tools.evaluation import CRISIS_INTENTS

    root = args.root.resolve()
    steps = 2 if args.skip_crossval else 3
    say(f"[1/{steps}] Test sets: tests/nlu/*.yml with {args.model.name}")
    agent = load_model(args.model)
    seen = {e.text.lower() for e in load_content(nlu_files(root), root).examples()}
    test_rows, sets = score_test_sets(agent, root, seen)
    cv_rows = None
    if not args.skip_crossval:
        runs = tuple(SEEDS[: args.runs]) if args.runs <= len(SEEDS) else tuple(range(2026, 2026 + args.runs))
        say(f"[2/{steps}] Cross-validation: {args.folds} folds, {len(runs)} runs with different seeded folds "
            f"(about {len(runs)} minute{'s' if len(runs) > 1 else ''})")
        predictions = cross_validate(agent, root / "data" / "nlu", root, args.folds, runs, progress=say)
        from tools.content.report_figures import Row

        cv_rows = [Row(p.text, p.expected, p.predicted, p.guess, p.confidence, p.file, p.line, p.seed)
                   for p in predictions]
    say(f"[{steps}/{steps}] Writing the report")
    figures = build_figures(test_rows, sets, cv_rows, root, CRISIS_INTENTS, args.folds)
    figures = {"fingerprint": fingerprint(root, args.model), **figures}
    html_file = write(args.out, figures)
    tests = figures["tests"]
    say(f"Test sets: {tests['scored']} unseen sentences, {tests['accuracy']:.1%} understood, crisis recall "
        f"{_percent(tests['crisis_recall'])}")
    if figures["crossval"]:
        cv = figures["crossval"]
        say(f"Cross-validation: {cv['accuracy']:.1%} understood (\u00b1{cv['noise']['accuracy'] * 100:.1f} points "
            f"between runs), crisis recall {_percent(cv['crisis_recall'])}")
    say(f"Open {html_file} in a browser.")
    return 0


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


if __name__ == "__main__":
    raise SystemExit(main())
