"""Checks on the knowledge answers (utter_faq/... in data/nlu/*.yml): said, sourced, readable, safe."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from typing import Dict, Iterable, List, Mapping, Sequence, Set, Tuple

from bot.channels.sms_text import gsm7_length, to_gsm7
from tools.content.checks.rules import Rules
from tools.content.readability import measure
from tools.content.source import ERROR, NOTE, WARNING, Content, Finding, IntentBlock, Variation, YamlFile

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
# What Word and phones put around pasted text instead of straight quotes.
_CURLY_OPEN = "\u201c\u2018\u201e\u00ab\u201a"
_CURLY_CLOSE = "\u201d\u2019\u201c\u00bb\u2018"


def what(variation: Variation) -> str:
    """"the answer 'utter_faq/x'" plus its language when it is not English."""
    language = LANGUAGE_NAMES.get(variation.language or "", "conditional")
    suffix = "" if variation.language == "en" else f" ({language} version)"
    return f"the answer '{variation.name}'{suffix}"


def questions_without_answers(content: Content) -> List[Finding]:
    """Each question (faq/<name>) needs its answer (utter_faq/<name>), and each answer its question.

    Rasa's own check misses both: the question would get no reply, the answer never be said.
    """
    answers = content.answers()
    questions: Dict[str, IntentBlock] = {}
    for block in content.intents:
        if block.intent.startswith("faq/"):
            questions.setdefault(block.intent, block)
    found = [
        Finding(block.file, block.line, ERROR,
                f"the question '{name}' has no answer. Add 'utter_{name}:' with its text under 'responses:' "
                "(in the same file, next to the other answers).")
        for name, block in questions.items() if f"utter_{name}" not in answers
    ]
    found.extend(
        Finding(block.file, block.line, ERROR,
                f"the answer '{name}' has no question, so it is never said. Add '- intent: {name[len('utter_'):]}' "
                "with examples of how people ask it, or delete the answer.")
        for name, block in answers.items() if name.startswith("utter_faq/") and name[len("utter_"):] not in questions
    )
    return found


def languages(content: Content) -> List[Finding]:
    """Every knowledge answer in English (the fallback) and, ideally, Spanish; nothing else."""
    found = []
    for name, block in content.answers().items():
        if not name.startswith("utter_faq/"):
            continue
        have = [v.language for v in block.variations]
        if None in have:
            variation = block.variations[have.index(None)]
            found.append(Finding(block.file, variation.line, ERROR,
                                 f"the answer '{name}' has a condition other than the language (condition: type: slot, "
                                 "name: language, value: es). The assistant only chooses answers by language: remove it."))
        if "en" not in have:
            found.append(Finding(block.file, block.line, ERROR,
                                 f"the answer '{name}' has no English version (a text without condition). English "
                                 "speakers, and anyone whose language has no version, would get an empty reply."))
        elif "es" not in have:
            found.append(Finding(block.file, block.line, WARNING,
                                 f"the answer '{name}' has no Spanish version, so Spanish speakers get the English "
                                 "text. Add one with 'condition:' (see CONTENT.md, 'Spanish')."))
        for language in {lang for lang in have if lang and have.count(lang) > 1}:
            variation = [v for v in block.variations if v.language == language][1]
            found.append(Finding(block.file, variation.line, ERROR,
                                 f"the answer '{name}' has two {LANGUAGE_NAMES.get(language, language)} versions; the "
                                 "assistant only ever says the first. Merge them into one."))
    return found


def sources_and_needs(content: Content, sources: YamlFile, needs: Sequence[str]) -> List[Finding]:
    """Each knowledge answer says where its facts come from (data/sources.yml) and which need it sits in."""
    known = (sources.data or {}).get("sources") if isinstance(sources.data, dict) else None
    known = known if isinstance(known, dict) else {}
    found = []
    for source_id, entry in known.items():
        if not isinstance(entry, dict) or not entry.get("title") or not (entry.get("url") or entry.get("article")):
            found.append(Finding(sources.name, sources.line_at("sources", str(source_id)), ERROR,
                                 f"the source '{source_id}' needs a title and a web address (url:), or for one of the "
                                 "five source articles its file (article:)."))
    allowed = [*needs, "none"]
    for variation in content.variations:
        if not variation.name.startswith("utter_faq/"):
            continue
        source = variation.metadata.get("source")
        need = variation.metadata.get("need")
        if not source:
            found.append(Finding(variation.file, variation.line, ERROR,
                                 f"{what(variation)} does not say where its facts come from. Add under it:\n"
                                 "    metadata:\n      source: <a name from data/sources.yml>\n      need: <need>"))
        elif str(source) not in known:
            found.append(Finding(variation.file, variation.line, ERROR,
                                 f"{what(variation)} names the source '{source}', which is not in data/sources.yml"
                                 f"{_did_you_mean(str(source), known)}. Add it there (title and url) first, or fix "
                                 "the name."))
        if not need:
            found.append(Finding(variation.file, variation.line, ERROR,
                                 f"{what(variation)} does not say which need it belongs to (metadata: need:), so the "
                                 f"assistant cannot offer the right service after it. Use one of: {', '.join(allowed)}."))
        elif str(need) not in allowed:
            found.append(Finding(variation.file, variation.line, ERROR,
                                 f"{what(variation)} says need: {need}, which is not a need in data/hotlines.yml"
                                 f"{_did_you_mean(str(need), allowed)}. Use one of: {', '.join(allowed)}."))
    return found


def _did_you_mean(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def empty_or_wrapped(content: Content) -> List[Finding]:
    """An empty answer says nothing; Word's curly quotes around one are shown to people."""
    found = []
    for variation in content.variations:
        text = variation.text.strip()
        if not text:
            found.append(Finding(variation.file, variation.line, ERROR,
                                 f"{what(variation)} is empty: people would get no answer. Write its text between the "
                                 "quotes, or delete the answer and its question."))
        elif text[0] in _CURLY_OPEN and text[-1] in _CURLY_CLOSE:
            found.append(Finding(variation.file, variation.line, ERROR,
                                 f"{what(variation)} is wrapped in curly quotes ({text[0]}...{text[-1]}), as Word or a "
                                 "phone types them. YAML keeps them as part of the text, so people would see them. "
                                 'Replace them with straight double quotes: - text: "..."'))
    return found


