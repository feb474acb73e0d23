"""Cross-validation with seeded folds, through the pipeline people meet, repeated to measure its own noise.

`rasa test nlu --cross-validation` shuffles its folds with no seed, so the same
data gave different figures each run (one intent's F1 moved 17 points). Here the
folds come from a seeded StratifiedKFold, each fold's model is trained by Rasa
from config.yml and loaded through bot.serve.load_agent (the patches and
components `make run` has), and every held-out example is parsed by it. The
whole thing runs once per seed; how much an intent's figures differ between
seeds on the same data is the noise a change must beat to be reported.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Sequence, Tuple

SEEDS = (2026, 2027, 2028)


@dataclass(frozen=True)
class Prediction:
    """One held-out example: what it meant, what the model understood, how sure it was."""

    text: str
    expected: str
    predicted: str
    confidence: float
    seed: int
    file: str = ""
    line: int = 0
    safety_net: bool = False  # a safety-net phrase decided it
    guess: str = ""  # the model's own best intent (differs when the fallback said "not understood")


Progress = Callable[[str], None]


def cross_validate(agent: object, nlu: Path, root: Path, folds: int = 3, seeds: Sequence[int] = SEEDS,
                   progress: Progress = print) -> List[Prediction]:
    """Every example predicted once per seed by a classifier that never saw it, inside the real pipeline.

    `agent` is the trained model loaded through bot.serve.load_agent (load_model()); for each fold its
    classifier (the pipeline's only trained NLU component) is trained again, with the
    model's own settings, on the other folds. Everything around it (the fallback, the
    crisis safety net, quick exit) is the model's own, so each example meets exactly
    what a message meets in `make run`.
    """
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    from tools.content.source import load_content

    data = load_data(str(nlu))
    examples = data.intent_examples
    labels = [example.get_full_intent() for example in examples]
    where = _example_lines(load_content(sorted(Path(nlu).rglob("*.yml")), root))
    node = _classifier_node(agent)
    original = node._component  # type: ignore[attr-defined]
    predictions: List[Prediction] = []
    total, done = folds * len(seeds), 0
    for seed in seeds:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "the least populated class has only 2 members" (quick_exit)
            splits = list(splitter.split(examples, labels))
        for train_index, test_index in splits:
            with quietly():
                _retrain(node, TrainingData(training_examples=[examples[i] for i in train_index],
                                            responses=data.responses))
                parsed = parse_many(agent, [examples[i].get("text") for i in test_index])
            predictions.extend(_prediction(p, examples[i], seed, where) for p, i in zip(parsed, test_index, strict=True))
            done += 1
            progress(f"  model {done} of {total} trained and tested")
    node._component = original  # type: ignore[attr-defined]
    return predictions


def parse_many(agent: object, texts: Sequence[str]) -> List[dict]:
    """Parse data of many messages in one run of the model's NLU graph.

    The same graph and components `agent.parse_message` runs, given the messages as
    one list (each component handles a list), and the same parse data built from
    each: one run instead of thousands keeps a fold to seconds.
    """
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER

    processor = agent.processor  # type: ignore[attr-defined]
    target = processor.model_metadata.nlu_target
    results = processor.graph_runner.run(
        inputs={PLACEHOLDER_MESSAGE: [UserMessage(text) for text in texts], PLACEHOLDER_TRACKER: None},
        targets=[target])
    return [{"text": "", "intent": {"name": None, "confidence": 0.0}, "entities": [],
             **message.as_dict(only_output_properties=True)} for message in results[target]]


def load_model(model: Path) -> object:
    """The trained model, parsing only, with the patches and components `make run` has."""
    from bot.serve import load_agent

    with quietly():
        return load_agent(Path(model), endpoints=None)


def _classifier_node(agent: object) -> object:
    """The graph node of the pipeline's trained intent classifier (bot/nlu/linear_classifier.py)."""
    from bot.nlu.linear_classifier import LinearIntentClassifier

    nodes = agent.processor.graph_runner._instantiated_nodes.values()  # type: ignore[attr-defined]
    found = [node for node in nodes if isinstance(getattr(node, "_component", None), LinearIntentClassifier)]
    if len(found) != 1:
        raise RuntimeError("make report retrains bot.nlu.linear_classifier.LinearIntentClassifier for each fold, and "
                           "config.yml does not have exactly one: update tools/content/crossval.py")
    return found[0]


def _retrain(node: object, training: object) -> None:
    """A new classifier with the model's own settings, trained on this fold, in the node's place.

    Trained through its public create/train like `rasa train` does, into a scratch
    model storage (the loaded model's own storage is read-only once unpacked).
    """
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.nlu.linear_classifier import LinearIntentClassifier

    settings = node._component.config  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as scratch:
        fresh = LinearIntentClassifier.create(settings, LocalModelStorage(Path(scratch)), Resource("fold"), None)
        fresh.train(training)
    node._component = fresh  # type: ignore[attr-defined]


def _prediction(parsed: dict, example: object, seed: int, where: Dict[Tuple[str, str], Tuple[str, int]]) -> Prediction:
    from tools.evaluation import full_intent

    expected = example.get_full_intent()  # type: ignore[attr-defined]
    text = example.get("text")  # type: ignore[attr-defined]
    file, line = where.get((expected, text), ("", 0))
    intent = parsed.get("intent") or {}
    return Prediction(text, expected, full_intent(parsed), float(intent.get("confidence") or 0.0), seed, file, line,
                      _by_safety_net(parsed), model_guess(parsed))


def model_guess(parsed: dict) -> str:
    """The model's own best intent when the pipeline said "not understood" (Rasa's evaluation convention)."""
    ranking = [r.get("name") for r in parsed.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    if not ranking:
        return "nlu_fallback"
    name = ranking[0]
    key = (((parsed.get("response_selector") or {}).get(name) or {}).get("response") or {}).get("intent_response_key")
    return key or name


def _example_lines(content: object) -> Dict[Tuple[str, str], Tuple[str, int]]:
    found: Dict[Tuple[str, str], Tuple[str, int]] = {}
    for example in content.examples():  # type: ignore[attr-defined]
        found.setdefault((example.intent, example.text), (example.file, example.line))
    return found


def _by_safety_net(parsed: dict) -> bool:
    """Whether a crisis phrase decided the intent (it sets confidence 1.0 over the model's ranking)."""
    intent = parsed.get("intent") or {}
    ranking = parsed.get("intent_ranking") or []
    return float(intent.get("confidence") or 0) == 1.0 and len(ranking) > 1 and ranking[0].get("name") == intent.get("name")


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """Rasa's training prints progress bars and log lines; staff see none of it (errors still raise)."""
    rasa_logger = logging.getLogger("rasa")
    level = rasa_logger.level
    rasa_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        rasa_logger.setLevel(level)
