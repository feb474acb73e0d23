"""SMS text rules: GSM-7 only, at most 320 characters a message, numbered choices.

The domain test renders every answer the assistant can give (domain.yml, every
faq answer, every hotline routing for every need and region, the HELP reply)
exactly as the SMS channel does and checks each message sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml

from bot.channels.sms import sms_words
from bot.channels.sms_text import (
    MAX_SMS_CHARS,
    choice_lines,
    chosen_payload,
    gsm7_length,
    is_gsm7,
    render_reply,
    split_message,
    to_gsm7,
)
from bot.config import PROJECT_ROOT, settings
from bot.conversation import State, Turn, composer
from bot.hotlines import directory
from bot.text import normalise

CHOICE = "Reply {n} for {title}"


# ---- GSM-7 ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "sent"),
    [
        ("It\u2019s \u201csafe\u201d", "It's \"safe\""),
        ("call now \u2014 or text \u2013 later\u2026", "call now - or text - later..."),
        ("you are not alone \U0001F49C\U0001F64F", "you are not alone"),
        ("fa\u00e7ade na\u00efve", "facade naive"),
        ("caf\u00e9 \u00e0 \u00fc\u00f1", "cafe a un"),  # GSM-7 has these, but they are folded too
        # Spanish: accents folded, opening marks dropped (issue 16), never a 70-character segment
        ("\u00bfEst\u00e1s a salvo? \u00a1Ll\u00e1manos! Se\u00f1ora", "Estas a salvo? Llamanos! Senora"),
        ("a\u00a0b\tc\u200bd", "a b cd"),
        ("line one\r\n\r\n\r\n\r\nline two", "line one\n\nline two"),
        ("\u2022 first\n\u2022 second", "- first\n- second"),
    ],
)
def test_text_is_transliterated_to_gsm7(raw: str, sent: str) -> None:
    assert to_gsm7(raw) == sent
    assert is_gsm7(to_gsm7(raw))


def test_non_gsm7_characters_are_detected() -> None:
    assert is_gsm7("Hello @ 100% [ok] \u20ac")
    for bad in ("\u2019", "\u2014", "\U0001F600", "\u00e7", "\u4f60"):
        assert not is_gsm7(f"a{bad}b")


def test_extension_characters_count_twice() -> None:
    assert gsm7_length("ab") == 2
    assert gsm7_length("\u20ac[]") == 6


# ---- splitting -------------------------------------------------------------------

def test_short_text_is_one_message() -> None:
    assert split_message("  Call 911.  ") == ["Call 911."]
    assert split_message("   ") == []


def test_long_lists_split_between_lines_never_inside_one() -> None:
    lines = [f"- Service {i}: call 1-800-555-{i:04d} or text START to 8{i:04d}" for i in range(12)]
    parts = split_message("\n".join(lines))
    assert len(parts) > 1
    assert all(gsm7_length(p) <= MAX_SMS_CHARS for p in parts)
    assert [line for p in parts for line in p.split("\n")] == lines


def test_paragraphs_are_kept_whole_where_they_fit() -> None:
    first, second = "A" * 200, "B" * 200
    assert split_message(f"{first}\n\n{second}") == [first, second]
    assert split_message("short one\n\nshort two") == ["short one\n\nshort two"]


def test_a_long_paragraph_splits_between_sentences() -> None:
    sentences = [f"This is sentence number {i} and it says something useful." for i in range(15)]
    parts = split_message(" ".join(sentences))
    assert all(gsm7_length(p) <= MAX_SMS_CHARS for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == " ".join(sentences)


def test_a_sentence_without_stops_splits_between_words() -> None:
    text = " ".join(f"word{i}" for i in range(120))
    parts = split_message(text)
    assert len(parts) > 1 and all(gsm7_length(p) <= MAX_SMS_CHARS for p in parts)
    assert " ".join(parts) == text


def test_a_single_overlong_word_is_cut_and_extension_characters_count() -> None:
    parts = split_message("x" * 700)
    assert [len(p) for p in parts] == [320, 320, 60]
    euro = split_message("\u20ac" * 200)
    assert [len(p) for p in euro] == [160, 40]


# ---- numbered choices ------------------------------------------------------------

BUTTONS = [{"title": "Yes, I can chat", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def test_buttons_become_numbered_lines() -> None:
    assert choice_lines(BUTTONS, CHOICE) == ["Reply 1 for Yes, I can chat", "Reply 2 for No"]


@pytest.mark.parametrize(
    ("reply", "payload"),
    [("1", "/affirm"), (" 2 ", "/deny"), ("2.", "/deny"), ("#1", "/affirm"), ("3", None), ("0", None),
     ("one", None), ("12 men", None), ("", None), ("1 2", None)],
)
def test_a_number_maps_back_to_its_buttons_payload(reply: str, payload: str | None) -> None:
    assert chosen_payload(reply, BUTTONS) == payload


def test_numbers_run_across_all_messages_of_a_reply_and_map_back_in_order() -> None:
    messages = [
        {"text": "First.", "buttons": [{"title": "A", "payload": "/a"}]},
        {"text": "Second."},
        {"text": "Third.", "buttons": [{"title": "B", "payload": "/b"}, {"title": "C", "payload": "/c"}]},
    ]
    [body] = render_reply(messages, CHOICE)
    assert body == "First.\nReply 1 for A\n\nSecond.\n\nThird.\nReply 2 for B\nReply 3 for C"
    every_button = [b for m in messages for b in m.get("buttons", [])]
    assert [chosen_payload(n, every_button) for n in "123"] == ["/a", "/b", "/c"]


# ---- every response in the domain ------------------------------------------------

def _responses() -> Iterator[Tuple[str, Dict[str, Any]]]:
    files = [PROJECT_ROOT / "domain.yml", *sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml"))]
    for path in files:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for name, variations in (loaded.get("responses") or {}).items():
            for i, variation in enumerate(variations):
                if variation.get("text"):
                    yield f"{path.name}:{name}[{i}]", variation


FOLLOW_UPS = ["cannot_talk", "ask_if_danger", "ask_text_option", "dont_want_to_call", "ask_what_to_do", "feel_scared", "ask_cost",
              "ask_language", "ask_confidential", "ask_police_immigration", "inform_contact_limits", "goodbye"]


def _routings() -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
    """Every composed reply kind: each need's first reply and its follow-ups, everywhere, in both languages."""
    found = directory()
    for language in ("en", "es"):
        for region in [None, *found.regions, "IN"]:
            for need in found.needs.values():
                for intent in need.intents[:1]:
                    state = composer().respond(State(region=region, language=language), Turn(intent=intent)).state
                    yield f"route:{intent}:{region}:{language}", _texts(State(region=region, language=language), intent)
                    for follow_up in FOLLOW_UPS:
                        yield f"route:{intent}>{follow_up}:{region}:{language}", _texts(state, follow_up)
            yield f"help:{region}:{language}", [{"text": t} for t in composer().menu(State(region=region, language=language))]


