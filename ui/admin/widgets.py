"""Small pieces the admin screens share: number fields typed on the on-screen keypad, an inline
confirmation, a read-only monospace text view and a list to pick from.

A kiosk has no hardware keyboard: numbers come from :class:`ui.widgets.keypad.Keypad`, typed into
:class:`NumberField`; names, reasons and the tariff JSON from the on-screen keyboard
(:mod:`ui.widgets.keyboard`), which the admin controller binds to every other text field of its
screens (:func:`text_fields`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QFont,
    QFontDatabase,
    QMouseEvent,
    QRegularExpressionValidator,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QWidget,
)

from kiosk.admin.orders import OrderSummary
from kiosk.admin.service import PrintOutcome
from kiosk.money import format_amount
from ui.admin.text import word_text
from ui.widgets.keypad import Keypad
from ui.widgets.screen import button, label


def number(text: str) -> int | None:
    """The digits of a number field as an int; None when empty (the service says what it needs)."""
    return int(text) if text else None


class NumberField(QLineEdit):
    """A line edit for digits only that becomes the keypad's target when tapped."""

    activated = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setValidator(QRegularExpressionValidator(QRegularExpression("[0-9]{0,12}"), self))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        # a tap picks the field even when the window is not focused (kiosk panels often are not)
        self.activated.emit()
        super().mousePressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        self.activated.emit()
        super().focusInEvent(event)


def line_edit(name: str) -> QLineEdit:
    """A text field (names, reasons, a UID), typed on the on-screen keyboard."""
    widget = QLineEdit()
    widget.setObjectName(name)
    return widget


class KeypadBinder:
    """One keypad typing into whichever of its number fields was tapped last."""

    def __init__(self, keypad: Keypad, fields: list[NumberField]) -> None:
        self.keypad = keypad
        self.fields = fields
        self.target: NumberField | None = None
        self._syncing = False
        keypad.changed.connect(self._typed)
        for field in fields:
            field.activated.connect(lambda f=field: self.select(f))
            field.textEdited.connect(lambda _t, f=field: self._edited(f))
        if fields:
            self.select(fields[0])

    def select(self, field: NumberField) -> None:
        self.target = field
        self._load(field.text())

    def _load(self, text: str) -> None:
        # the keypad keeps its own copy of the entry: refill it with the field's digits
        self._syncing = True
        try:
            self.keypad.clear()
            for ch in text:
                self.keypad.press(ch)
        finally:
            self._syncing = False

    def _typed(self, text: str) -> None:
        if not self._syncing and self.target is not None:
            self.target.setText(text)

    def _edited(self, field: NumberField) -> None:
        if field is self.target:
            self._load(field.text())


def text_fields(root: QWidget) -> list[QLineEdit | QPlainTextEdit]:
    """The fields under ``root`` typed on the on-screen keyboard: every line edit but the number
    fields (those have a keypad) and every plain-text edit (read-only ones, the views, open no
    keyboard: that is checked when one is tapped, as the tariff editor's read-only state changes
    with the role signed in)."""
    lines = [f for f in root.findChildren(QLineEdit) if not isinstance(f, NumberField)]
    return [*lines, *root.findChildren(QPlainTextEdit)]


def text_view(name: str) -> QPlainTextEdit:
    """A scrollable, read-only, monospace view for reports, dumps and receipts."""
    view = QPlainTextEdit()
    view.setObjectName(name)
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    view.setFont(font)
    view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    return view


def pick_list(name: str) -> QListWidget:
    """A list of rows to tap one of (orders, cards, tariff versions)."""
    widget = QListWidget()
    widget.setObjectName(name)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    return widget


class ConfirmBar(QWidget):
    """An inline "are you sure": the question and Yes / No, hidden until asked."""

    confirmed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.question = label(name=f"{name}_question")
        self.yes = button("danger", name=f"{name}_yes")
        self.no = button("secondary", name=f"{name}_no")
        box.addWidget(self.question, 2)
        box.addWidget(self.yes, 1)
        box.addWidget(self.no, 1)
        self.yes.clicked.connect(self._yes)
        self.no.clicked.connect(self.hide)
        self.hide()

    def set_texts(self, yes: str, no: str) -> None:
        self.yes.setText(yes)
        self.no.setText(no)

    def ask(self, question: str) -> None:
        self.question.setText(question)
        self.show()

    def _yes(self) -> None:
        self.hide()
        self.confirmed.emit()


def fill_orders(widget: QListWidget, orders: Sequence[OrderSummary], timezone: str) -> None:
    """One row per order (its picker label and when it was made, site time); the order rides along
    as the row's data."""
    zone = ZoneInfo(timezone)
    widget.clear()
    for order in orders:
        when = order.created_at.astimezone(zone)
        add_row(widget, f"{when:%m-%d %H:%M}  {order_label(order)}", order)


def order_label(order: OrderSummary) -> str:
    """:attr:`OrderSummary.label` in the current language: reference, amount, how it was paid
    (cash, staff credit or the provider's name) and its state."""
    amount = format_amount(order.amount, order.currency)
    method = word_text("method", order.method)
    state = word_text("state", order.state.value)
    return f"{order.reference}  {amount}  {method}  {state}"


def add_row(widget: QListWidget, text: str, data: Any) -> None:
    """A row showing ``text`` that carries ``data`` (see :func:`chosen`)."""
    item = QListWidgetItem(text)
    item.setData(Qt.ItemDataRole.UserRole, data)
    widget.addItem(item)


def chosen(widget: QListWidget) -> Any:
    """The data of the row tapped last, or None."""
    item = widget.currentItem()
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


def print_sentence(printout: PrintOutcome) -> str:
    """What happened at the printer (receipt or report), for a status line."""
    if printout.printed:
        return QCoreApplication.translate("PrintOutcome", "Printed.")
    if printout.problem:
        return QCoreApplication.translate("PrintOutcome", "Not printed: {problem}").format(
            problem=printout.problem
        )
    return QCoreApplication.translate(
        "PrintOutcome", "No printer is set up: the text is shown here."
    )
