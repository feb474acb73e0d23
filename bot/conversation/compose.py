"""Replies composed from the conversation's state, the hotline directory and the words file.

One piece of code decides what every turn says, so the same rules hold in the
first reply and the fifth (README "How it holds a conversation"):
- crisis (danger, suicide, a child at risk): every reply leads with the emergency
  number where the person is and answers the follow-up (cannot talk, text, do not
  want to call, what to do) until they say they are safe; never a goodbye or the menu;
- a disclosure: one acknowledging sentence, the one service that fits the need, the
  region, the person's age and how they can reach help, and at most one question;
- a knowledge question: the answer, then the need's service in one line;
- practical questions: answered from the service's own facts in the directory;
- the generic menu only when nothing is known; the region hint at most once; never
  the same reply three times in a row.
Words come from data/replies.yml, numbers from data/hotlines.yml.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, List, Sequence, Tuple

from bot.conversation.state import NO_NEED, State, Turn, update
from bot.conversation.words import Words
from bot.hotlines import HotlineDirectory, Service
from bot.text import normalise

# Which service facts answer a practical question (the service with them is preferred).
_KNOWS: Dict[str, Callable[[Service], bool]] = {
    "ask_cost": lambda s: bool(s.call),
    "ask_language": lambda s: s.speaks_spanish() or s.interpreters,
    "ask_confidential": lambda s: s.confidential is not None or s.anonymous,
    "ask_police_immigration": lambda s: s.not_police or s.not_immigration or bool(s.shares_without_consent),
    "ask_for_someone_else": lambda s: s.for_others,
}
# Turns that need no emergency reminder even where we have no hotlines.
_NO_REMINDER = frozenset({"greet", "goodbye", "thanks", "bot_challenge", "how_to_exit", "switch_language", "quick_exit"})
PRACTICAL = ("ask_cost", "ask_language", "ask_confidential", "ask_police_immigration", "ask_for_someone_else",
             "ask_what_happens", "ask_talk_to_person")
TEXT_MODES = ("cannot_talk", "text_only")
MAX_SERVICES_IN_CRISIS = 2


@dataclass(frozen=True)
class Message:
    """One message to send: text, and quick-reply buttons (title, payload)."""

    text: str
    buttons: Tuple[Tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Reply:
    messages: List[Message]
    state: State


@dataclass
class _Draft:
    """A reply being written: its lines, and state changes it makes (the hint said)."""

    lines: List[str] = field(default_factory=list)
    buttons: Tuple[Tuple[str, str], ...] = ()
    hint_shown: bool = False

    def add(self, *lines: str | None) -> _Draft:
        self.lines.extend(line for line in lines if line)
        return self


class Composer:
    """Turns (state, turn) into the reply and the next state."""

    def __init__(self, directory: HotlineDirectory, words: Words, default_region: str) -> None:
        self.directory = directory
        self.words = words
        self.default_region = default_region

    # ---- entry point ------------------------------------------------------
    def respond(self, before: State, turn: Turn, recent_bot_texts: Sequence[str] = ()) -> Reply:
        """The reply to one turn; alternatives are used rather than repeat the last two replies."""
        state = update(before, turn, self.directory)
        draft = self._compose(before, state, turn, variant=0)
        text = "\n".join(draft.lines)
        if len(recent_bot_texts) >= 2 and recent_bot_texts[-1] == recent_bot_texts[-2] == text:
            draft = self._compose(before, state, turn, variant=1)
        if draft.hint_shown:
            state = replace(state, hint_shown=True)
        return Reply([Message("\n".join(draft.lines), draft.buttons)], state)

    def menu(self, state: State) -> List[str]:
        """The generic menu with the core hotlines (also the body of every 4xx)."""
        draft = _Draft()
        self._menu(state, draft)
        return ["\n".join(draft.lines)]

    # ---- the decision -----------------------------------------------------
    def _compose(self, before: State, state: State, turn: Turn, variant: int) -> _Draft:
        draft = _Draft()
        lang = state.language
        intent = turn.intent
        if intent == "quick_exit":
            return draft.add(self.words.say(lang, "cleared"))
        if turn.place_choices and not turn.has("region"):
            return self._which_place(state, turn, draft)
        if state.crisis:
            return self._crisis(before, state, turn, draft, variant)
        handler = self._handlers().get(intent)
        need = self.directory.need_for_intent(intent)
        if turn.intent in ("nlu_fallback", "out_of_scope") and turn.need_guess == state.need and state.need \
                and state.need != before.need:
            draft = self._disclosure(state, state.need, draft)
        elif handler:
            draft = handler(before, state, turn, draft, variant)
        elif need and need != "core":
            draft = self._disclosure(state, need, draft)
        else:
            draft = self._not_understood(state, draft, variant)
        return self._danger_reminder(state, intent, draft)

    def _danger_reminder(self, state: State, intent: str, draft: _Draft) -> _Draft:
        """Outside the served regions the emergency number is the one number we have: it leads."""
        number = self._emergency(state)
        if self._supported(state) or not number or intent in _NO_REMINDER:
            return draft
        if not any(number in line for line in draft.lines[:1]):
            draft.lines.insert(0, self.words.say(state.language, "danger_reminder", emergency=number))
        return draft

    def _handlers(self) -> Dict[str, Callable[[State, State, Turn, _Draft, int], _Draft]]:
        return {
            "greet": lambda b, s, t, d, v: self._greet(s, d),
            "affirm": lambda b, s, t, d, v: self._yes_no(s, t, d, "glad_safe", v),
            "deny": lambda b, s, t, d, v: self._yes_no(s, t, d, "not_safe", v),
            "goodbye": lambda b, s, t, d, v: d.add(self._say(s, "goodbye")),
            "thanks": lambda b, s, t, d, v: d.add(self._say(s, "thanks")),
            "bot_challenge": lambda b, s, t, d, v: d.add(self._say(s, "bot_challenge")),
            "what_can_you_do": lambda b, s, t, d, v: d.add(self._say(s, "what_can_you_do")),
            "how_to_exit": lambda b, s, t, d, v: d.add(self._say(s, "how_to_exit")),
            "switch_language": lambda b, s, t, d, v: d.add(self._say(s, "switched_language")),
            "faq": lambda b, s, t, d, v: self._answer(s, t, d),
            "find_hotline": lambda b, s, t, d, v: self._find_hotline(s, d),
            "inform_region": lambda b, s, t, d, v: self._region_said(b, s, t, d),
            "inform_identity": lambda b, s, t, d, v: self._identity(s, t, d),
            "inform_helper": lambda b, s, t, d, v: self._helper(s, d),
            "inform_contact_limits": lambda b, s, t, d, v: self._contact_limits(s, d),
            "cannot_talk": lambda b, s, t, d, v: self._options(s, d, "crisis_cannot_talk", t),
            "ask_text_option": lambda b, s, t, d, v: self._text_question(s, d, t),
            "dont_want_to_call": lambda b, s, t, d, v: self._options(s, d, "crisis_dont_want_to_call", t),
            "ask_what_to_do": lambda b, s, t, d, v: self._what_to_do(s, d),
            "ask_if_danger": lambda b, s, t, d, v: self._if_danger(s, d),
            "feel_scared": lambda b, s, t, d, v: self._scared(s, d, v),
            "say_safe": lambda b, s, t, d, v: self._safe_now(b, s, d, v),
            **{name: (lambda n: lambda b, s, t, d, v: self._practical(s, n, d, None, t))(name) for name in PRACTICAL},
        }

    # ---- crisis -----------------------------------------------------------
    def _crisis(self, before: State, state: State, turn: Turn, draft: _Draft, variant: int) -> _Draft:
        crisis = state.crisis or "danger"
        injury = crisis == "suicide"
        draft.add(self._crisis_lead(state, crisis, variant, injury))
        intent = turn.intent
        services = [s for s in self._services(crisis, state) if not self._is_emergency(s)][:MAX_SERVICES_IN_CRISIS]
        new_crisis = self.directory.need_for_intent(intent) == crisis
        said_contact = turn.first("contact")
        if intent == "cannot_talk" or said_contact == "cannot_talk" or (
                intent == "inform_contact_limits" and state.contact in TEXT_MODES):
            draft.add(self._say(state, "crisis_cannot_talk"), self._silent(state))
            draft.add(*self._text_lines(state, crisis))
        elif said_contact == "text_only":
            draft.add(self._say(state, "crisis_text"), *self._text_lines(state, crisis), self._text_911(state))
        elif intent in ("ask_text_option", "inform_contact_limits") and state.contact == "deaf":
            self._contact_limits(state, draft)
        elif intent in ("ask_text_option", "inform_contact_limits"):
            draft.add(self._say(state, "crisis_text"), *self._text_lines(state, crisis), self._text_911(state))
        elif intent == "dont_want_to_call":
            draft.add(self._say(state, "crisis_dont_want_to_call"), *self._text_lines(state, crisis))
        elif intent == "ask_what_to_do":
            draft.add(self._say(state, "crisis_what_to_do", crisis), *self._lines(services[:1], state))
        elif intent == "feel_scared":
            draft.add(self._say(state, "crisis_scared"), *self._lines(services[:1], state))
        elif intent == "faq" and turn.answer:
            draft.add(self._answer_text(state, turn), *self._lines(services[:1], state))
        elif intent == "ask_what_happens" and crisis != "suicide" and self._emergency(state):
            # In danger, "what do i say when i ring" is about the emergency call (in a suicidal
            # crisis it is about the crisis line, answered from its facts below).
            draft.add(self._say(state, "crisis_what_to_say"))
        elif intent in PRACTICAL:
            self._practical(state, intent, draft, crisis, turn)
        elif not self._supported(state):
            country = self._country_name(state)
            if self._emergency(state):
                draft.add(self.words.say(state.language, "no_local_hotlines", country=country,
                                         emergency=self._emergency(state, injury) or "").split(". ")[0] + ".")
            if not state.hint_shown:
                draft.add(self._say(state, "other_regions"))
                draft.hint_shown = True
        elif new_crisis or before.crisis != state.crisis or self._asks_for_help(intent):
            if turn.answer and turn.answer_need == crisis:
                draft.add(self._answer_text(state, turn))  # the question asked, inside the crisis
            draft.add(self._say(state, "crisis_first", crisis), *self._lines(services, state))
            if state.contact in TEXT_MODES:
                draft.add(self._silent(state))
        elif state.contact in TEXT_MODES:
            draft.add(self._say(state, "crisis_still_here", turn=variant), self._silent(state),
                      *self._text_lines(state, crisis)[:1])
        else:
            draft.add(self._say(state, "crisis_still_here", turn=variant), *self._lines(services[:1], state))
        if state.contact == "deaf":
            self._emergency_for_deaf(state, draft)
        return self._hint(state, draft)

    def _emergency_for_deaf(self, state: State, draft: _Draft) -> None:
        """"Call 000" is no use to someone who cannot hear: the emergency's TTY or text line, after the lead."""
        emergency = self._emergency_service(state)
        if emergency is None or not (emergency.tty or emergency.text):
            return
        line = self._line(emergency, state)
        if line not in draft.lines:
            draft.lines.insert(1, line)

    def _asks_for_help(self, intent: str) -> bool:
        """A request for help or a new disclosure (mid-crisis, it gets the crisis services again)."""
        return intent == "find_hotline" or self.directory.need_for_intent(intent) not in (None, "core")

    def _crisis_lead(self, state: State, crisis: str, variant: int, injury: bool = False) -> str:
        number = self._emergency(state, injury)
        if number is None:
            country = self._country_name(state)
            return self.words.say(state.language, "no_emergency_known", country=country)
        return self.words.say(state.language, "crisis_lead", crisis, turn=variant, emergency=number)

    def _silent(self, state: State) -> str | None:
        service = self._emergency_service(state)
        if service is None:
            return None
        return (service.silent_es if state.language == "es" else None) or service.silent

    def _text_911(self, state: State) -> str | None:
        service = self._emergency_service(state)
        return self._say(state, "text_911") if service and service.text else None

    def _text_lines(self, state: State, need: str) -> List[str]:
        """Up to two services with a text or chat option: the need's, then the region's text lines."""
        found: List[Service] = []
        for service in [*self._services(need, state), *self._services("crisis_text", state)]:
            if service.has_text_or_chat and not self._is_emergency(service) and service not in found:
                found.append(service)
        return [self._line(s, state, prefer_text=True) for s in found[:2]]

    def _safe_now(self, before: State, state: State, draft: _Draft, variant: int) -> _Draft:
        """They say they are safe: the crisis ends, and one service to plan what's next."""
        if not before.crisis:
            return draft.add(self._say(state, "glad_safe_now"), self._say(state, "anything_else", turn=variant))
        need = state.need if state.need in self.directory.needs else before.crisis
        services = [s for s in self._services(need or "core", state) if not self._is_emergency(s)]
        draft.add(self._say(state, "crisis_ended"), *self._lines(services[:1], state))
        number = self._emergency(state)
        return self._hint(state, draft.add(self._say(state, "if_it_changes", emergency=number) if number else None))

    # ---- needs ------------------------------------------------------------
    def _disclosure(self, state: State, need: str, draft: _Draft) -> _Draft:
        lang = state.language
        services = self._services(need, state)
        if not services and self._supported(state):
            return draft.add(self.words.say(lang, "no_line", region=self._region_name(state),
                                            emergency=self._emergency(state) or ""))
        if not self._supported(state):
            return self._unsupported(state, need, draft)
        key = "acknowledge_helper" if state.helper else "acknowledge"
        if "men" in state.facets and need == "domestic_abuse" and not state.helper:
            draft.add(self._say(state, "men"))
        draft.add(self._say(state, key, need if need in ("domestic_abuse", "trafficking", "image_threat",
                                                           "sexual_assault", "child_exploitation") else "core"))
        count = 2 if need == "child_exploitation" or (services and not services[0].call) else 1
        draft.add(*self._lines(services[:count], state))
        self._hint(state, draft)
        if not draft.hint_shown and need == "image_threat" and not {"under_18", "adult"} & set(state.facets):
            draft.add(self._say(state, "age_question"))
        return draft

    def _find_hotline(self, state: State, draft: _Draft) -> _Draft:
        if state.need and state.need != "core":
            return self._disclosure(state, state.need, draft)
        return self._menu(state, draft)

    def _menu(self, state: State, draft: _Draft) -> _Draft:
        if not self._supported(state):
            return self._unsupported(state, None, draft)
        draft.add(self._say(state, "menu"), *self._lines(self._services("core", state), state))
        return self._hint(state, draft)

    def _answer(self, state: State, turn: Turn, draft: _Draft) -> _Draft:
        draft.add(self._answer_text(state, turn))
        if state.helper:
            draft.add(self._say(state, "helper_reminder"))
        named = self._named_service(turn.text, state)
        if named and self._supported(state):
            return self._hint(state, draft.add(self._line(named, state)))
        need = state.need or turn.answer_need
        if need and need != NO_NEED and need in self.directory.needs:
            services = [s for s in self._services(need, state) if not self._is_emergency(s)]
            if services and self._supported(state):
                draft.add(self._line(services[0], state))
                self._hint(state, draft)
            elif not self._supported(state):
                self._unsupported(state, need, draft)
        return draft

    def _answer_text(self, state: State, turn: Turn) -> str:
        return turn.answer.get(state.language) or turn.answer.get("en") or ""

    # ---- follow-ups outside a crisis -----------------------------------------
    def _options(self, state: State, draft: _Draft, opening: str, turn: Turn) -> _Draft:
        """"I can't talk" / "I don't want to call": ways to reach help without a voice call."""
        special = self._without_voice(state, draft, turn)
        if special:
            return special
        need = state.need or "core"
        draft.add(self._say(state, opening), *self._text_lines(state, need))
        return self._hint(state, draft)

    def _without_voice(self, state: State, draft: _Draft, turn: Turn) -> _Draft | None:
        """A deaf person's TTY and relay options, or the emergency number's own way without a voice
        when the message names it ("can i text 911", "how do i get 000"); None otherwise."""
        if state.contact == "deaf":
            return self._contact_limits(state, draft)
        if any(n in turn.text for n in self.directory.emergency_numbers(self._region(state))):
            return self._emergency_without_voice(state, draft)
        return None

    def _emergency_without_voice(self, state: State, draft: _Draft) -> _Draft:
        """The emergency service's own text option, or its silent-call instructions."""
        emergency = self._emergency_service(state)
        if emergency is None:
            return draft.add(self._say(state, "crisis_cannot_talk"))
        if emergency.text:
            return draft.add(self._line(emergency, state, prefer_text=True), self._text_911(state))
        return draft.add(self._silent(state) or self._say(state, "crisis_cannot_talk"))

    def _text_question(self, state: State, draft: _Draft, turn: Turn) -> _Draft:
        special = self._without_voice(state, draft, turn)
        if special:
            return special
        need = state.need if state.need and state.need != "core" else "crisis_text"
        services = [s for s in self._services(need, state) if not self._is_emergency(s)]
        first = services[0] if services else None
        if first and first.has_text_or_chat:
            draft.add(self._say(state, "text_yes"), self._line(first, state, prefer_text=True),
                      self._say(state, "text_history"))
            if first.text_safety:
                draft.add(self._say(state, "text_safety", service=first.name))
        else:
            name = first.name if first else ""
            draft.add(self._say(state, "text_none", service=name) if first else self._say(state, "crisis_text"),
                      *self._text_lines(state, "crisis_text")[:1])
        return self._hint(state, draft)

    def _what_to_do(self, state: State, draft: _Draft) -> _Draft:
        if not state.need or state.need == "core":
            return draft.add(self._say(state, "ask_what_is_happening"))
        services = [s for s in self._services(state.need, state) if not self._is_emergency(s)]
        return self._hint(state, draft.add(self._say(state, "what_to_do_need"), *self._lines(services[:1], state),
                                           self._if_in_danger(state)))

    def _if_danger(self, state: State, draft: _Draft) -> _Draft:
        """"What if he gets violent": the emergency number for then, the silent option, the need's service."""
        number = self._emergency(state)
        if number is None:
            return draft.add(self.words.say(state.language, "no_emergency_known", country=self._country_name(state)))
        draft.add(self._say(state, "if_in_danger", emergency=number), self._silent(state))
        need = state.need if state.need and state.need != "core" else "danger"
        services = [s for s in self._services(need, state) if not self._is_emergency(s)]
        return self._hint(state, draft.add(*self._lines(services[:1], state)))

    def _scared(self, state: State, draft: _Draft, variant: int) -> _Draft:
        draft.add(self._crisis_lead(state, "danger", variant), self._say(state, "crisis_scared"))
        services = [s for s in self._services(state.need or "danger", state) if not self._is_emergency(s)]
        return self._hint(state, draft.add(*self._lines(services[:1], state)))

    def _region_said(self, before: State, state: State, turn: Turn, draft: _Draft) -> _Draft:
        if not self._supported(state):
            return self._unsupported(state, state.need, draft)
        draft.add(self.words.say(state.language, "region_now", region=self._region_name(state)))
        if state.need and state.need != "core":
            services = [s for s in self._services(state.need, state) if not self._is_emergency(s)]
            return draft.add(*self._lines(services[:1], state))
        return draft.add(self._say(state, "ask_what_is_happening"))

    def _identity(self, state: State, turn: Turn, draft: _Draft) -> _Draft:
        facets = set(turn.entities.get("facet") or ())
        if "under_18" in facets:
            draft.add(self._say(state, "under_18"))
        elif "men" in facets:
            draft.add(self._say(state, "men"))
        elif "native" in facets:
            draft.add(self._say(state, "native"))
        need = state.need if state.need and state.need != "core" else None
        if need is None:
            return draft.add(self._say(state, "ask_what_is_happening"))
        services = [s for s in self._services(need, state) if not self._is_emergency(s)]
        return self._hint(state, draft.add(*self._lines(services[:1], state)))

    def _helper(self, state: State, draft: _Draft) -> _Draft:
        need = state.need if state.need and state.need != "core" else None
        if need is None:
            return draft.add(self._say(state, "acknowledge_helper", "core").rstrip(":") + ".",
                             self._say(state, "ask_what_is_happening"))
        return self._disclosure(state, need, draft)

    def _contact_limits(self, state: State, draft: _Draft) -> _Draft:
        need = state.need if state.need and state.need != "core" else "core"
        services = [s for s in self._services(need, state) if not self._is_emergency(s)]
        if state.contact == "deaf":
            emergency = self._emergency_service(state)
            with_tty = [s for s in [emergency, *services] if s and (s.tty or s.tty_note or s.text or s.chat)]
            draft.add(self._say(state, "tty_options"), *(self._line(s, state) for s in with_tty[:2]))
        elif state.contact == "no_calls":
            online = [s for s in [*services, *self._services("crisis_text", state)] if s.chat or s.web]
            draft.add(self._say(state, "chat_options"), *(self._line(s, state) for s in online[:2]))
        else:
            draft.add(self._say(state, "crisis_text"), *self._text_lines(state, need))
        return self._hint(state, draft)

    # ---- practical questions -------------------------------------------------
    def _practical(self, state: State, intent: str, draft: _Draft, crisis: str | None = None,
                   turn: Turn | None = None) -> _Draft:
        need = crisis or (state.need if state.need and state.need != "core" else "core")
        services = [s for s in self._services(need, state) if not self._is_emergency(s)]
        named = self._named_service(turn.text if turn else "", state)
        if named:
            services = [named, *services]
        elif intent in _KNOWS:
            # The need's service whose own facts answer this question, when one has them.
            services = sorted(services, key=lambda s: not _KNOWS[intent](s))
        if not services:
            return self._menu(state, draft) if not crisis else draft
        service = services[0]
        name = service.name
        if intent == "ask_cost":
            free = service.free if service.free is not None else _toll_free(service, state.region or self.default_region)
            draft.add(self._say(state, "cost_free" if free else "cost_unknown", service=name), self._say(state, "cost_bill"))
        elif intent == "ask_language":
            if service.speaks_spanish():
                draft.add(self._say(state, "language_spanish", service=name))
            if service.interpreters:
                draft.add(self._say(state, "language_interpreters", service=name))
            if not service.speaks_spanish() and not service.interpreters:
                draft.add(self._say(state, "language_unknown", service=name))
            interpreting = self._services("interpreting", state) if "interpreting" in self.directory.needs else []
            if interpreting:
                draft.add(self._say(state, "interpreting"), *self._lines(interpreting[:1], state))
        elif intent == "ask_confidential":
            if service.anonymous:
                draft.add(self._say(state, "anonymous_yes", service=name))
            if service.confidential:
                draft.add(self._say(state, "confidential_yes", service=name))
            elif not service.anonymous:
                draft.add(self._say(state, "confidential_unknown", service=name))
            self._police_facts(state, service, draft)
        elif intent == "ask_police_immigration":
            if service.confidential:
                draft.add(self._say(state, "confidential_yes", service=name))
            if not self._police_facts(state, service, draft):
                draft.add(self._say(state, "police_unknown", service=name))
        elif intent == "ask_for_someone_else":
            draft.add(self._say(state, "for_others_yes" if service.for_others else "for_others_general", service=name))
        elif intent == "ask_what_happens":
            draft.add(self._say(state, "what_happens"), self._hours(state, service))
        elif intent == "ask_talk_to_person":
            draft.add(self._say(state, "talk_to_person"), self._hours(state, service))
        draft.add(self._line(service, state))
        return self._hint(state, draft)

    def _hours(self, state: State, service: Service) -> str | None:
        return self._say(state, "open_247", service=service.name) if service.hours == "24/7" else None

    def _police_facts(self, state: State, service: Service, draft: _Draft) -> bool:
        name = service.name
        said = False
        if service.not_police and service.not_immigration:
            draft.add(self._say(state, "not_police_or_immigration", service=name))
            said = True
        elif service.not_police and service.not_government:
            draft.add(self._say(state, "not_police_or_government", service=name))
            said = True
        elif service.not_police:
            draft.add(self._say(state, "not_police", service=name))
            said = True
        exceptions = (service.shares_without_consent_es if state.language == "es" else ()) or service.shares_without_consent
        if exceptions:
            joiner = f" {self._say(state, 'or')} "
            draft.add(self._say(state, "shares_only_with_consent", exceptions=joiner.join(exceptions)))
            said = True
        return said

    def _named_service(self, text: str, state: State) -> Service | None:
        """A service the message names ("is childline free"), preferring the person's region."""
        words = f" {normalise(text)} "
        if not words.strip():
            return None
        region = self._region(state)
        found = [s for s in self.directory.services.values() if not self._is_emergency(s)
                 and any(f" {n} " in words for n in _names_of(s))]
        found.sort(key=lambda s: not s.key.startswith(region.lower() + "_"))
        return found[0] if found else None

    # ---- greetings and the rest ------------------------------------------------
    def _greet(self, state: State, draft: _Draft) -> _Draft:
        yes, no = self.words.get(state.language, "greet_buttons")
        draft.buttons = ((str(yes), "/affirm"), (str(no), "/deny"))
        return draft.add(self._say(state, "greet"))

    def _yes_no(self, state: State, turn: Turn, draft: _Draft, after_greeting: str, variant: int) -> _Draft:
        if turn.previous_bot_text and turn.previous_bot_text in self.words.alternatives_everywhere("greet"):
            if after_greeting == "not_safe":
                return draft.add(self.words.say(state.language, "not_safe", emergency=self._emergency(state) or ""))
            return draft.add(self._say(state, after_greeting))
        return draft.add(self._say(state, "anything_else", turn=variant))

    def _not_understood(self, state: State, draft: _Draft, variant: int) -> _Draft:
        if state.contact == "deaf":
            return self._contact_limits(state, draft)
        if state.need and state.need != "core":
            services = [s for s in self._services(state.need, state) if not self._is_emergency(s)]
            reminder = self._say(state, "helper_reminder") if state.helper else None
            return self._hint(state, draft.add(reminder or self._say(state, "not_understood", turn=variant),
                                               *self._lines(services[:1], state), self._if_in_danger(state)))
        return self._menu(state, draft)

    def _if_in_danger(self, state: State) -> str | None:
        """"If you are ever in danger, call 999": where a reply may be read as a plan for later."""
        number = self._emergency(state)
        return self._say(state, "if_in_danger", emergency=number) if number and self._supported(state) else None

    # ---- places -------------------------------------------------------------
    def _which_place(self, state: State, turn: Turn, draft: _Draft) -> _Draft:
        lang = state.language
        names = [self._country_name(replace(state, region=code)) for code in turn.place_choices]
        choices = f" {self._say(state, 'or')} ".join(names)
        if state.crisis:
            numbers = [n for code in turn.place_choices for n in self.directory.emergency_numbers(code)[:1]]
            joined = f" {self._say(state, 'or')} ".join(dict.fromkeys(numbers))
            draft.add(self.words.say(lang, "crisis_lead", state.crisis, emergency=joined))
        return draft.add(self.words.say(lang, "which_place", place=(turn.place_name or "").title(), choices=choices))

    def _unsupported(self, state: State, need: str | None, draft: _Draft) -> _Draft:
        number = self._emergency(state)
        country = self._country_name(state)
        if number:
            draft.add(self.words.say(state.language, "no_local_hotlines", country=country, emergency=number))
        else:
            draft.add(self.words.say(state.language, "no_emergency_known", country=country))
        anywhere = [s for s in self._services(need or "core", replace(state, region=self.default_region)) if s.anywhere]
        if anywhere:
            draft.add(self._say(state, "works_anywhere"), *self._lines(anywhere[:2], state))
        if not state.hint_shown:
            draft.add(self._say(state, "other_regions"))
            draft.hint_shown = True
        return draft

    # ---- building blocks ------------------------------------------------------
    def _say(self, state: State, *path: str, turn: int = 0, **values: str) -> str:
        return self.words.say(state.language, *path, turn=turn, **values)

    def _supported(self, state: State) -> bool:
        return self.directory.has_region(state.region or self.default_region)

    def _region(self, state: State) -> str:
        return state.region or self.default_region

    def _region_name(self, state: State) -> str:
        region = self.directory.regions.get(self._region(state))
        return region.name_in(state.language) if region else self._country_name(state)

    def _country_name(self, state: State) -> str:
        code = self._region(state)
        if code in self.directory.regions:
            return self.directory.regions[code].name_in(state.language)
        found = self.directory.emergencies.get(code)
        return found.name if found else code

    def _emergency_service(self, state: State) -> Service | None:
        region = self.directory.regions.get(self._region(state))
        return self.directory.services[region.emergency] if region else None

    def _emergency(self, state: State, injury: bool = False) -> str | None:
        """The number to call in danger (an injury: the ambulance where that is another number)."""
        code = self._region(state)
        if code in self.directory.regions:
            return self.directory.emergency_numbers(code)[0]
        found = self.directory.emergencies.get(code)
        if found is None:
            return None
        return (found.ambulance if injury and found.ambulance else None) or found.call

    def _is_emergency(self, service: Service) -> bool:
        return any(region.emergency == service.key for region in self.directory.regions.values())

    def _services(self, need: str, state: State) -> List[Service]:
        """The need's services where the person is, for who they are, best for how they can reach help."""
        region = self._region(state)
        if region not in self.directory.regions:
            return []
        found = self.directory.services_for(need, region, state.facets)
        if "under_18" in state.facets:
            found = [s for s in found if not s.adults_only] or found
        if state.language == "es":
            found = sorted(found, key=lambda s: not s.speaks_spanish())
        if state.contact in (*TEXT_MODES, "no_calls"):
            found = sorted(found, key=lambda s: not s.has_text_or_chat)
        return found

    def _lines(self, services: Sequence[Service], state: State) -> List[str]:
        return [self._line(s, state) for s in services]

    def _line(self, service: Service, state: State, prefer_text: bool = False) -> str:
        """"- Label: call X, text KEY to N or chat at W", in the person's language and contact order."""
        lang = state.language
        contact = self.words.get(lang, "contact")
        spanish = service.spanish if lang == "es" else {}
        ways: Dict[str, str] = {}
        if service.call:
            note = spanish.get("call_note_es") or spanish.get("call_note") if lang == "es" else None
            ways["call"] = (contact["call_spanish"].format(number=service.call, note=note) if note
                            else contact["call"].format(number=service.call))
        if service.text:
            keyword = spanish.get("text_keyword") or service.text_keyword
            ways["text"] = (contact["text_keyword"].format(keyword=keyword, number=service.text) if keyword
                            else contact["text"].format(number=service.text))
            note = (service.text_note_es if lang == "es" else None) or service.text_note
            if note:
                ways["text"] += " " + contact["text_note"].format(note=note)
        chat = spanish.get("chat") or service.chat
        if chat:
            ways["chat"] = contact["chat"].format(address=chat)
        web = spanish.get("web") or service.web
        if web and not chat:
            ways["web"] = contact["web"].format(address=web)
        if service.tty and state.contact == "deaf":
            ways["tty"] = contact["tty"].format(number=service.tty)
        order = ["call", "text", "chat", "web", "tty"]
        if prefer_text or state.contact in TEXT_MODES:
            order = ["text", "chat", "web", "call", "tty"]
        elif state.contact == "no_calls":
            order = ["chat", "web", "text", "call", "tty"]
        elif state.contact == "deaf":
            order = ["tty", "text", "chat", "web", "call"]
        parts = [ways[k] for k in order if k in ways]
        if prefer_text:
            parts = [p for k, p in ((k, ways[k]) for k in order if k in ways) if k != "call"] or parts
        if len(parts) > 1:
            joined = contact["joiner"].join(parts[:-1]) + contact["last_joiner"] + parts[-1]
        else:
            joined = parts[0] if parts else ""
        return f"- {service.label_in(lang)}: {joined}"

    def _hint(self, state: State, draft: _Draft) -> _Draft:
        """Say once which region the numbers are for, while the person has not said where they are."""
        if state.region or state.hint_shown or draft.hint_shown:
            return draft
        if any(line.startswith("- ") for line in draft.lines):
            draft.add(self.words.say(state.language, "region_hint", region=self._region_name(state)))
            draft.hint_shown = True
        return draft


def _names_of(service: Service) -> List[str]:
    """How people name a service: its name and label, before any bracket or comma, if specific enough."""
    key = (service.key, service.name, service.label, service.names)
    cached = _NAMES.get(key)
    if cached is None:
        cached = [normalise(n) for n in service.names]
        for raw in (service.name, service.label):
            name = normalise(raw.split("(")[0].split(",")[0])
            if len(name) >= 5 and name not in _GENERIC_NAMES:
                cached.append(name)
        _NAMES[key] = cached
    return cached


_NAMES: Dict[Tuple[str, ...] | Tuple[Any, ...], List[str]] = {}


# Labels that name a kind of service, not one service.
_GENERIC_NAMES = frozenset({"emergency", "trafficking hotline", "domestic violence hotline", "domestic abuse helpline",
                            "lifeline", "samaritans"})


def _toll_free(service: Service, region: str) -> bool:
    """Whether the service's number is free to call, by its number type (phonenumbers: TOLL_FREE)."""
    if not service.call:
        return False
    import phonenumbers

    try:
        parsed = phonenumbers.parse(service.call, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE


