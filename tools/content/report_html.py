"""The understanding report as one self-contained HTML page (pictures embedded as PNG)."""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Any, Dict, List

from tools.evaluation import CRISIS_INTENTS

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:0}.meta{color:#666;margin-top:.3em}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.crisis{border:3px solid #b00;border-radius:6px;padding:.5em 1em;margin:1em 0}
.crisis.ok{border-color:#1a7f37}.big{font-size:1.6em;font-weight:bold}
.better{color:#1a7f37}.worse{color:#b00;font-weight:bold}.low{background:#fde8e8}
img{max-width:100%;border:1px solid #ddd}.note{color:#555;font-size:.95em}
"""


_LABELS = {"accuracy": "accuracy", "macro_f1": "average F1", "crisis_recall": "crisis recall"}


def confusion_png(confusion: Dict[str, Dict[str, int]], title: str) -> bytes:
    """A confusion-matrix picture: rows what was meant, columns what the model understood."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    import matplotlib.pyplot as plt

    labels = sorted(set(confusion) | {p for row in confusion.values() for p in row})
    matrix = [[confusion.get(e, {}).get(p, 0) for p in labels] for e in labels]
    size = max(4.0, 0.32 * len(labels) + 2.5)
    figure, axes = plt.subplots(figsize=(size, size), dpi=90)
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    axes.set_yticks(range(len(labels)), labels, fontsize=8)
    axes.set_xlabel("understood as")
    axes.set_ylabel("meant")
    axes.set_title(title)
    top = max((v for row in matrix for v in row), default=0)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                colour = "white" if value > top / 2 else "black"
                axes.text(j, i, str(value), ha="center", va="center", fontsize=7, color=colour)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _signed(value: float) -> str:
    return f"{value * 100:+.1f} pts"


def _crisis_box(figures: Dict[str, Any]) -> str:
    parts = []
    ok = True
    for key, name in (("heldout", "Held-out test set"), ("crossval", "Cross-validation")):
        part = figures.get(key)
        if not part:
            continue
        recall = part.get("crisis_recall")
        ok = ok and recall == 1.0
        by_intent = ", ".join(f"{escape(i)} {_pct(v)}" for i, v in part["crisis_recall_by_intent"].items())
        missed = [m for m in part["mistakes"] if m["expected"] in CRISIS_INTENTS]
        missed_rows = "".join(
            f"<li>&ldquo;{escape(m['text'])}&rdquo; ({escape(m['expected'])}, understood as {escape(m['predicted'])})</li>"
            for m in missed
        )
        parts.append(
            f'<p>{name}: <span class="big" id="crisis-{key}">{_pct(recall)}</span> of crisis messages understood '
            f"({by_intent})</p>" + (f"<p>Missed:</p><ul>{missed_rows}</ul>" if missed else "")
        )
    css = "crisis ok" if ok else "crisis"
    return (
        f'<section class="{css}"><h2>Crisis recall</h2>'
        "<p class=note>Danger, suicide and child-exploitation messages the model recognised. The safety net "
        "(data/safety_net.yml) catches more at run time; every miss here is worth a new example or phrase.</p>"
        + "".join(parts)
        + "</section>"
    )


def _overall(figures: Dict[str, Any]) -> str:
    rows = []
    for key, name in (("heldout", "Held-out test set"), ("crossval", "Cross-validation")):
        part = figures.get(key)
        if part:
            rows.append(
                f"<tr><td>{name}<br><span class=note>{escape(str(part['source']))}</span></td>"
                f'<td class=n>{part["examples"]}</td><td class=n id="accuracy-{key}">{_pct(part["accuracy"])}</td>'
                f'<td class=n id="macro-f1-{key}">{_pct(part["macro_f1"])}</td></tr>'
            )
    return (
        "<h2>Overall</h2><table><tr><th>measured on</th><th>examples</th><th>accuracy</th>"
        "<th>average F1 per intent</th></tr>" + "".join(rows) + "</table>"
    )


def _changes(changes: Dict[str, Any] | None) -> str:
    if not changes:
        return "<h2>Changes</h2><p>No previous report to compare with. The next run will show what changed.</p>"
    out = [f"<h2>Changes since the previous report ({escape(str(changes.get('previous_created')))})</h2>"]
    for key, name in (("heldout", "Held-out test set"), ("crossval", "Cross-validation")):
        part = changes.get(key)
        if not part:
            continue
        overall = ", ".join(
            f'{_LABELS[label]} {_pct(v["before"])} &rarr; {_pct(v["now"])} '
            f'<span class="{"better" if v["change"] > 0 else "worse" if v["change"] < 0 else ""}">({_signed(v["change"])})</span>'
            for label, v in part["overall"].items()
        )
        out.append(f"<h3>{name}</h3><p>{overall}</p>")
        for kind in ("better", "worse"):
            entries = part[kind]
            items = "".join(
                f'<li class="{kind}" data-intent="{escape(e["intent"])}">{escape(e["intent"])}: F1 {_pct(e["before"])} '
                f'&rarr; {_pct(e["now"])} ({_signed(e["change"])})</li>'
                for e in entries
            )
            out.append(f'<p>Got {kind}: {len(entries)}</p><ul id="{kind}-{key}">{items}</ul>')
        if part["new_intents"]:
            out.append(f"<p>New: {escape(', '.join(part['new_intents']))}</p>")
    return "".join(out)


def _per_intent(figures: Dict[str, Any]) -> str:
    heldout = (figures.get("heldout") or {}).get("per_intent", {})
    crossval = (figures.get("crossval") or {}).get("per_intent", {})
    names = sorted(set(heldout) | set(crossval), key=lambda i: (i not in CRISIS_INTENTS, i))

    def cells(row: Dict[str, Any] | None, key: str, intent: str) -> str:
        if not row:
            return "<td></td>" * 4
        low = ' class="n low"' if row["support"] and row["f1"] < 0.8 else " class=n"
        return (
            f'<td class=n data-intent="{escape(intent)}" data-set="{key}" data-metric="precision">{_pct(row["precision"])}</td>'
            f'<td class=n data-intent="{escape(intent)}" data-set="{key}" data-metric="recall">{_pct(row["recall"])}</td>'
            f'<td{low} data-intent="{escape(intent)}" data-set="{key}" data-metric="f1">{_pct(row["f1"])}</td>'
            f'<td class=n data-intent="{escape(intent)}" data-set="{key}" data-metric="support">{row["support"]}</td>'
        )

    rows = "".join(
        f"<tr><td>{escape(i)}</td>{cells(heldout.get(i), 'heldout', i)}{cells(crossval.get(i), 'crossval', i)}</tr>"
        for i in names
    )
    return (
        "<h2>Per intent</h2><p class=note>Precision: of the messages understood as this intent, the share that really were. "
        "Recall: of the messages that were this intent, the share understood. F1 combines both; below 80% is shaded. "
        "Examples: how many were tested. In cross-validation, faq/... rows say whether the right answer was chosen.</p>"
        "<table><tr><th rowspan=2>intent</th><th colspan=4>held-out test set</th><th colspan=4>cross-validation</th></tr>"
        "<tr>" + "<th>precision</th><th>recall</th><th>F1</th><th>examples</th>" * 2 + "</tr>" + rows + "</table>"
    )


def _mistakes(figures: Dict[str, Any]) -> str:
    out = ["<h2>Misunderstood examples</h2>"]
    for key, name in (("heldout", "Held-out test set"), ("crossval", "Cross-validation")):
        part = figures.get(key)
        if not part:
            continue
        ordered = sorted(part["mistakes"], key=lambda m: (m["expected"] not in CRISIS_INTENTS, m["expected"], m["text"]))
        rows = "".join(
            f"<tr><td>{escape(m['text'])}</td><td>{escape(m['expected'])}</td><td>{escape(m['predicted'])}</td></tr>"
            for m in ordered
        )
        out.append(
            f'<h3>{name}: {len(ordered)}</h3><table id="mistakes-{key}"><tr><th>example</th><th>meant</th>'
            f"<th>mistaken for</th></tr>{rows}</table>"
        )
    return "".join(out)


def _pictures(pictures: Dict[str, bytes]) -> str:
    out = ["<h2>Confusion matrix</h2><p class=note>Rows: what the example meant. Columns: what the model understood. "
           "Everything off the diagonal is a mistake.</p>"]
    for key, name in (("heldout", "Held-out test set"), ("crossval", "Cross-validation (all faq questions as one intent)")):
        if key in pictures:
            data = base64.b64encode(pictures[key]).decode()
            image = f'<img id="confusion-{key}" alt="confusion matrix, {name}" src="data:image/png;base64,{data}">'
            out.append(f"<h3>{name}</h3>{image}")
    return "".join(out)


def render_html(figures: Dict[str, Any], changes: Dict[str, Any] | None, pictures: Dict[str, bytes]) -> str:
    """The whole report page; crisis recall comes first."""
    sections: List[str] = [
        _crisis_box(figures),
        _overall(figures),
        _changes(changes),
        _per_intent(figures),
        _pictures(pictures),
        _mistakes(figures),
    ]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Understanding report</title>"
        f"<style>{_STYLE}</style></head><body><h1>Understanding report</h1>"
        f'<p class=meta>Made {escape(str(figures.get("created")))}. How to read it: CONTENT.md, "Reading the report".</p>'
        + "".join(sections)
        + "</body></html>\n"
    )
