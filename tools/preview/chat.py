"""Conversations with the current model, as people have them, for the preview.

The model is loaded through bot.serve.load_agent (the patches and components
`make run` has) and every message goes through Rasa's own message handling:
the NLU pipeline, the dialogue rules and action_respond, whose composer
(bot/conversation) writes the reply. Conversations live in this process's
memory only (Rasa's in-memory tracker store): "Start again", quick exit and
stopping the preview forget them. Nothing is written anywhere, nothing is logged.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Dict, List

from tools.preview.explain import Explainer

# Remembered state shown under the replies (the slots of domain.yml that bot/conversation keeps).
SHOWN_SLOTS = ("region", "language", "need", "crisis", "facets", "contact", "asker")


class Chat:
    """One model, any number of conversations (each a random id the page picks)."""

    def __init__(self, model: Path, root: Path) -> None:
        from bot.config import settings
        from bot.serve import load_agent
        from tools.content.crossval import quietly

        # The assistant's action runs in this process (no action server for a preview), and
        # conversations stay in this process's memory even when .env names a Redis.
        os.environ["ACTIONS_IN_PROCESS"] = "true"
        os.environ["REDIS_URL"] = ""
        settings.cache_clear()
        self.loop = asyncio.new_event_loop()
        with quietly():
            # As `rasa run` loads it (bot/serve.py): the patches, log guards and the stores of endpoints.yml.
            self.agent: Any = load_agent(model, loop=self.loop)
        self.explainer = Explainer(root)

    def say(self, conversation: str, text: str) -> Dict[str, Any]:
        """The assistant's reply to one message, and how it came about."""
        replies = self.loop.run_until_complete(self.agent.handle_text(text, sender_id=conversation)) or []
        tracker = self.loop.run_until_complete(self._store().retrieve(conversation))
        parse: Dict[str, Any] = dict(tracker.latest_message.parse_data) if tracker and tracker.latest_message else {"text": text}
        slots = tracker.current_slot_values() if tracker else {}
        language = str(slots.get("language") or "en")
        messages: List[Dict[str, Any]] = [
            {"text": str(r.get("text") or ""),
             "buttons": [{"title": b.get("title"), "payload": b.get("payload")} for b in r.get("buttons") or []]}
            for r in replies if r.get("text") or r.get("buttons")]
        explanation = self.explainer.explain(parse, [str(m["text"]) for m in messages], language)
        erased = (parse.get("intent") or {}).get("name") == "quick_exit"
        if erased:
            self.forget(conversation)  # what the channels do on quick exit
        return {"messages": messages, "explanation": explanation, "erased": erased,
                "remembered": {k: slots[k] for k in SHOWN_SLOTS if slots.get(k)}}

    def forget(self, conversation: str) -> None:
        """Erase a conversation, as quick exit does in the real channels."""
        from bot.stores import erase_conversation

        self.loop.run_until_complete(erase_conversation(self.agent, conversation))

    def _store(self) -> Any:
        from bot.stores import tracker_store_of

        return tracker_store_of(self.agent)


def describe(result: Dict[str, Any]) -> List[str]:
    """The reply and its explanation as plain lines, for `make try MSG="..."`."""
    e = result["explanation"]
    lines = []
    for message in result["messages"]:
        for number, line in enumerate(message["text"].split("\n")):
            lines.append(f"{'Assistant: ' if number == 0 else '           '}{line}")
        for button in message["buttons"]:
            lines.append(f"           [button: {button['title']}]")
    lines.append("")
    lines.append(f"Picked:     {e['picked']} ({pick_reason(e)})")
    if e.get("best_guess"):
        lines.append(f"Best guess: {e['best_guess']['name']}, {e['best_guess']['confidence']:.0%} sure")
    if e.get("runner_up"):
        lines.append(f"Runner-up:  {e['runner_up']['name']}, {e['runner_up']['confidence']:.0%} sure")
    if e.get("answer"):
        lines.append(f"Answer:     written in {e['answer']['file']}, line {e['answer']['line']}")
    lines.append("Where each line of the reply comes from:")
    for source in e["lines"]:
        where = f"{source['file']}, line {source['line']}" if source["file"] else ""
        shown = source["text"] if len(source["text"]) <= 50 else source["text"][:47] + "..."
        lines.append(f"  \u201c{shown}\u201d: {source['what']}{', ' + where if where else ''}")
    target = (e.get("best_guess") or {}).get("name") or e["picked"]
    lines.append(f"Training examples of {target} most like your message:")
    for example in e["nearest"]["own"]:
        lines.append(f"  {example['alike']:.0%} alike: \u201c{example['text']}\u201d, {example['file']}, line "
                     f"{example['line']}")
    if not e["nearest"]["own"]:
        lines.append("  none (it has no training examples)")
    closer = e["nearest"]["closer_elsewhere"]
    if closer:
        lines.append(f"  Closer still, but an example of {closer['intent']}: \u201c{closer['text']}\u201d, "
                     f"{closer['file']}, line {closer['line']}")
    remembered = ", ".join(f"{k} {v}" for k, v in result["remembered"].items())
    lines.append(f"Remembered: {remembered or 'nothing yet'}")
    return lines


def pick_reason(e: Dict[str, Any]) -> str:
    """Why this was picked, and how sure the model was, in one phrase."""
    if e.get("by_rule"):
        alone, runner = e.get("model_confidence"), e.get("runner_up")
        if alone is not None:
            return f"decided by {e['decided_by']}; the model alone was {alone:.0%} sure"
        if runner:
            return (f"decided by {e['decided_by']}; the model on its own would have picked {runner['name']}, "
                    f"{runner['confidence']:.0%} sure")
        return f"decided by {e['decided_by']}"
    if e["picked"] == "nlu_fallback":
        return e["decided_by"]
    return f"{e['confidence']:.0%} sure"
