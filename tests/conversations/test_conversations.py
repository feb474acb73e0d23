"""Whole conversations, turn by turn, against a real server (REST and signed SMS): the multi-turn gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.hotlines import directory
from bot.places import gazetteer
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN
from tools.conversation_eval import Judge, http_sender, load_set, run
from tools.harness import Server

SETS = Path(__file__).parent
# Turn accuracy floor per set, and the share of crisis follow-up turns that must be right.
# blind.yml: every crisis follow-up. sealed.yml was measured once before anything was
# changed for it (80.1 % of turns, 97.4 % of crisis follow-ups; README "Understanding
# figures"): its floors are that first figure, so a change can only hold or improve it.
FLOORS = {"blind.yml": (0.90, 1.0), "sealed.yml": (0.80, 0.97)}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_conversations_are_held_like_an_advocate_would(rasa_sms: Server, name: str) -> None:
    places = gazetteer(frozenset(directory().regions))
    report = run(load_set(SETS / name), http_sender(rasa_sms.url, TWILIO_TOKEN, PUBLIC_URL), Judge.load(),
                 place_of=lambda text: places.find(text).country)
    figures = report.summary()
    out = PROJECT_ROOT / "results" / f"conversations-{Path(name).stem}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    failures = "\n".join(f"{f['conversation']} [{f['turn']}] {f['user']!r}: {'; '.join(f['problems'])}"
                         for f in figures["failures"])
    turn_floor, crisis_floor = FLOORS[name]
    crisis = report.crisis_followups()
    missed = [t for t in crisis if not t.ok]
    assert len(crisis) - len(missed) >= crisis_floor * len(crisis), "crisis follow-ups missed:\n" + "\n".join(
        f"{t.conversation} [{t.index}] {t.user!r}: {'; '.join(t.problems)}" for t in missed)
    assert figures["turn_accuracy"] >= turn_floor, failures
