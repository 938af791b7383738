"""The base of every full-screen page: texts re-set on a language change, layout on a rotation.

A screen builds its widgets once in ``__init__``, sets every visible text in :meth:`retranslate`
(called at the end of construction and again whenever the language changes) and flips its layout
in :meth:`set_orientation`. Helpers make the styled labels and buttons the style sheet knows.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget


class Orientation(enum.Enum):
    PORTRAIT = (1080, 1920)
    LANDSCAPE = (1920, 1080)

    @property
    def size(self) -> tuple[int, int]:
        return self.value


class Screen(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.orientation = Orientation.PORTRAIT

    def retranslate(self) -> None:
        """Set every visible text (override)."""

    def set_orientation(self, orientation: Orientation) -> None:
        """Re-arrange for portrait or landscape (override when the layout differs)."""
        self.orientation = orientation

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def label(role: str | None = None, wrap: bool = True, name: str = "") -> QLabel:
    """A label styled by ``role`` (title, amount, muted, small, error) that wraps long sentences."""
    widget = QLabel()
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return widget


def button(role: str | None = None, name: str = "") -> QPushButton:
    """A touch button (at least 15 mm each way, from the style sheet) styled by ``role``
    (secondary, danger, ok)."""
    widget = QPushButton()
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
    return widget
