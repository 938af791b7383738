"""Admin mode's sentences (:class:`kiosk.admin.messages.Sentence`) as shown, in the current
language.

A sentence's template (English, by its key) is translated in the Qt context ``admin_messages`` --
every template is marked for Qt Linguist in :mod:`ui.admin.message_catalog` -- and formatted with
its values, a value that is itself a sentence translated first. A translation that does not format
(a placeholder misspelt by a translator) must never blank the screen: the English sentence is shown
instead, and logged once so the translation gets fixed.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication

from kiosk.admin import AdminError
from kiosk.admin.messages import MESSAGES, Sentence, say

log = logging.getLogger(__name__)

#: the Qt Linguist context of every admin sentence
CONTEXT = "admin_messages"
_reported: set[tuple[str, str]] = set()


def staff_text(sentence: Sentence) -> str:
    """The sentence shown for ``sentence``: its translated template formatted with its values."""
    template = MESSAGES.get(sentence.key)
    if template is None:  # a key this UI does not know yet: the English still reads right
        return sentence.text
    translated = QCoreApplication.translate(CONTEXT, template)
    values = {
        name: staff_text(value) if isinstance(value, Sentence) else value
        for name, value in sentence.args.items()
    }
    try:
        return translated.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        if (sentence.key, translated) not in _reported:
            _reported.add((sentence.key, translated))
            log.warning(
                "translation of %r does not format (%s): shown in English", sentence.key, exc
            )
        return sentence.text


def error_text(exc: AdminError) -> str:
    """What the staff member reads for ``exc`` (a plain-string error, the command line's, as is)."""
    return exc.message if exc.sentence is None else staff_text(exc.sentence)


def word_text(family: str, value: str) -> str:
    """A stored value (a card's role or status, an order's state, a utility) as a word of the
    current language; a value admin mode has no word for is shown as stored."""
    key = f"{family}_{value}"
    return staff_text(say(key)) if key in MESSAGES else value