def buttons_to_known_intents(content: Content, intents: Sequence[str]) -> List[Finding]:
    """A button sends its payload as the person's message: "/find_hotlne" would be understood as nothing."""
    found = []
    for variation in content.variations:
        for button in variation.buttons:
            title = str(button.get("title") or "").strip()
            payload = str(button.get("payload") or "").strip()
            intent = re.split(r"[{@]", payload[1:], maxsplit=1)[0] if payload.startswith("/") else None
            if not title:
                found.append(Finding(variation.file, variation.line, ERROR,
                                     f"a button of {what(variation)} has no title: people would see an empty button."))
            if intent is None:
                found.append(Finding(variation.file, variation.line, ERROR,
                                     f"the button '{title}' of {what(variation)} has the payload '{payload}'. A payload "
                                     "names an intent after a slash, like /find_hotline."))
            elif intent not in intents:
                found.append(Finding(variation.file, variation.line, ERROR,
                                     f"the button '{title}' of {what(variation)} points to '/{intent}', which is not an "
                                     f"intent in domain.yml{_did_you_mean(intent, intents)}. Fix the payload."))
    return found


def too_long_for_sms(content: Content, rules: Rules) -> List[Finding]:
    """A reply must fit in two text messages, counted as the SMS channel sends it (GSM-7)."""
    found = []
    for variation in content.variations:
        length = gsm7_length(to_gsm7(variation.text))
        if length > rules.sms_max_chars:
            found.append(Finding(variation.file, variation.line, ERROR,
                                 f"{what(variation)} is {length} characters; a reply must fit in two text messages "
                                 f"({rules.sms_max_chars}). Cut {length - rules.sms_max_chars} characters: one idea per "
                                 "reply, the most important part first."))
    return found


def english(variations: Iterable[Variation]) -> Tuple[List[Variation], int]:
    """The English variations, and how many others the English-only rules skip."""
    chosen, skipped = [], 0
    for variation in variations:
        if variation.language == "en":
            chosen.append(variation)
        else:
            skipped += 1
    return chosen, skipped


def reading_level(variations: Iterable[Variation], rules: Rules) -> List[Finding]:
    """English replies must be easy to read: Flesch-Kincaid grade within the budget."""
    found = []
    for variation in variations:
        measured = measure(variation.text)
        if measured.grade > rules.max_grade:
            found.append(Finding(variation.file, variation.line, ERROR,
                                 f"{what(variation)} reads at grade {measured.grade:.1f}; the limit is "
                                 f"{rules.max_grade:g}. Its sentences average {measured.words_per_sentence:.0f} words: "
                                 "split long sentences and use shorter, everyday words."))
    return found


