"""Whole conversations, judged turn by turn: the multi-turn test sets (tests/conversations/).

    python -m tools.conversation_eval tests/conversations/blind.yml --url http://127.0.0.1:5005 \
        [--sms-token T --sms-url U] [--out results/conversations-blind.json]

Each conversation is sent, turn by turn, to a running assistant (REST, or signed
SMS) under a fresh conversation id, and every reply is checked against the
turn's `expect` (the format is in tests/conversations/README.md). Service keys
are resolved through the hotline directory and emergency numbers through
data/emergency_numbers.yml, so a number a content editor changes is judged by
its new value.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Sequence, Set, Tuple

import yaml

from bot.config import PROJECT_ROOT
from bot.text import normalise

DIRECTORY = PROJECT_ROOT / "data" / "hotlines.yml"
EMERGENCY = PROJECT_ROOT / "data" / "emergency_numbers.yml"
DEFAULT_REGION = "US"

# A phone number or short code as replies write them: "1-800-799-7233", "0808 2000 247", "988".
_NUMBER = re.compile(r"(?<![\w/])\+?\d(?:[\d]|[ .-](?=\d)){2,17}(?![\w/])")
_WEB = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/[\w/.-]*)?")
_GOODBYE = re.compile(r"\b(take care|goodbye|bye)\b", re.IGNORECASE)
# The generic menu: four or more different services' phone numbers in one reply, or its words.
MENU_MIN_SERVICES = 4


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def numbers_in(text: str) -> List[str]:
    """Every phone number or code (3+ digits) in a reply, as digits, in order."""
    return [d for d in (digits(m) for m in _NUMBER.findall(text)) if len(d) >= 3]


@dataclass(frozen=True)
class Contacts:
    """How one service can be recognised in a reply."""

    calls: frozenset
    texts: frozenset
    ttys: frozenset
    webs: frozenset

    def any_number(self) -> frozenset:
        return self.calls | self.texts | self.ttys


def _contacts(entry: Mapping[str, Any]) -> Contacts:
    def nums(*keys: str) -> frozenset:
        return frozenset(digits(str(entry[k])) for k in keys if entry.get(k))

    webs = {str(entry[k]).lower().split("/")[0] for k in ("web", "chat") if entry.get(k)}
    return Contacts(nums("call", "also_call"), nums("text"), nums("tty"), frozenset(webs))


@dataclass
class Judge:
    """Checks replies against expectations, with the directory's and emergency table's numbers."""

    services: Dict[str, Contacts]
    emergency: Dict[str, Set[str]]  # region -> emergency numbers (digits)

    @classmethod
    def load(cls, directory: Path = DIRECTORY, emergency: Path = EMERGENCY) -> Judge:
        raw = yaml.safe_load(directory.read_text(encoding="utf-8"))
        services = {key: _contacts(entry) for key, entry in raw["services"].items()}
        numbers: Dict[str, Set[str]] = {}
        for code, country in yaml.safe_load(emergency.read_text(encoding="utf-8"))["countries"].items():
            numbers[code] = {digits(str(n)) for n in [country["call"], *(country.get("also") or []),
                                                      country.get("police"), country.get("ambulance")] if n}
        for code, region in raw["regions"].items():
            contacts = services[region["emergency"]]
            numbers[code] = set(contacts.calls)
        return cls(services, numbers)

    def found_services(self, reply: str) -> Set[str]:
        nums = set(numbers_in(reply))
        lowered = reply.lower()
        return {key for key, c in self.services.items()
                if nums & c.any_number() or any(w in lowered for w in c.webs)}

    def _gives(self, key: str, reply: str) -> bool:
        contacts = self.services[key]
        return bool(set(numbers_in(reply)) & contacts.any_number()) or any(w in reply.lower() for w in contacts.webs)

    def _text_option(self, key: str, reply: str) -> bool:
        contacts = self.services[key]
        return bool(set(numbers_in(reply)) & contacts.texts) or any(w in reply.lower() for w in contacts.webs)

    def _tty(self, key: str, reply: str) -> bool:
        return bool(set(numbers_in(reply)) & self.services[key].ttys) or bool(re.search(r"\b(711|relay|tty)\b", reply, re.I))

    def failures(self, expect: Mapping[str, Any], reply: str, regions: Sequence[str], menu_words: Iterable[str]) -> List[str]:
        """What this reply gets wrong; `regions` are the emergency regions acceptable at this turn."""
        problems = []
        folded = normalise(reply)
        if expect.get("first") == "emergency":
            found = numbers_in(reply)
            allowed = set().union(*(self.emergency.get(r, set()) for r in regions))
            if not found or found[0] not in allowed:
                first = found[0] if found else 'none'
                problems.append(f"first number {first} is not the emergency number of {'/'.join(regions)}")
        for key in expect.get("includes") or []:
            if not self._gives(key, reply):
                problems.append(f"does not give {key}")
        if expect.get("includes_any") and not any(self._gives(k, reply) for k in expect["includes_any"]):
            problems.append(f"gives none of {expect['includes_any']}")
        for key in expect.get("excludes") or []:
            if self._gives(key, reply):
                problems.append(f"gives {key}, which does not fit")
        if expect.get("text_option") and not any(self._text_option(k, reply) for k in expect["text_option"]):
            problems.append(f"no text or chat option of {expect['text_option']}")
        if expect.get("tty") and not any(self._tty(k, reply) for k in expect["tty"]):
            problems.append(f"no TTY or relay option of {expect['tty']}")
        if expect.get("no_menu"):
            calls = set(numbers_in(reply)) & set().union(*(c.calls for c in self.services.values()))
            if len(calls) >= MENU_MIN_SERVICES or any(normalise(w) in folded for w in menu_words):
                problems.append("the generic menu")
        if expect.get("no_goodbye") and _GOODBYE.search(reply):
            problems.append("a goodbye")
        if expect.get("says_any") and not any(normalise(w) in folded for w in expect["says_any"]):
            problems.append(f"says none of {expect['says_any']}")
        for word in expect.get("says_none") or []:
            if normalise(word) in folded:
                problems.append(f"says {word!r}")
        if expect.get("erased") and (numbers_in(reply) or len(reply) > 80):
            problems.append("not a quiet erase")
        return problems


@dataclass
class TurnResult:
    conversation: str
    cls: str
    index: int
    user: str
    reply: str
    problems: List[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Report:
    turns: List[TurnResult] = field(default_factory=list)

    def accuracy(self, predicate: Callable[[TurnResult], bool] = lambda t: True) -> float:
        chosen = [t for t in self.turns if predicate(t)]
        return sum(t.ok for t in chosen) / max(1, len(chosen))

    def crisis_followups(self) -> List[TurnResult]:
        """The follow-up turns (after the first) of crisis conversations."""
        return [t for t in self.turns if t.cls == "crisis_followup" and t.index > 0]

    def conversations_passed(self) -> Tuple[int, int]:
        by_conversation: Dict[str, bool] = defaultdict(lambda: True)
        for turn in self.turns:
            by_conversation[turn.conversation] &= turn.ok
        return sum(by_conversation.values()), len(by_conversation)

    def summary(self) -> Dict[str, Any]:
        passed, total = self.conversations_passed()
        by_class: Dict[str, List[TurnResult]] = defaultdict(list)
        for turn in self.turns:
            by_class[turn.cls].append(turn)
        followups = self.crisis_followups()
        return {
            "turns": len(self.turns),
            "turn_accuracy": round(self.accuracy(), 4),
            "crisis_followup_accuracy": round(sum(t.ok for t in followups) / max(1, len(followups)), 4),
            "conversations_passed": passed,
            "conversations": total,
            "by_class": {c: round(sum(t.ok for t in ts) / len(ts), 4) for c, ts in sorted(by_class.items())},
            "failures": [{"conversation": t.conversation, "turn": t.index, "user": t.user, "reply": t.reply,
                          "problems": t.problems} for t in self.turns if not t.ok],
        }


Send = Callable[[str, str, Mapping[str, Any]], str]


def regions_at(conversation: Mapping[str, Any], index: int, place_of: Callable[[str], str | None]) -> List[str]:
    """Acceptable emergency regions at a turn: the conversation's region once it is known, else the default too."""
    region = conversation.get("region", DEFAULT_REGION)
    if region == DEFAULT_REGION:
        return [region]
    if conversation.get("channel") == "sms" and conversation.get("from"):
        from bot.places import country_for_phone

        if country_for_phone(str(conversation["from"])) == region:
            return [region]
    said = [place_of(t["user"]) for t in conversation["turns"][: index + 1]]
    return [region] if region in said else [region, DEFAULT_REGION, *filter(None, said)]


