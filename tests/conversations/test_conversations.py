"""Whole conversations, turn by turn, against a real server (REST and signed SMS): the multi-turn gate."""

from __future__ import annotations

import json
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.hotlines import directory
from bot.places import gazetteer
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tools.conversation_eval import Judge, http_sender, load_set, run
from tools.harness import Server

SETS = Path(__file__).parent
# Turn accuracy floor per set; every follow-up turn of a crisis conversation must be right.
FLOORS = {"blind.yml": 0.90}


def test_blind_conversations_are_held_like_an_advocate_would(rasa_sms: Server) -> None:
    places = gazetteer(frozenset(directory().regions))
    report = run(load_set(SETS / "blind.yml"), http_sender(rasa_sms.url, TWILIO_TOKEN, PUBLIC_URL), Judge.load(),
                 place_of=lambda text: places.find(text).country)
    figures = report.summary()
    out = PROJECT_ROOT / "results" / "conversations-blind.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    failures = "\n".join(f"{f['conversation']} [{f['turn']}] {f['user']!r}: {'; '.join(f['problems'])}"
                         for f in figures["failures"])
    crisis = [t for t in report.crisis_followups() if not t.ok]
    assert not crisis, "crisis follow-ups missed:\n" + "\n".join(f"{t.conversation} [{t.index}] {t.user!r}: "
                                                                   f"{'; '.join(t.problems)}" for t in crisis)
    assert figures["turn_accuracy"] >= FLOORS["blind.yml"], failures
