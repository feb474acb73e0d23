"""The understanding report as one self-contained HTML page (no pictures, no scripts, nothing fetched)."""

from __future__ import annotations

from html import escape
from itertools import groupby
from typing import Any, Dict, List, Mapping

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}
h1{margin-bottom:0}.meta{color:#555;margin-top:.3em}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.crisis{border:3px solid #b00;border-radius:6px;padding:.5em 1em;margin:1em 0}
.crisis.ok{border-color:#1a7f37}.big{font-size:1.6em;font-weight:bold}
.fix{background:#fff8e1;border:1px solid #e0c060;border-radius:6px;padding:.5em 1em}
.fix li{margin:.4em 0}.where{font-family:ui-monospace,monospace;font-size:.92em}
.better{color:#1a7f37}.worse{color:#b00;font-weight:bold}.low{background:#fde8e8}
.note{color:#555;font-size:.95em}summary{cursor:pointer}
"""

_SETS = (("tests", "Test sets"), ("crossval", "Cross-validation"))
_PER_INTENT = 20  # misunderstood examples shown per intent (the rest are in report.json)
_LABELS = {"accuracy": "understood", "macro_f1": "average F1", "crisis_recall": "crisis recall",
           "not_understood": "not understood"}


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _points(value: float) -> str:
    return f"{value * 100:+.1f} points"


def _where(file: str, line: int) -> str:
    return f'<span class="where">{escape(file)}{f", line {line}" if line else ""}</span>' if file else ""


def _fix_next(figures: Mapping[str, Any]) -> str:
    items = figures.get("fix_next") or []
    if not items:
        return '<section class="fix" id="fix-next"><h2>Fix next</h2><p>Nothing stands out. Well done.</p></section>'
    rows = "".join(
        f"<li><strong>{escape(item['what'])}</strong><br>{_where_text(item['where'])}<br>{escape(item['do'])}</li>"
        for item in items)
    return (f'<section class="fix" id="fix-next"><h2>Fix next</h2><p class=note>The {len(items)} problems most worth '
            f"fixing first, most serious first: crisis messages missed, then the intents understood worst.</p>"
            f"<ol>{rows}</ol></section>")


def _where_text(where: str) -> str:
    return f'<span class="where">{escape(where)}</span>' if where else ""


def _crisis(figures: Mapping[str, Any]) -> str:
    parts, ok = [], True
    for key, name in _SETS:
        part = figures.get(key)
        if not part:
            continue
        recall = part.get("crisis_recall")
        ok = ok and recall == 1.0
        by_intent = ", ".join(f"{escape(i)} {_pct(v)}" for i, v in part["crisis_recall_by_intent"].items())
        parts.append(f'<p>{name}: <span class="big" id="crisis-{key}">{_pct(recall)}</span> of crisis messages '
                     f"got the crisis reply ({by_intent})</p>")
    misses = figures.get("crisis_misses") or []
    if misses:
        items = "".join(
            f"<li>&ldquo;{escape(m['text'])}&rdquo; <em>({escape(m['expected'])}, "
            f"{'test set' if m['source'] == 'tests' else 'cross-validation'})</em> {_where(m['file'], m['line'])}"
            f"<br>{escape(m['explanation'])}</li>" for m in misses)
        parts.append(f'<p>Missed, and why:</p><ul id="crisis-misses">{items}</ul>')
    return (f'<section class="{"crisis ok" if ok else "crisis"}"><h2>Crisis recall</h2><p class=note>Danger, suicide '
            "and child-exploitation messages that got the crisis reply, through the whole assistant (the model and the "
            "safety net in data/safety_net.yml). This should stay at or near 100%.</p>" + "".join(parts) + "</section>")


def _overall(figures: Mapping[str, Any]) -> str:
    out = ["<h2>Overall</h2>"]
    tests = figures.get("tests")
    if tests:
        rows = "".join(
            f"<tr><td>{escape(entry['file'])}</td><td class=n>{entry['scored']}</td><td class=n>{entry['left_out']}</td>"
            f"<td class=n>{_pct(entry['accuracy'])}</td><td class=n>{_pct(entry['crisis_recall'])}</td></tr>"
            for entry in tests["sets"].values())
        rows += (f"<tr><th>all test sets</th><th class=n>{tests['scored']}</th><th></th>"
                 f'<th class=n id="accuracy-tests">{_pct(tests["accuracy"])}</th>'
                 f"<th class=n>{_pct(tests['crisis_recall'])}</th></tr>")
        out.append("<h3>Test sets</h3><p class=note>Sentences nobody trained on, scored by the trained model. A test "
                   "sentence that is also in data/nlu is left out (it would measure memory, not understanding). "
                   "'Understood' counts a message the assistant was too unsure about as not understood.</p>"
                   "<table><tr><th>set</th><th>scored</th><th>left out</th><th>understood</th><th>crisis recall</th>"
                   f"</tr>{rows}</table>")
    cv = figures.get("crossval")
    if cv:
        noise = cv["noise"]
        out.append(
            f"<h3>Cross-validation</h3><p class=note>The training data split into {cv['folds']} parts, each part scored "
            f"by a model trained on the others; done {len(cv['runs'])} times with different (seeded, so repeatable) "
            "splits. The figure is the average; &plusmn; is how much the runs differed: the noise a change must beat "
            "to count.</p><table><tr><th>examples</th><th>understood</th><th>model's best guess right</th>"
            "<th>too unsure to answer</th><th>average F1</th></tr>"
            f"<tr><td class=n>{cv['scored']}</td><td class=n id=\"accuracy-crossval\">{_pct(cv['accuracy'])} "
            f"&plusmn;{noise['accuracy'] * 100:.1f}</td><td class=n>{_pct(cv['best_guess_accuracy'])}</td>"
            f"<td class=n>{_pct(cv['not_understood'])}</td><td class=n id=\"macro-f1-crossval\">"
            f"{_pct(cv['macro_f1'])} &plusmn;{noise['macro_f1'] * 100:.1f}</td></tr></table>")
    return "".join(out)


def _changes(changes: Mapping[str, Any] | None) -> str:
    if not changes:
        return "<h2>Changes</h2><p>No previous report to compare with. The next run will show what changed.</p>"
    out = [f"<h2 id=changes>Changes since the previous report ({escape(str(changes.get('previous_created')))})</h2>"]
    if changes.get("same_data"):
        out.append("<p>Same data, same model: nothing to compare.</p>")
        return "".join(out)
    out.append("<p class=note>Only changes larger than the measured noise are listed (cross-validation: how much the "
               "runs differed, in this report or the previous one; the test sets are scored by one model, the same "
               "for the same data, so every change there is real).</p>")
    for key, name in _SETS:
        part = changes.get(key)
        if not part:
            continue
        overall = ", ".join(
            f'{_LABELS[label]} {_pct(v["before"])} &rarr; {_pct(v["now"])} '
            + (f'<span class="{"better" if (v["change"] > 0) != (label == "not_understood") else "worse"}">'
               f'({_points(v["change"])})</span>' if v["shown"] else "(within noise)")
            for label, v in part["overall"].items())
        out.append(f"<h3>{name}</h3><p>{overall}</p>")
        for kind in ("better", "worse"):
            entries = part[kind]
            items = "".join(
                f'<li class="{kind}" data-intent="{escape(e["intent"])}">{escape(e["intent"])}: F1 {_pct(e["before"])} '
                f'&rarr; {_pct(e["now"])} ({_points(e["change"])}; noise {e["noise"] * 100:.1f})</li>' for e in entries)
            out.append(f'<p>Got {kind}: {len(entries)}</p><ul id="{kind}-{key}">{items}</ul>')
        if part["within_noise"]:
            out.append(f"<p class=note>{part['within_noise']} more moved less than their noise (not listed).</p>")
        if part["new"]:
            out.append(f"<p>New: {escape(', '.join(part['new']))}</p>")
    return "".join(out)


def _per_intent(figures: Mapping[str, Any]) -> str:
    tests = (figures.get("tests") or {}).get("per_intent", {})
    cv = (figures.get("crossval") or {}).get("per_intent", {})
    crisis = set((figures.get("tests") or {}).get("crisis_recall_by_intent", {}))

    def cells(row: Mapping[str, Any] | None, key: str, intent: str) -> str:
        if not row:
            return "<td></td>" * 4
        low = ' class="n low"' if row["support"] and row["f1"] < 0.8 else " class=n"
        noise = f" &plusmn;{row['noise'] * 100:.0f}" if row.get("noise") else ""
        attrs = f'data-intent="{escape(intent)}" data-set="{key}"'
        return (f'<td class=n {attrs} data-metric="precision">{_pct(row["precision"])}</td>'
                f'<td class=n {attrs} data-metric="recall">{_pct(row["recall"])}</td>'
                f'<td{low} {attrs} data-metric="f1">{_pct(row["f1"])}{noise}</td>'
                f'<td class=n {attrs} data-metric="support">{row["support"]}</td>')

    names = sorted(set(tests) | set(cv), key=lambda i: (i not in crisis, i))
    rows = "".join(f"<tr><td>{escape(i)}</td>{cells(tests.get(i), 'tests', i)}{cells(cv.get(i), 'crossval', i)}</tr>"
                   for i in names)
    return ("<h2>Per intent and answer</h2><p class=note>Precision: of the messages understood as this, the share that "
            "really were. Recall: of the messages that were this, the share understood. F1 combines both; below 80% is "
            "shaded. Knowledge answers have their full name (faq/...). nlu_fallback is 'not understood'.</p>"
            "<table><tr><th rowspan=2>intent or answer</th><th colspan=4>test sets</th><th colspan=4>cross-validation"
            "</th></tr><tr>" + "<th>precision</th><th>recall</th><th>F1</th><th>examples</th>" * 2 + "</tr>"
            + rows + "</table>")


def _confused(figures: Mapping[str, Any]) -> str:
    out = ["<h2>Most often mixed up</h2><p class=note>Pairs the model takes for each other (both ways counted; "
           "cross-validation per run). Make their examples more distinct.</p>"]
    for key, name in _SETS:
        part = figures.get(key)
        if part and part.get("confused"):
            rows = "".join(f"<tr><td>{escape(p['a'])}</td><td>{escape(p['b'])}</td><td class=n>{p['times']}</td></tr>"
                           for p in part["confused"])
            out.append(f"<h3>{name}</h3><table><tr><th>intent</th><th>mixed up with</th><th>times</th></tr>{rows}</table>")
    return "".join(out)


def _untested(figures: Mapping[str, Any]) -> str:
    answers = figures.get("untested_answers") or []
    if not answers:
        return "<h2>Answers without test sentences</h2><p>Every answer is asked for in some test set.</p>"
    rows = "".join(f"<li>{escape(a['answer'])} {_where(a['file'], a['line'])}</li>" for a in answers)
    return (f"<h2>Answers without test sentences: {len(answers)}</h2><p class=note>No sentence in tests/nlu/ asks for "
            "these, so nothing here says whether people reach them. Test sentences are written by someone who has not "
            f'read data/nlu (CONTENT.md, "Reading the report").</p><ul id="untested">{rows}</ul>')


def _mistakes(figures: Mapping[str, Any]) -> str:
    out = ["<h2>Misunderstood examples</h2><p class=note>Crisis first, then the intents understood worst. Each with "
           "where it is and what it was taken for ('not understood': the model was too unsure).</p>"]
    for key, name in _SETS:
        part = figures.get(key)
        if not part:
            continue
        groups: List[str] = []
        for intent, items in groupby(part["mistakes"], key=lambda m: m["expected"]):
            found = list(items)
            more = len(found) - _PER_INTENT
            rows = "".join(
                f"<tr><td>{escape(m['text'])}</td><td>{_understood(m)}</td>"
                f"<td class=n>{m['times']} of {m['runs']}</td><td>{_where(m['file'], m['line'])}</td></tr>"
                for m in found[:_PER_INTENT])
            rest = f"<p class=note>{more} more in results/report.json.</p>" if more > 0 else ""
            groups.append(f"<details><summary>{escape(intent)}: {len(found)}</summary><table><tr><th>example</th>"
                          f"<th>taken for</th><th>runs</th><th>where</th></tr>{rows}</table>{rest}</details>")
        out.append(f'<h3>{name}: {len(part["mistakes"])}</h3><div id="mistakes-{key}">{"".join(groups)}</div>')
    return "".join(out)


def _understood(mistake: Mapping[str, Any]) -> str:
    if mistake["predicted"] == "nlu_fallback":
        return f"not understood (best guess {escape(mistake['guess'])})"
    return escape(mistake["predicted"])


def render_html(figures: Dict[str, Any], changes: Mapping[str, Any] | None) -> str:
    """The whole page: what to fix next, crisis recall, then the detail."""
    sections = [_fix_next(figures), _crisis(figures), _overall(figures), _changes(changes), _per_intent(figures),
                _confused(figures), _untested(figures), _mistakes(figures)]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Understanding report</title>"
        f"<style>{_STYLE}</style></head><body><h1>Understanding report</h1>"
        f'<p class=meta>Made {escape(str(figures.get("created")))} (data {escape(str(figures.get("fingerprint")))}). '
        'How to read it: CONTENT.md, "Reading the report".</p>' + "".join(sections) + "</body></html>\n"
    )
