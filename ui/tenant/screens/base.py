"""What every tenant screen shares: it renders one view payload, keeps it to render again when the
language changes, and turns its main box between portrait (one column) and landscape (two).

A screen decides nothing: :meth:`TenantScreen.render_view` copies the payload's display-ready fields
into widgets, and its buttons only emit signals the controller forwards to the session.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from kiosk.session.views import Message
from ui.tenant.style import NO_TONE, SCREEN_STYLE, set_tone
from ui.tenant.text import message_text
from ui.widgets.screen import Orientation, Screen, label

MARGIN = 32
SPACING = 16


class TenantScreen(Screen):
    """A screen with a title, a main box (``self.body``: first and second column) and a row of
    buttons at the bottom."""

    #: how the free height is shared by the two parts stacked in portrait (landscape: evenly)
    PORTRAIT_STRETCH = (0, 1)

    def __init__(self, name: str, two_columns: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(SCREEN_STYLE)
        self._payload: object = None
        self._shown = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        outer.setSpacing(SPACING)
        self.title = label("title", name=f"{name}_title")
        outer.addWidget(self.title)
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.setSpacing(SPACING * 2)
        self.first = QVBoxLayout()
        self.second = QVBoxLayout()
        for column in (self.first, self.second) if two_columns else (self.first,):
            column.setSpacing(SPACING)
            self.body.addLayout(column, 1)
        outer.addLayout(self.body, 1)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(SPACING)
        outer.addLayout(self.buttons)

    # -- the controller's side ---------------------------------------------------------------

    def show_view(self, payload: object) -> None:
        """Render ``payload`` (the view's payload for this screen)."""
        self._payload, self._shown = payload, True
        self.render_view(payload)

    @property
    def payload(self) -> object:
        return self._payload

    def retranslate(self) -> None:
        self.fixed_texts()
        if self._shown:  # the session's sentences are translated when rendered: render again
            self.render_view(self._payload)

    def set_orientation(self, orientation: Orientation) -> None:
        super().set_orientation(orientation)
        landscape = orientation is Orientation.LANDSCAPE
        self.body.setDirection(
            QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom
        )
        for index, stretch in enumerate((1, 1) if landscape else self.PORTRAIT_STRETCH):
            if index < self.body.count():
                self.body.setStretch(index, stretch)

    # -- what subclasses write -----------------------------------------------------------------

    def fixed_texts(self) -> None:
        """Set the screen's own texts (translated with literal strings, for lupdate)."""

    def render_view(self, payload: object) -> None:
        """Copy ``payload`` into the widgets."""


# -- helpers the screens share -----------------------------------------------------------------


def toned_label(role: str | None = None, name: str = "") -> QLabel:
    """A label for session sentences shown in their tone's colour, with the tone's bar."""
    widget = label(role, name=name)
    widget.setProperty("tone", NO_TONE)  # before the first polish: see ui.tenant.style
    return widget


def show_message(widget: QLabel, message: Message | None) -> None:
    """A session sentence in ``widget`` (hidden when there is none); a :func:`toned_label`
    takes the message's tone."""
    widget.setVisible(message is not None)
    if message is None:
        widget.clear()
        return
    widget.setText(message_text(message))
    if widget.property("tone") is not None:
        set_tone(widget, message.tone)


def show_text(widget: QLabel, text: str | None) -> None:
    """``text`` in ``widget``, hidden when there is none."""
    widget.setVisible(bool(text))
    widget.setText(text or "")


def panel(name: str) -> tuple[QFrame, QVBoxLayout]:
    """A light grey panel grouping a few lines (the style sheet's ``panel`` role)."""
    frame = QFrame()
    frame.setObjectName(name)
    frame.setProperty("role", "panel")
    box = QVBoxLayout(frame)
    box.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
    box.setSpacing(SPACING // 2)
    return frame, box


def centred(widget: QLabel) -> QLabel:
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


#: Qt's translate under the one name pyside6-lupdate reads with a context as well as a text
#: (``ui.i18n.tr`` is read as text + comment): call it with literal strings only
translate = QCoreApplication.translate
