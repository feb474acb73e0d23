"""`make report`: how well the assistant understands, in one HTML file for content staff.

    python -m tools.content.report [--model models/assistant.tar.gz] [--folds 3] [--out results]

Two measurements: cross-validation (`rasa test nlu --cross-validation`, the
training data split into folds, each scored by a model trained on the others)
and the held-out test set (tests/nlu/heldout.yml, never trained on, scored by
the real model through the whole pipeline with tools.evaluation). The figures are
saved as results/report.json; the previous run's figures move to
results/report-previous.json so the report can say what got better or worse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List

from bot.config import PROJECT_ROOT
from tools.content.report_html import confusion_png, render_html
from tools.evaluation import CRISIS_INTENTS, Evaluation

REPORT_JSON = "report.json"
PREVIOUS_JSON = "report-previous.json"
REPORT_HTML = "report.html"
# A change in F1 smaller than this is noise, not better or worse.
CHANGE_THRESHOLD = 0.01
_AVERAGES = ("accuracy", "macro avg", "weighted avg", "micro avg")

Progress = Callable[[str], None]


def say(message: str) -> None:
    print(message, flush=True)


# ---- figures ------------------------------------------------------------------------------


def _crisis(per_intent: Dict[str, Dict[str, float]]) -> Dict[str, Any]:
    """Crisis recall overall (weighted by examples) and per crisis intent."""
    rows = {i: per_intent[i] for i in CRISIS_INTENTS if per_intent.get(i, {}).get("support")}
    total = sum(r["support"] for r in rows.values())
    found = sum(r["recall"] * r["support"] for r in rows.values())
    return {
        "crisis_recall": round(found / total, 4) if total else None,
        "crisis_recall_by_intent": {i: round(r["recall"], 4) for i, r in rows.items()},
    }


def _macro_f1(per_intent: Dict[str, Dict[str, float]]) -> float:
    scored = [r["f1"] for r in per_intent.values() if r["support"]]
    return round(sum(scored) / len(scored), 4) if scored else 0.0


def heldout_figures(evaluation: Evaluation, source: str) -> Dict[str, Any]:
    """Figures of a tools.evaluation run on the held-out file."""
    per_intent = {
        intent: {k: round(v, 4) if k != "support" else int(v) for k, v in row.items()}
        for intent, row in evaluation.per_intent().items()
    }
    return {
        "source": source,
        "examples": len(evaluation.rows),
        "accuracy": round(evaluation.accuracy, 4),
        "macro_f1": _macro_f1(per_intent),
        **_crisis(per_intent),
        "per_intent": per_intent,
        "mistakes": [{"text": t, "expected": e, "predicted": p} for t, e, p in evaluation.mistakes()],
        "confusion": {e: dict(row) for e, row in sorted(evaluation.confusion().items())},
    }


def crossval_figures(folder: Path, folds: int) -> Dict[str, Any] | None:
    """Figures from the files `rasa test nlu --cross-validation --out folder` wrote.

    Rasa scores the intent `faq` as one; which answer was chosen for a faq
    question is in its response-selection report, shown as faq/<topic> rows.
    """
    folder = Path(folder)
    report_file = folder / "intent_report.json"
    if not report_file.exists():
        return None
    report = json.loads(report_file.read_text())
    per_intent = {}
    for label, row in report.items():
        if label in _AVERAGES or not isinstance(row, dict):
            continue
        per_intent[label] = _rasa_row(row)
    answers_file = folder / "response_selection_report.json"
    if answers_file.exists():
        for label, row in json.loads(answers_file.read_text()).items():
            if label not in _AVERAGES and isinstance(row, dict):
                per_intent[label] = {**_rasa_row(row), "answer": True}
    mistakes = [
        {"text": e["text"], "expected": e["intent"], "predicted": (e.get("intent_prediction") or {}).get("name") or "none"}
        for e in _json_list(folder / "intent_errors.json")
    ]
    mistakes += [
        {
            "text": e["text"],
            "expected": e["intent_response_key_target"],
            "predicted": (e.get("intent_response_key_prediction") or {}).get("name") or "none",
        }
        for e in _json_list(folder / "response_selection_errors.json")
    ]
    intents_only = {k: v for k, v in per_intent.items() if not v.get("answer")}
    # Rasa lists every wrong prediction, so the full matrix follows: the rest were right.
    confusion: Dict[str, Dict[str, int]] = {label: {} for label in intents_only}
    for error in _json_list(folder / "intent_errors.json"):
        predicted = (error.get("intent_prediction") or {}).get("name") or "none"
        row = confusion.setdefault(error["intent"], {})
        row[predicted] = row.get(predicted, 0) + 1
    for label, row in confusion.items():
        right = int(intents_only.get(label, {}).get("support", 0)) - sum(row.values())
        if right > 0:
            row[label] = right
    return {
        "source": f"cross-validation, {folds} folds",
        "folds": folds,
        "examples": int(sum(r["support"] for r in intents_only.values())),
        "accuracy": round(float(report.get("accuracy", 0.0)), 4),
        "macro_f1": _macro_f1(intents_only),
        **_crisis(per_intent),
        "per_intent": per_intent,
        "mistakes": mistakes,
        "confusion": {label: dict(sorted(row.items())) for label, row in sorted(confusion.items())},
    }


def _rasa_row(row: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "precision": round(float(row["precision"]), 4),
        "recall": round(float(row["recall"]), 4),
        "f1": round(float(row["f1-score"]), 4),
        "support": int(row["support"]),
    }


def _json_list(path: Path) -> List[Dict[str, Any]]:
    return json.loads(path.read_text()) if path.exists() else []


def compare(current: Dict[str, Any], previous: Dict[str, Any] | None) -> Dict[str, Any] | None:
    """What changed since the previous report: overall figures and intents better or worse."""
    if not previous:
        return None
    changes: Dict[str, Any] = {"previous_created": previous.get("created")}
    for part in ("heldout", "crossval"):
        now, before = current.get(part), previous.get(part)
        if not now or not before:
            continue
        overall = {}
        for key in ("accuracy", "macro_f1", "crisis_recall"):
            if now.get(key) is not None and before.get(key) is not None:
                overall[key] = {"before": before[key], "now": now[key], "change": round(now[key] - before[key], 4)}
        better, worse = [], []
        for intent, row in now["per_intent"].items():
            old = before.get("per_intent", {}).get(intent)
            if not old or not row.get("support"):
                continue
            delta = round(row["f1"] - old["f1"], 4)
            entry = {"intent": intent, "before": old["f1"], "now": row["f1"], "change": delta}
            if delta >= CHANGE_THRESHOLD:
                better.append(entry)
            elif delta <= -CHANGE_THRESHOLD:
                worse.append(entry)
        changes[part] = {
            "overall": overall,
            "better": sorted(better, key=lambda e: -e["change"]),
            "worse": sorted(worse, key=lambda e: e["change"]),
            "new_intents": sorted(set(now["per_intent"]) - set(before.get("per_intent", {}))),
        }
    return changes


# ---- running -------------------------------------------------------------------------------


def run_crossval(config: Path, nlu: Path, folds: int, out: Path, progress: Progress = say) -> None:
    """`rasa test nlu --cross-validation`, printing a line per fold and a heartbeat."""
    if out.exists():
        shutil.rmtree(out)  # files of an earlier run (say, with faq answers) must not leak in
    out.mkdir(parents=True)
    log_path = out / "rasa.log"
    command = [
        str(Path(sys.executable).parent / "rasa"), "test", "nlu", "--nlu", str(nlu), "--config", str(config),
        "--cross-validation", "--folds", str(folds), "--out", str(out),
    ]
    started = time.monotonic()
    lines: queue.Queue[str | None] = queue.Queue()
    # Unbuffered, or Rasa's lines arrive only when it exits and the progress says nothing.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log, subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT_ROOT, env=env
    ) as process:

        def pump() -> None:
            for line in process.stdout:  # type: ignore[union-attr]
                log.write(line)
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        first_component, fold, training, last_said = None, 0, "", time.monotonic()
        while True:
            try:
                line = lines.get(timeout=30)
            except queue.Empty:
                line = ""
            if line is None:
                break
            component = re.search(r"Starting to train component '(\w+)'", line)
            if component:
                training = component.group(1)
                if first_component is None:
                    first_component = training
                if training == first_component:
                    fold += 1
                progress(f"  fold {fold} of {folds}: training {training} ({_elapsed(started)})")
            elif "Accumulated test folds" in line:
                progress(f"  scoring all folds ({_elapsed(started)})")
            elif time.monotonic() - last_said >= 30:
                progress(f"  fold {max(fold, 1)} of {folds}: still working ({_elapsed(started)})")
            else:
                continue
            last_said = time.monotonic()
        if process.wait() != 0:
            raise RuntimeError(f"cross-validation failed; see {log_path}")


def _elapsed(started: float) -> str:
    seconds = int(time.monotonic() - started)
    return f"{seconds // 60}m {seconds % 60:02d}s"


def run_heldout(model: Path, heldout: Path) -> Evaluation:
    from tools.evaluation import evaluate, load_agent, quiet_rasa_logs

    quiet_rasa_logs()
    return evaluate(load_agent(model), heldout)


def build(
    out: Path,
    heldout: Dict[str, Any] | None,
    crossval: Dict[str, Any] | None,
    now: dt.datetime | None = None,
) -> Path:
    """Write report.html and report.json in `out`, keeping the last figures as report-previous.json."""
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "created": (now or dt.datetime.now()).isoformat(timespec="seconds"),
        "heldout": heldout,
        "crossval": crossval,
    }
    previous_file, current_file = out / PREVIOUS_JSON, out / REPORT_JSON
    previous = json.loads(current_file.read_text()) if current_file.exists() else None
    if previous is None and previous_file.exists():
        previous = json.loads(previous_file.read_text())
    changes = compare(figures, previous)
    pictures = {}
    if heldout:
        pictures["heldout"] = confusion_png(heldout["confusion"], "Held-out test set")
    if crossval:
        pictures["crossval"] = confusion_png(crossval["confusion"], "Cross-validation")
    html_file = out / REPORT_HTML
    html_file.write_text(render_html(figures, changes, pictures), encoding="utf-8")
    if previous is not None:
        previous_file.write_text(json.dumps(previous, indent=2))
    current_file.write_text(json.dumps(figures, indent=2))
    return html_file


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate understanding and write results/report.html.")
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml")
    parser.add_argument("--nlu", type=Path, default=PROJECT_ROOT / "data" / "nlu")
    parser.add_argument("--heldout", type=Path, default=PROJECT_ROOT / "tests" / "nlu" / "heldout.yml")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results")
    parser.add_argument("--skip-crossval", action="store_true", help="only the held-out set (a minute instead of several)")
    args = parser.parse_args(argv)
    # Library chatter (Rasa's, TensorFlow's) would bury the progress lines; Rasa's log is in crossval/rasa.log.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", UserWarning)

    steps = 2 if args.skip_crossval else 3
    crossval = None
    if not args.skip_crossval:
        say(f"[1/{steps}] Cross-validation: {args.folds} models, each trained on part of the data (several minutes)")
        crossval_dir = args.out / "crossval"
        run_crossval(args.config, args.nlu, args.folds, crossval_dir)
        crossval = crossval_figures(crossval_dir, args.folds)
    say(f"[{steps - 1}/{steps}] Held-out test set: {args.heldout} with {args.model}")
    if not args.model.exists():
        say(f"No model at {args.model}: run `make train` first (`make report` does).")
        return 1
    heldout = heldout_figures(run_heldout(args.model, args.heldout), str(args.heldout))
    say(f"[{steps}/{steps}] Writing the report")
    html_file = build(args.out, heldout, crossval)
    say(f"held-out: accuracy {heldout['accuracy']:.1%}, crisis recall {_percent(heldout['crisis_recall'])}")
    if crossval:
        say(f"cross-validation: accuracy {crossval['accuracy']:.1%}, crisis recall {_percent(crossval['crisis_recall'])}")
    say(f"Open {html_file} in a browser.")
    return 0


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


if __name__ == "__main__":
    raise SystemExit(main())
