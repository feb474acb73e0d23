"""The figures of `make report`, and what they ask staff to do.

Predictions come in as rows (a sentence, what it meant, what the assistant
understood, where the sentence is); everything here is pure arithmetic on them,
so two runs on the same data give the same figures to the last digit.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

UNSURE = "nlu_fallback"  # the pipeline's "not understood": the person gets the menu and the core hotlines
# Below this F1 an intent is worth a look (the page shades it).
LOW_F1 = 0.8


@dataclass(frozen=True)
class Row:
    """One scored sentence."""

    text: str
    expected: str
    predicted: str  # what the pipeline decided (nlu_fallback: not understood)
    guess: str  # the model's own best intent (the same unless not understood)
    confidence: float
    file: str
    line: int
    run: int = 0  # the seed, in cross-validation


def per_intent(rows: Sequence[Row]) -> Dict[str, Dict[str, float]]:
    """precision, recall, F1 and support of every intent that was meant or understood."""
    hits: Counter = Counter()
    meant: Counter = Counter()
    understood: Counter = Counter()
    for row in rows:
        meant[row.expected] += 1
        understood[row.predicted] += 1
        hits[row.expected] += row.expected == row.predicted
    table = {}
    for intent in sorted(set(meant) | set(understood)):
        precision = hits[intent] / understood[intent] if understood[intent] else 0.0
        recall = hits[intent] / meant[intent] if meant[intent] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[intent] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                         "support": meant[intent]}
    return table


def accuracy(rows: Sequence[Row]) -> float:
    return round(sum(r.expected == r.predicted for r in rows) / max(1, len(rows)), 4)


def crisis_recall(rows: Sequence[Row], crisis: Sequence[str]) -> Tuple[float | None, Dict[str, float]]:
    relevant = [r for r in rows if r.expected in crisis]
    by_intent = {}
    for intent in crisis:
        mine = [r for r in relevant if r.expected == intent]
        if mine:
            by_intent[intent] = round(sum(r.predicted == intent for r in mine) / len(mine), 4)
    overall = round(sum(r.predicted == r.expected for r in relevant) / len(relevant), 4) if relevant else None
    return overall, by_intent


def macro_f1(table: Mapping[str, Mapping[str, float]]) -> float:
    scored = [row["f1"] for row in table.values() if row["support"]]
    return round(sum(scored) / len(scored), 4) if scored else 0.0


def summarise(rows: Sequence[Row], crisis: Sequence[str]) -> Dict[str, Any]:
    table = per_intent(rows)
    recall, by_intent = crisis_recall(rows, crisis)
    return {
        "scored": len(rows),
        "accuracy": accuracy(rows),
        "best_guess_accuracy": round(sum(r.expected == r.guess for r in rows) / max(1, len(rows)), 4),
        "not_understood": round(sum(r.predicted == UNSURE for r in rows) / max(1, len(rows)), 4),
        "macro_f1": macro_f1(table),
        "crisis_recall": recall,
        "crisis_recall_by_intent": by_intent,
        "per_intent": table,
    }


# ---- several runs of cross-validation: the mean, and the spread between runs (the noise) ------------------


def repeated(rows: Sequence[Row], crisis: Sequence[str]) -> Dict[str, Any]:
    """Each figure as the mean over runs, with the spread between the runs as its noise."""
    runs = sorted({r.run for r in rows})
    each = [summarise([r for r in rows if r.run == run], crisis) for run in runs]
    figures: Dict[str, Any] = {"runs": runs, "scored": each[0]["scored"] if each else 0}
    noise: Dict[str, float] = {}
    for key in ("accuracy", "best_guess_accuracy", "not_understood", "macro_f1", "crisis_recall"):
        values = [e[key] for e in each if e[key] is not None]
        figures[key] = round(sum(values) / len(values), 4) if values else None
        noise[key] = round(max(values) - min(values), 4) if values else 0.0
    figures["crisis_recall_by_intent"] = {
        intent: round(sum(e["crisis_recall_by_intent"].get(intent, 0) for e in each) / len(each), 4)
        for intent in crisis if any(intent in e["crisis_recall_by_intent"] for e in each)}
    table: Dict[str, Dict[str, float]] = {}
    for intent in sorted({i for e in each for i in e["per_intent"]}):
        values = [e["per_intent"].get(intent, {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}) for e in each]
        entry = {metric: round(sum(v[metric] for v in values) / len(values), 4)
                 for metric in ("precision", "recall", "f1")}
        entry["support"] = max(v["support"] for v in values)
        entry["noise"] = round(max(v["f1"] for v in values) - min(v["f1"] for v in values), 4)
        table[intent] = entry
    figures["per_intent"] = table
    figures["noise"] = noise
    return figures


def changes(now: Mapping[str, Any], before: Mapping[str, Any] | None, floor: float = 0.0) -> Dict[str, Any] | None:
    """What moved more than the noise measured in either run (and more than `floor`)."""
    if not before:
        return None
    overall = {}
    for key in ("accuracy", "macro_f1", "crisis_recall", "not_understood"):
        a, b = before.get(key), now.get(key)
        if a is None or b is None:
            continue
        limit = max((now.get("noise") or {}).get(key, 0.0), (before.get("noise") or {}).get(key, 0.0), floor)
        delta = round(b - a, 4)
        overall[key] = {"before": a, "now": b, "change": delta, "noise": limit, "shown": abs(delta) > limit}
    better: List[Dict[str, Any]] = []
    worse: List[Dict[str, Any]] = []
    quiet = 0
    old_table = before.get("per_intent") or {}
    for intent, row in (now.get("per_intent") or {}).items():
        old = old_table.get(intent)
        if not old or not row.get("support") or not old.get("support"):
            continue
        delta = round(row["f1"] - old["f1"], 4)
        limit = max(row.get("noise", 0.0), old.get("noise", 0.0), floor)
        if abs(delta) <= limit:
            quiet += delta != 0
            continue
        entry = {"intent": intent, "before": old["f1"], "now": row["f1"], "change": delta, "noise": limit}
        (better if delta > 0 else worse).append(entry)
    return {
        "overall": overall,
        "better": sorted(better, key=lambda e: -e["change"]),
        "worse": sorted(worse, key=lambda e: e["change"]),
        "within_noise": quiet,
        "new": sorted(set(now.get("per_intent") or {}) - set(old_table)),
        "gone": sorted(set(old_table) - set(now.get("per_intent") or {})),
    }


# ---- mistakes, ranked and explained -----------------------------------------------------------------------


def mistakes(rows: Sequence[Row], table: Mapping[str, Mapping[str, float]], crisis: Sequence[str]) -> List[Dict[str, Any]]:
    """Each misunderstood sentence once (with how many runs missed it), crisis first, then weakest intents."""
    grouped: Dict[Tuple[str, str], List[Row]] = defaultdict(list)
    for row in rows:
        if row.predicted != row.expected:
            grouped[(row.text, row.expected)].append(row)
    runs = len({r.run for r in rows}) or 1
    found = []
    for (text, expected), missed in grouped.items():
        understood = Counter(r.predicted for r in missed).most_common(1)[0][0]
        guess = Counter(r.guess for r in missed).most_common(1)[0][0]
        found.append({"text": text, "expected": expected, "predicted": understood, "guess": guess,
                      "confidence": round(max(r.confidence for r in missed), 3), "times": len(missed), "runs": runs,
                      "file": missed[0].file, "line": missed[0].line})
    return sorted(found, key=lambda m: (m["expected"] not in crisis, table.get(m["expected"], {}).get("f1", 0),
                                        m["expected"], -m["times"], m["file"], m["line"], m["text"]))


def confused_pairs(rows: Sequence[Row], limit: int = 20) -> List[Dict[str, Any]]:
    """Intents most often mistaken for each other (both directions counted together)."""
    runs = len({r.run for r in rows}) or 1
    pairs: Counter = Counter()
    for row in rows:
        if row.predicted != row.expected and row.predicted != UNSURE:
            pairs[tuple(sorted((row.expected, row.predicted)))] += 1
    return [{"a": a, "b": b, "times": round(n / runs, 1)} for (a, b), n in
            sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:limit]]


def explain_crisis_miss(miss: Mapping[str, Any], crisis: Sequence[str], from_tests: bool,
                        net: Tuple[str, str] | None = None) -> str:
    """Why a crisis message was missed, and what staff can do, in plain words.

    `net`: the crisis intent a safety-net phrase gave it, and the words that matched.
    """
    expected, predicted, guess = miss["expected"], miss["predicted"], miss["guess"]
    if predicted in crisis:
        got = (f"It still got a crisis reply with the emergency number first, but the {predicted} one, "
               f"not the {expected} one.")
    elif predicted == UNSURE:
        got = (f"The model was too unsure to answer (its best guess: {guess}), so the person got the general menu "
               "with the core hotlines, the emergency number first.")
    else:
        got = f"It was understood as {predicted}, so the person got that reply, not the crisis one."
    if net:
        said = (f"The safety net (data/safety_net.yml) sent it to {net[0]} because it contains {net[1]}; make that "
                f"phrase more precise, or add one for {expected} (phrases listed first win).")
    else:
        said = "No phrase in data/safety_net.yml matched it."
    if from_tests:
        do = (f"Nobody trained on this sentence. Add a precise phrase with its key words to data/safety_net.yml under "
              f"{expected}, and/or 2-3 examples like it, in your own words, to data/nlu/crisis.yml (never the test "
              "sentence itself).")
    else:
        do = (f"This example is in the training data ({miss['file']}, line {miss['line']}); the model got it wrong "
              f"in {miss['times']} of {miss['runs']} runs when it had not learnt it. Wording like this needs 2-3 more "
              f"examples in data/nlu/crisis.yml, or a precise phrase for its key words in data/safety_net.yml.")
    return f"{got} {said} {do}"


def untested_answers(answers: Iterable[Tuple[str, str, int]], tested: Iterable[str]) -> List[Dict[str, Any]]:
    """Knowledge answers (name, file, line) that no test sentence asks for."""
    asked = set(tested)
    return [{"answer": name, "file": file, "line": line} for name, file, line in answers
            if name[len("utter_"):] not in asked]


def fix_next(crisis_misses: Sequence[Mapping[str, Any]], crossval: Mapping[str, Any] | None,
             pairs: Sequence[Mapping[str, Any]], blocks: Mapping[str, Tuple[str, int]],
             untested: Sequence[Mapping[str, Any]], limit: int = 5) -> List[Dict[str, Any]]:
    """The five problems most worth fixing first, each with where to look and what to do."""
    items: List[Dict[str, Any]] = []
    # Test sentences are real misses of the shipped model; a cross-validation miss is an example the model
    # only gets when it has learnt it: at most two of those, the ones missed in every run.
    shown = [m for m in crisis_misses if m["source"] == "tests"]
    shown += [m for m in crisis_misses if m["source"] != "tests" and m["times"] == m["runs"]][:2]
    for miss in shown:
        items.append({"what": f"Crisis message missed: \u201c{miss['text']}\u201d ({miss['expected']})",
                      "where": _where(miss["file"], miss["line"]), "do": miss["explanation"]})
    table = (crossval or {}).get("per_intent") or {}
    weak = sorted((row["f1"], intent) for intent, row in table.items()
                  if row["support"] >= 5 and row["f1"] < LOW_F1 and intent != UNSURE)
    named = {item["what"] for item in items}
    for f1, intent in weak:
        partner = next((p for p in pairs if intent in (p["a"], p["b"])), None)
        other = (partner["b"] if partner["a"] == intent else partner["a"]) if partner else None
        mixed = f"; most often mixed up with {other} ({partner['times']} times a run)" if partner and other else ""
        where = _where(*blocks.get(intent, ("", 0)))
        if other and other in blocks:
            where += f" and {_where(*blocks[other])}"
        items.append({"what": f"{intent} is understood right only {f1:.0%} of the time (F1){mixed}",
                      "where": where,
                      "do": ("Add examples in new words, and make them clearly different from "
                             f"{other}'s" if other else "Add examples in new words (short and long, with typos)")
                            + "; see the misunderstood examples below."})
        named.add(intent)
    for pair in pairs:
        if pair["a"] in named or pair["b"] in named or pair["times"] < 2:
            continue
        items.append({"what": f"{pair['a']} and {pair['b']} are mixed up {pair['times']} times a run",
                      "where": f"{_where(*blocks.get(pair['a'], ('', 0)))} and {_where(*blocks.get(pair['b'], ('', 0)))}",
                      "do": "Read both intents' examples side by side; move or reword the ones that could mean either."})
    for answer in untested:
        items.append({"what": f"No test sentence asks for {answer['answer']}",
                      "where": _where(answer["file"], answer["line"]),
                      "do": "Ask someone who has not read data/nlu to write 2-3 questions for it in "
                            "tests/nlu/knowledge_blind.yml, so the report can tell whether people reach it."})
    return items[:limit]


def _where(file: str, line: int) -> str:
    return f"{file}, line {line}" if file and line else (file or "")