def _texts(state: State, intent: str) -> List[Dict[str, Any]]:
    return [{"text": m.text} for m in composer().respond(state, Turn(intent=intent)).messages]


def _every_reply() -> List[Tuple[str, List[Dict[str, Any]]]]:
    settings.cache_clear()
    replies = [(name, [variation]) for name, variation in _responses()]
    replies += list(_routings())
    assert len(replies) > 60, "the domain was not found"
    return replies


def _words(texts: List[str]) -> List[str]:
    return normalise(" ".join(texts)).split()


@pytest.mark.parametrize(("name", "messages"), _every_reply(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_reply_in_the_domain_is_gsm7_and_short_enough_and_loses_no_words(
    name: str, messages: List[Dict[str, Any]]
) -> None:
    words = sms_words()
    # The first reply of a conversation also carries the notice, and HELP its footer: the longest case.
    extra = [words["help_footer"] if name.startswith("help:") else "",
             words["first_notice"].format(exit=settings().quick_exit_phrases[0].upper())]
    bodies = render_reply(messages, words["choice"], [e for e in extra if e])
    assert bodies
    for body in bodies:
        assert is_gsm7(body), f"{name}: not GSM-7: {[c for c in body if not is_gsm7(c)]}"
        assert gsm7_length(body) <= MAX_SMS_CHARS, f"{name}: {gsm7_length(body)} characters"
    source = [m["text"] for m in messages]
    source += [line for m in messages for line in choice_lines(m.get("buttons") or [], words["choice"])]
    source += [e for e in extra if e]
    assert sorted(_words(bodies)) == sorted(_words(source)), f"{name}: words were lost or changed"


def test_sms_words_are_gsm7_themselves() -> None:
    for key, text in sms_words().items():
        assert is_gsm7(text), key
