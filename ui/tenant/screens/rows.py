"""Small building blocks of the tenant screens: captioned values and a growing list of sentences."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout

from kiosk.session.views import Message
from ui.tenant.screens.base import show_message, toned_label
from ui.widgets.screen import label

#: between the lines of one group (a grid's rows, a list's sentences)
ROW_GAP = 8


class CaptionedRows:
    """A grid of "caption  value" rows; a row with no value is hidden."""

    def __init__(self, grid: QGridLayout, prefix: str) -> None:
        self.grid = grid
        self.prefix = prefix
        grid.setColumnStretch(1, 1)
        grid.setHorizontalSpacing(ROW_GAP * 3)
        grid.setVerticalSpacing(ROW_GAP)
        self.captions: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}

    def add(self, key: str) -> QLabel:
        row = len(self.captions)
        caption = label("muted", name=f"{self.prefix}_{key}_caption")
        value = label(name=f"{self.prefix}_{key}")
        self.grid.addWidget(caption, row, 0)
        self.grid.addWidget(value, row, 1)
        self.captions[key], self.values[key] = caption, value
        return value

    def caption(self, key: str, text: str) -> None:
        self.captions[key].setText(text)

    def set(self, key: str, value: str | None) -> None:
        shown = bool(value)
        self.captions[key].setVisible(shown)
        self.values[key].setVisible(shown)
        self.values[key].setText(value or "")


class MessageList:
    """Sentences one under the other, each coloured by its tone; labels are reused. Add
    :attr:`box` where the list goes."""

    def __init__(self, prefix: str, spacing: int = ROW_GAP) -> None:
        self.box = QVBoxLayout()
        self.box.setSpacing(spacing)
        self.prefix = prefix
        self.labels: list[QLabel] = []

    def show(self, messages: tuple[Message, ...] | list[Message]) -> None:
        while len(self.labels) < len(messages):
            widget = toned_label(name=f"{self.prefix}_{len(self.labels)}")
            self.box.addWidget(widget)
            self.labels.append(widget)
        for i, widget in enumerate(self.labels):
            show_message(widget, messages[i] if i < len(messages) else None)

    def texts(self) -> list[str]:
        """What is shown, in order (tests and the demo read it)."""
        return [w.text() for w in self.labels if not w.isHidden()]