def words_to_avoid(texts: Iterable[Tuple[str, int | None, str, str]], rules: Rules) -> List[Finding]:
    """Words the content guide says to avoid. `texts`: (file, line, what, text)."""
    found = []
    for file, line, label, text in texts:
        taken: List[Tuple[int, int]] = []  # "child prostitute" is one finding, not two
        for rule in rules.avoid:
            match = rule.pattern.search(text)
            if match and any(start < match.end() and match.start() < end for start, end in taken):
                continue
            if match and (rule.only_with is None or rule.only_with.search(text)):
                taken.append(match.span())
                found.append(Finding(file, line, ERROR,
                                     f"{label} says \"{match.group()}\", which the content guide (docs/content-guide.md) "
                                     f"asks us to avoid: {rule.why}. Say {rule.instead} instead."))
    return found


def answer_texts(variations: Iterable[Variation]) -> List[Tuple[str, int | None, str, str]]:
    texts: List[Tuple[str, int | None, str, str]] = []
    for v in variations:
        texts.append((v.file, v.line, what(v), v.text))
        texts.extend((v.file, v.line, f"a button of {what(v)}", str(b.get("title", ""))) for b in v.buttons)
    return texts


def english_only_note(skipped: int) -> Finding:
    """Said once: which rules are English-only, and why Spanish texts are not checked by them."""
    return Finding("data/nlu", None, NOTE,
                   f"reading level and words to avoid were checked on the English texts only; {skipped} Spanish "
                   "texts were skipped, because the grade formula and the word list are written for English (there is "
                   "no agreed Spanish list yet). SMS length, sources, numbers and everything else are checked in both "
                   "languages.")


# ---- numbers ------------------------------------------------------------------------------

# A phone number: 7+ digits, maybe with spaces, dashes, dots, brackets or a +.
_LONG_NUMBER = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")
# A short code: 3-6 digits right after call/text/dial ("text START to 88788" too).
_SHORT_CODE = re.compile(
    r"\b(?:call|calls|calling|dial|ring|text|texting|txt|sms|phone|llama|llamar|marca|textea|escribe)\b"
    r"(?:\s+[A-Za-z]+\s+(?:to|al|a))?\s+(?:al\s+)?(\d{3,6})\b", re.IGNORECASE
)


def numbers_in(text: str) -> List[str]:
    """Phone numbers and short codes in a text, as digits only."""
    found = []
    for match in _LONG_NUMBER.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) >= 7:
            found.append(digits)
    found.extend(match.group(1) for match in _SHORT_CODE.finditer(text))
    return found


def same_number(digits: str) -> str:
    """Compare long numbers on their last 9 digits, so "(800) 799-7233" is "1-800-799-7233"
    and "+44 808 2000 247" is "0808 2000 247"; short codes must match exactly."""
    return digits[-9:] if len(digits) >= 9 else digits


def known_numbers(numbers: Iterable[str]) -> Set[str]:
    known: Set[str] = set()
    for value in numbers:
        known.update(same_number(d) for d in numbers_in(value))
        known.update(same_number(d) for d in numbers_in(f"call {value}"))  # a bare "911" is a short code too
        known.add(same_number(re.sub(r"\D", "", value)))  # "116 123" written as 116123
    return known


def unknown_numbers(content: Content, directory_numbers: Iterable[str]) -> List[Finding]:
    """A number in an answer must come from the hotline directory, its one home."""
    known = known_numbers(directory_numbers)
    found = []
    for variation in content.variations:
        texts = [variation.text] + [str(b.get("title", "")) for b in variation.buttons]
        for digits in sorted({d for text in texts for d in numbers_in(text)}):
            if same_number(digits) not in known:
                found.append(Finding(variation.file, variation.line, ERROR,
                                     f"{what(variation)} contains the number {digits}, which is not in the hotline "
                                     "directory (data/hotlines.yml). Numbers live only there, so they can be checked "
                                     "and updated in one place: remove the number from the text (the assistant adds "
                                     "the right hotline after the answer), or add the service to data/hotlines.yml."))
    return found


def count_by_language(variations: Iterable[Variation]) -> Mapping[str, int]:
    counts: Dict[str, int] = defaultdict(int)
    for variation in variations:
        counts[variation.language or "other"] += 1
    return counts
