"""Under each reply of the preview: what the assistant understood, how sure it was, and where the words came from.

- picked: the intent, or for a knowledge question its answer (faq/debt_bondage),
  and what decided it (the model, a safety-net phrase, quick exit, "not understood");
- confidence and the runner-up, over intents and answers together;
- the file and line of every line of the reply: a knowledge answer in data/nlu/,
  a sentence of data/replies.yml, a service of data/hotlines.yml;
- the picked intent's examples nearest to the message (by shared words and
  letter groups), with file and line, and a closer example of another intent if
  there is one (the usual reason for a wrong pick).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from tools.content.checks.project import Project
from tools.content.checks.replies import sentences
from tools.content.source import Example

NOT_UNDERSTOOD = "nlu_fallback"


@dataclass(frozen=True)
class Source:
    file: str
    line: int | None
    what: str


class Explainer:
    """Reads the project's files once; explains each reply from its parse data."""

    def __init__(self, root: Path) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        from bot.nlu.safety_net import load_rules

        project = Project.at(root)
        content = project.content
        self.examples: List[Example] = list(content.examples())
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform([e.text.lower() for e in self.examples])
        self.answers: Dict[Tuple[str, str], Source] = {}
        self.answer_texts: Dict[str, Source] = {}
        for name, block in content.answers().items():
            for variation in block.variations:
                source = Source(variation.file, variation.line, f"knowledge answer {name} ({variation.language})")
                self.answers[(name, variation.language or "")] = source
                self.answer_texts[variation.text.strip()] = source
        self.sentences = _reply_sentences(project)
        self.services = _service_lines(project)
        self.safety_net = load_rules(project.safety_net)

    # ---- what was understood -----------------------------------------------------------------
    def understood(self, parse: Mapping[str, Any]) -> Dict[str, Any]:
        """The pick, how sure, the runner-up and what decided it."""
        from bot.nlu.safety_net import crisis_intent_for

        text = str(parse.get("text") or "")
        ranking = ranked(parse)
        intent = (parse.get("intent") or {}).get("name") or NOT_UNDERSTOOD
        picked = _full(parse, intent)
        confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
        decided, by_rule = "the model", True
        if intent == "quick_exit":
            decided = "quick exit (the whole message is an exit phrase)"
        elif intent == "switch_language":
            decided = "a language switch (the whole message names a language)"
        elif crisis_intent_for(text, self.safety_net) == intent:
            decided = "a crisis phrase in data/safety_net.yml"
        elif intent == NOT_UNDERSTOOD:
            decided = "not understood: the model was too unsure (below the confidence threshold in config.yml)"
        else:
            by_rule = False
        model_confidence = dict(ranking).get(picked)
        first = (parse.get("intent_ranking") or [{}])[0]
        if by_rule and first.get("name") == intent and float(first.get("confidence") or 0) == 1.0:
            # The rule replaced the model's pick (bot/nlu/override.py): the model's own score for it is gone,
            # and the runner-up is what the model itself would have picked.
            model_confidence = None
        if model_confidence is not None and not (by_rule and intent != NOT_UNDERSTOOD):
            confidence = model_confidence
        runner = next(((name, p) for name, p in ranking if name != picked), None)
        guess = ranking[0] if intent == NOT_UNDERSTOOD and ranking else None
        return {"picked": picked, "confidence": round(confidence, 3), "decided_by": decided,
                "by_rule": by_rule and intent != NOT_UNDERSTOOD,
                "model_confidence": round(model_confidence, 3) if model_confidence is not None else None,
                "runner_up": {"name": runner[0], "confidence": round(runner[1], 3)} if runner else None,
                "best_guess": {"name": guess[0], "confidence": round(guess[1], 3)} if guess else None}

    # ---- where the reply's words came from ---------------------------------------------------------
    def sources(self, reply_text: str, language: str) -> List[Dict[str, Any]]:
        found = []
        for line in [part for part in reply_text.split("\n") if part.strip()]:
            source = self._source(line, language)
            found.append({"text": line, "file": source.file if source else "",
                          "line": source.line if source else None,
                          "what": source.what if source else "composed by bot/conversation"})
        return found

    def _source(self, line: str, language: str) -> Source | None:
        if line.strip() in self.answer_texts:
            return self.answer_texts[line.strip()]
        if line.startswith("- ") and ":" in line:
            label = line[2:].split(":", 1)[0].strip()
            if label in self.services:
                return self.services[label]
        for lang in (language, "en"):
            for pattern, source in self.sentences.get(lang, []):
                if pattern.fullmatch(line) or pattern.match(line):
                    return source
        return None

    # ---- nearest examples -------------------------------------------------------------------------
    def nearest(self, text: str, picked: str, count: int = 3) -> Dict[str, Any]:
        """The picked intent's examples most like the message, and a closer one of another intent, if any."""
        scores = (self.matrix @ self.vectorizer.transform([text.lower()]).T).toarray().ravel()
        order = scores.argsort()[::-1]
        own = [i for i in order if self.examples[i].intent == picked][:count]
        best = int(order[0]) if len(order) else None
        closer = None
        if best is not None and self.examples[best].intent != picked and (not own or scores[best] > scores[own[0]]):
            closer = _example(self.examples[best], scores[best])
        return {"own": [_example(self.examples[i], scores[i]) for i in own], "closer_elsewhere": closer}

    def explain(self, parse: Mapping[str, Any], replies: Sequence[str], language: str) -> Dict[str, Any]:
        understood = self.understood(parse)
        picked = understood["picked"]
        answer = None
        if picked.startswith("faq/"):
            source = self.answers.get((f"utter_{picked}", language)) or self.answers.get((f"utter_{picked}", "en"))
            answer = {"file": source.file, "line": source.line, "what": source.what} if source else None
        target = picked if picked != NOT_UNDERSTOOD else (understood["best_guess"] or {}).get("name", picked)
        return {**understood, "answer": answer,
                "lines": [s for reply in replies for s in self.sources(reply, language)],
                "nearest": self.nearest(str(parse.get("text") or ""), target)}


def ranked(parse: Mapping[str, Any]) -> List[Tuple[str, float]]:
    """Intents and knowledge answers in one ranking, each with the model's own probability.

    A knowledge question's confidence is its best answer's probability
    (bot/nlu/linear_classifier.py); the other answers' probabilities follow from
    the answer ranking, which is normalised over the answers.
    """
    found: List[Tuple[str, float]] = []
    for entry in parse.get("intent_ranking") or []:
        name, confidence = str(entry.get("name")), float(entry.get("confidence") or 0.0)
        if name == NOT_UNDERSTOOD:
            continue
        selector = ((parse.get("response_selector") or {}).get(name) or {}).get("ranking") or []
        if selector and selector[0].get("confidence"):
            scale = confidence / float(selector[0]["confidence"])
            found.extend((str(a.get("intent_response_key")), float(a.get("confidence") or 0) * scale) for a in selector)
        else:
            found.append((name, confidence))
    return sorted(found, key=lambda item: -item[1])


def _full(parse: Mapping[str, Any], intent: str) -> str:
    key = (((parse.get("response_selector") or {}).get(intent) or {}).get("response") or {}).get("intent_response_key")
    return str(key or intent)


def _example(example: Example, score: float) -> Dict[str, Any]:
    return {"text": example.text, "intent": example.intent, "file": example.file, "line": example.line,
            "alike": round(float(score), 2)}


def _reply_sentences(project: Project) -> Dict[str, List[Tuple[re.Pattern, Source]]]:
    """Per language, a pattern for each sentence of data/replies.yml ({placeholders} match anything)."""
    parsed = project.yaml(project.replies)
    data = parsed.data if isinstance(parsed.data, dict) else {}
    found: Dict[str, List[Tuple[re.Pattern, Source]]] = {}
    for language in ("en", "es"):
        patterns = []
        for path, alternative, text in sentences(data.get(language) or {}):
            if path and path[0] in ("contact", "greet_buttons", "or"):
                continue  # pieces of a line, not lines
            keys = (language, *path) + ((alternative,) if alternative is not None else ())
            source = Source(parsed.name, parsed.line_at(*keys), f"sentence {'.'.join(path)}")
            literal = re.sub(r"\\\{\w+\\\}", "(.+?)", re.escape(text.strip()))
            # Some sentences are said shortened ("...: " becomes "."): their opening is enough.
            opening = re.escape(text.strip().split(". ")[0].rstrip(":"))
            patterns.append((re.compile(literal), source))
            if len(opening) >= 15 and "{" not in opening:
                patterns.append((re.compile(opening), source))
        found[language] = patterns
    return found


def _service_lines(project: Project) -> Dict[str, Source]:
    """A service's label (English and Spanish) -> its entry in data/hotlines.yml."""
    parsed = project.yaml(project.hotlines)
    services = (parsed.data or {}).get("services") if isinstance(parsed.data, dict) else None
    found: Dict[str, Source] = {}
    for key, entry in (services or {}).items():
        if not isinstance(entry, dict):
            continue
        source = Source(parsed.name, parsed.line_at("services", key), f"service {key}")
        for field in ("label", "label_es"):
            if entry.get(field):
                found.setdefault(str(entry[field]), source)
    return found
