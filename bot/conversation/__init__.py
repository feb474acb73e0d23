"""How the assistant holds a conversation: its state (state.py), its words (words.py), its replies (compose.py)."""

from __future__ import annotations

from functools import lru_cache

from bot.conversation.compose import Composer, Message, Reply
from bot.conversation.state import State, Turn
from bot.conversation.words import load_words


@lru_cache(maxsize=1)
def composer() -> Composer:
    """The process's composer, over the configured directory and the words file."""
    from bot.config import settings
    from bot.hotlines import directory

    return Composer(directory(), load_words(), settings().default_region)


__all__ = ["Composer", "Message", "Reply", "State", "Turn", "composer"]
