"""A session :class:`~kiosk.session.views.Message` as the sentence on screen, in the current
language.

The template (English, by the message's key) is translated in the Qt context ``messages`` -- every
template is marked for Qt Linguist in :mod:`ui.tenant.message_catalog` -- and formatted with the
message's args, which the session made display-ready. A translation that does not format (a
placeholder misspelt by a translator) must never blank the screen: the English sentence is shown
instead, and logged once so the translation gets fixed.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication

from kiosk.session.messages import MESSAGES
from kiosk.session.views import Message

log = logging.getLogger(__name__)

#: the Qt Linguist context of every session sentence
CONTEXT = "messages"
_reported: set[tuple[str, str]] = set()


def message_text(message: Message) -> str:
    """The sentence shown for ``message``: its translated template formatted with its args."""
    entry = MESSAGES.get(message.key)
    if entry is None:  # a key this UI does not know yet: the session's English still reads right
        return message.text
    translated = QCoreApplication.translate(CONTEXT, entry[0])
    try:
        return translated.format(**message.args)
    except (KeyError, IndexError, ValueError) as exc:
        if (message.key, translated) not in _reported:
            _reported.add((message.key, translated))
            log.warning(
                "translation of %r does not format (%s): shown in English", message.key, exc
            )
        return message.text


def optional_text(message: Message | None) -> str:
    """:func:`message_text`, or "" for no message."""
    return "" if message is None else message_text(message)


def countdown_text(seconds: int) -> str:
    """Seconds left as a clock reads: ``1:05``."""
    minutes, rest = divmod(max(0, seconds), 60)
    return f"{minutes}:{rest:02d}"