def run(conversations: Sequence[Mapping[str, Any]], send: Send, judge: Judge, menu_words: Iterable[str] = (),
        place_of: Callable[[str], str | None] = lambda text: None) -> Report:
    report = Report()
    for conversation in conversations:
        sender = f"eval-{uuid.uuid4().hex[:16]}"
        for index, turn in enumerate(conversation["turns"]):
            reply = send(sender, str(turn["user"]), conversation)
            problems = judge.failures(turn.get("expect") or {}, reply, regions_at(conversation, index, place_of),
                                      menu_words)
            report.turns.append(TurnResult(conversation["name"], conversation.get("class", ""), index,
                                           str(turn["user"]), reply, problems))
    return report


def http_sender(url: str, sms_token: str | None = None, sms_url: str | None = None) -> Send:
    """Send turns to a running assistant: REST, or a Twilio-signed SMS form for `channel: sms`."""
    import requests
    from twilio.request_validator import RequestValidator

    def send(sender: str, text: str, conversation: Mapping[str, Any]) -> str:
        if conversation.get("channel") == "sms":
            form = {"From": str(conversation.get("from") or "+15550001234"), "Body": text,
                    "MessageSid": "SM" + uuid.uuid4().hex}
            # One number per conversation: the sender id keeps conversations apart.
            form["From"] = form["From"][:-4] + str(int(sender[-4:], 16) % 10000).zfill(4)
            headers = {}
            if sms_token and sms_url:
                headers["X-Twilio-Signature"] = RequestValidator(sms_token).compute_signature(sms_url, form)
            reply = requests.post(url + "/webhooks/sms/webhook", data=form, headers=headers, timeout=60)
            return "\n".join(re.findall(r"<Message>(.*?)</Message>", reply.text, re.S)).replace("&amp;", "&")
        reply = requests.post(url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
        body = reply.json()
        messages = body if isinstance(body, list) else body.get("messages", [])
        return "\n".join(m.get("text", "") for m in messages)

    return send


def load_set(path: Path) -> List[Mapping[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"])


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("conversations", type=Path)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--sms-token")
    parser.add_argument("--sms-url")
    parser.add_argument("--directory", type=Path, default=DIRECTORY)
    parser.add_argument("--menu-words", action="append", default=[])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    from bot.places import gazetteer

    judge = Judge.load(args.directory)
    places = gazetteer(frozenset(yaml.safe_load(args.directory.read_text())["regions"]))
    report = run(load_set(args.conversations), http_sender(args.url, args.sms_token, args.sms_url), judge,
                 args.menu_words, lambda text: places.find(text).country)
    figures = report.summary()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2))
    for failure in figures["failures"]:
        print(f"- {failure['conversation']} [{failure['turn']}] {failure['user']!r}\n    -> {failure['reply'][:300]!r}\n"
              f"    {'; '.join(failure['problems'])}")
    print(f"{args.conversations}: turns {figures['turn_accuracy']:.1%} of {figures['turns']}, crisis follow-ups "
          f"{figures['crisis_followup_accuracy']:.1%}, whole conversations {figures['conversations_passed']}/"
          f"{figures['conversations']}")
    print("by class: " + ", ".join(f"{c} {v:.0%}" for c, v in figures["by_class"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
