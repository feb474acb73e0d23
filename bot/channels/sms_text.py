"""Text written for SMS: GSM-7 characters only, at most 320 per message, numbered choices.

Pure functions, no settings. One character outside GSM-7 (an emoji, a curly
quote, a long dash) makes the whole message UCS-2, which cuts a segment from
160 to 70 characters and can triple what a person pays; some phones also show
such characters as boxes. So every reply is transliterated to GSM-7 here.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable, List, Mapping, Sequence

# Longest message we send: two concatenated segments' worth, read at a glance.
MAX_SMS_CHARS = 320

# 3GPP TS 23.038 default alphabet (without ESC) and its extension table (two septets each,
# without the page break).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€")

# Common characters outside GSM-7 with a plain stand-in; everything else is folded
# (é stays, ç -> c) or dropped (emoji, symbols).
_STAND_INS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2022": "-", "\u00b7": "-", "\u2023": "-", "\u25cf": "-",
    "\u2026": "...", "\u00d7": "x", "\u2192": "->", "\u00a9": "(c)", "\u00ae": "(R)", "\u2122": "TM",
    "\t": " ",
}
# Spanish opening marks carry no meaning once the closing ? or ! is there.
_DROPPED = frozenset("¿¡")
_SPACES = re.compile(r"[ ]{2,}")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")

# From coarse to fine: paragraphs, lines, sentences, words.
_BOUNDARIES = (
    (re.compile(r"\n\s*\n"), "\n\n"),
    (re.compile(r"\n"), "\n"),
    (re.compile(r"(?<=[.!?])\s+"), " "),
    (re.compile(r"\s+"), " "),
)
_CHOICE = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")


def is_gsm7(text: str) -> bool:
    """Whether every character is in the GSM-7 alphabet (basic or extension table)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def gsm7_length(text: str) -> int:
    """Length in septets: extension-table characters (€, [, ...) count twice."""
    return len(text) + sum(1 for ch in text if ch in GSM7_EXTENDED)


def _to_gsm7_char(ch: str) -> str:
    if ch.isascii() and (ch in GSM7_BASIC or ch in GSM7_EXTENDED):
        return ch
    if ch in _DROPPED:
        return ""
    if ch in _STAND_INS:
        return _STAND_INS[ch]
    if ch.isspace():
        return " "
    folded = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    return folded if folded and is_gsm7(folded) else ""


def to_gsm7(text: str) -> str:
    """The text in plain GSM-7: stand-ins for quotes and dashes, accents folded, emoji dropped.

    Even the accented letters GSM-7 has (é, ñ, ü) are folded ("á" -> "a", "ñ" -> "n")
    and ¿ ¡ dropped: Spanish replies then read the same on every phone and gateway,
    and one stray accent can never turn a reply into 70-character segments.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    converted = "".join(_to_gsm7_char(ch) for ch in text)
    converted = _SPACE_AROUND_NEWLINE.sub("\n", _SPACES.sub(" ", converted))
    return _MANY_NEWLINES.sub("\n\n", converted).strip()


def split_message(text: str, limit: int = MAX_SMS_CHARS) -> List[str]:
    """Split into messages of at most `limit` septets, at the coarsest boundary that fits.

    Paragraphs and lines stay whole where they can (a hotline line is never cut
    in two unless it alone is too long), then sentences, then words.
    """
    text = text.strip()
    return _split(text, limit, 0) if text else []


def _split(text: str, limit: int, level: int) -> List[str]:
    if gsm7_length(text) <= limit:
        return [text]
    if level == len(_BOUNDARIES):
        return _hard_cut(text, limit)
    pattern, joiner = _BOUNDARIES[level]
    parts = [p.strip() for p in pattern.split(text) if p.strip()]
    if len(parts) <= 1:
        return _split(text, limit, level + 1)
    chunks: List[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}{joiner}{part}" if current else part
        if gsm7_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        pieces = _split(part, limit, level + 1)
        chunks.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        chunks.append(current)
    return chunks


def _hard_cut(text: str, limit: int) -> List[str]:
    """Last resort for a single word longer than a message (a long link)."""
    chunks, current = [], ""
    for ch in text:
        if gsm7_length(current + ch) > limit:
            chunks.append(current)
            current = ""
        current += ch
    return chunks + [current] if current else chunks


def choice_lines(buttons: Sequence[Mapping[str, Any]], template: str, start: int = 1) -> List[str]:
    """One line per button, numbered from `start`: template "Reply {n} for {title}"."""
    return [
        template.format(n=start + offset, title=str(button.get("title") or "").strip())
        for offset, button in enumerate(buttons)
    ]


def chosen_payload(text: str, buttons: Sequence[Mapping[str, Any]]) -> str | None:
    """The payload a numbered reply ("1", "2.", "#2") picks, or None if it picks nothing."""
    match = _CHOICE.match(text or "")
    if not match:
        return None
    index = int(match.group(1)) - 1
    if 0 <= index < len(buttons):
        payload = buttons[index].get("payload")
        return str(payload) if payload else None
    return None


def render_reply(
    messages: Iterable[Mapping[str, Any]],
    choice_template: str,
    extra: Iterable[str] = (),
    limit: int = MAX_SMS_CHARS,
) -> List[str]:
    """Rasa's bot messages (text, buttons) plus extra paragraphs, as SMS bodies.

    Buttons are numbered across the whole reply in order, the same order in
    which `chosen_payload` is given them back. Short messages are packed into
    one SMS (fewer segments, and SMS can arrive out of order).
    """
    blocks: List[str] = []
    number = 1
    for message in messages:
        lines = [str(message["text"])] if message.get("text") else []
        buttons = message.get("buttons") or []
        lines += choice_lines(buttons, choice_template, number)
        number += len(buttons)
        if lines:
            blocks.append("\n".join(lines))
    blocks.extend(extra)
    converted = (to_gsm7(block) for block in blocks)
    return split_message("\n\n".join(block for block in converted if block), limit)
