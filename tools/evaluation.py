"""Measure understanding on a labelled NLU file with the trained model, as users meet it.

Used by the held-out gate in the tests and by `make report`. It parses through
the whole pipeline, custom rules included, and scores the full intent
(`faq/debt_bondage`, not just `faq`).
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

from rasa.shared.nlu.training_data.loading import load_data


def _crisis_intents() -> Tuple[str, ...]:
    """The intents of the directory's crisis needs (data/hotlines.yml is their one home)."""
    from bot.hotlines import directory

    found = directory()
    return tuple(intent for need in found.crisis_needs for intent in found.needs[need].intents)


CRISIS_INTENTS = _crisis_intents()


@dataclass
class Evaluation:
    """Per-example predictions and the figures derived from them."""

    rows: List[Tuple[str, str, str]] = field(default_factory=list)  # text, expected, predicted
    source: str = ""  # the test file's name
    # Test sentences left out because the same sentence is in the training data.
    excluded: List[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(e == p for _, e, p in self.rows) / max(1, len(self.rows))

    def recall(self, intent: str) -> float:
        relevant = [(e, p) for _, e, p in self.rows if e == intent]
        return sum(e == p for e, p in relevant) / max(1, len(relevant))

    def crisis_recall(self) -> float:
        relevant = [(e, p) for _, e, p in self.rows if e in CRISIS_INTENTS]
        return sum(e == p for e, p in relevant) / max(1, len(relevant))

    def per_intent(self) -> Dict[str, Dict[str, float]]:
        """precision, recall, f1 and support for every expected or predicted intent."""
        tp: Counter = Counter()
        expected: Counter = Counter()
        predicted: Counter = Counter()
        for _, e, p in self.rows:
            expected[e] += 1
            predicted[p] += 1
            if e == p:
                tp[e] += 1
        table = {}
        for intent in sorted(set(expected) | set(predicted)):
            precision = tp[intent] / predicted[intent] if predicted[intent] else 0.0
            recall = tp[intent] / expected[intent] if expected[intent] else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            table[intent] = {
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "support": float(expected[intent]),
            }
        return table

    def mistakes(self) -> List[Tuple[str, str, str]]:
        return [(t, e, p) for t, e, p in self.rows if e != p]

    def confusion(self) -> Dict[str, Counter]:
        matrix: Dict[str, Counter] = defaultdict(Counter)
        for _, e, p in self.rows:
            matrix[e][p] += 1
        return matrix


def full_intent(parsed: Dict[str, Any]) -> str:
    """The intent as a user need: retrieval intents include their response key."""
    name = (parsed.get("intent") or {}).get("name") or "none"
    selector = (parsed.get("response_selector") or {}).get(name)
    if selector:
        key = (selector.get("response") or {}).get("intent_response_key")
        if key:
            return key
    return name


def quiet_rasa_logs() -> None:
    """Outside `rasa run` structlog is unconfigured and prints parse text at debug level."""
    import logging

    from bot.rasa_patches import configure_structlog
    from bot.serve import prepare

    prepare()
    logging.getLogger().setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)


def load_agent(model_path: Path) -> Any:
    """Load a trained model for parsing only, with the patches `make run` has (bot.serve)."""
    from bot.serve import load_agent as load_served_agent

    return load_served_agent(model_path, endpoints=None)


def training_texts(data_dir: Path = Path("data/nlu")) -> Set[str]:
    """Every training sentence, lower-cased, to keep seen sentences out of a test score."""
    return {m.get("text").lower() for m in load_data(str(data_dir)).intent_examples}


def evaluate(
    agent: Any,
    nlu_file: Path,
    loop: asyncio.AbstractEventLoop | None = None,
    seen: Set[str] | None = None,
) -> Evaluation:
    """Parse every example of `nlu_file` not in `seen` and compare with its label.

    Short, common sentences ("hi", "what is sextortion") are in both a test set
    and the training data; scoring them would measure memory, not understanding.
    """
    data = load_data(str(nlu_file))
    result = Evaluation(source=Path(nlu_file).name)
    run = (loop or asyncio.new_event_loop()).run_until_complete
    for example in data.intent_examples:
        if seen and example.get("text").lower() in seen:
            result.excluded.append(example.get("text"))
            continue
        expected = example.get_full_intent()
        parsed = run(agent.parse_message(example.get("text")))
        result.rows.append((example.get("text"), expected, full_intent(parsed)))
    return result


def summary(evaluation: Evaluation) -> Dict[str, Any]:
    """The figures as JSON-ready data."""
    return {
        "examples": len(evaluation.rows),
        "excluded_as_seen_in_training": len(evaluation.excluded),
        "intent_accuracy": round(evaluation.accuracy, 4),
        "crisis_recall": round(evaluation.crisis_recall(), 4),
        "crisis_examples": sum(1 for _, e, _ in evaluation.rows if e in CRISIS_INTENTS),
        "crisis_recall_by_intent": {i: round(evaluation.recall(i), 4) for i in CRISIS_INTENTS},
        "per_intent": evaluation.per_intent(),
        "mistakes": [{"text": t, "expected": e, "predicted": p} for t, e, p in evaluation.mistakes()],
    }


def main(argv: List[str] | None = None) -> int:
    """`make evaluate`: print the figures and save them as JSON."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Evaluate the trained model on a labelled NLU file.")
    parser.add_argument("--model", type=Path, default=Path("models/assistant.tar.gz"))
    parser.add_argument("--data", type=Path, default=Path("tests/nlu/heldout.yml"))
    parser.add_argument("--out", type=Path, default=Path("results/heldout.json"))
    parser.add_argument("--training-data", type=Path, default=Path("data/nlu"),
                        help="sentences found here are left out of the score")
    args = parser.parse_args(argv)
    quiet_rasa_logs()
    figures = summary(evaluate(load_agent(args.model), args.data, seen=training_texts(args.training_data)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2))
    print(f"{args.data}: {figures['examples']} unseen examples scored "
          f"({figures['excluded_as_seen_in_training']} left out: the same sentence is in the training data)")
    crisis = "n/a (no crisis sentences)" if figures["crisis_examples"] == 0 else f"{figures['crisis_recall']:.1%}"
    print(f"intent accuracy {figures['intent_accuracy']:.1%}, crisis recall {crisis}")
    for row in figures["mistakes"]:
        print(f"  {row['expected']:30} -> {row['predicted']:30} {row['text']}")
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
