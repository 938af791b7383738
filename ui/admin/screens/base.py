"""What every admin screen shares: a title, two panes that sit side by side in landscape and one
above the other in portrait, a status line (working / error / done) and a way back to the menu.

A screen's :meth:`AdminScreen.enter` runs each time the menu opens it: it forgets the last visit
and loads what the screen shows first. Service calls go through :class:`ui.admin.calls.AdminCalls`,
which marks the screen busy (its action buttons disabled) until the answer is back.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.admin.calls import AdminCalls
from ui.widgets.screen import Orientation, Screen, button, label

MARGIN = 32
SPACING = 16


def set_role(widget: QWidget, role: str | None) -> None:
    """Change a widget's style role (the style sheet reads it) and re-apply the style."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class AdminScreen(Screen):
    #: the staff member tapped Back: the controller shows the menu
    back = Signal()

    def __init__(
        self, calls: AdminCalls, name: str, with_back: bool = True, two_panes: bool = True
    ) -> None:
        super().__init__()
        self.calls = calls
        self.admin = calls.admin
        self.setObjectName(name)
        self._actions: list[QPushButton] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        outer.setSpacing(SPACING)
        self.title = label("title", name=f"{name}_title")
        outer.addWidget(self.title)
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.setSpacing(SPACING * 2)
        self.first = QVBoxLayout()
        self.second = QVBoxLayout()
        for pane in (self.first, self.second) if two_panes else (self.first,):
            pane.setSpacing(SPACING)
            self.body.addLayout(pane, 1)
        outer.addLayout(self.body, 1)
        self.status = label("muted", name=f"{name}_status")
        outer.addWidget(self.status)
        bottom = QHBoxLayout()
        self.working = label("muted", name=f"{name}_working")
        bottom.addWidget(self.working, 1)
        self.back_button: QPushButton | None = None
        if with_back:
            self.back_button = button("secondary", name=f"{name}_back")
            self.back_button.clicked.connect(self.back.emit)
            bottom.addWidget(self.back_button)
        outer.addLayout(bottom)
        self._busy = False

    # -- what subclasses call ----------------------------------------------------------------

    def action(self, role: str | None, name: str) -> QPushButton:
        """A button that starts a service call: disabled while one is under way."""
        widget = button(role, name=name)
        self._actions.append(widget)
        return widget

    def show_error(self, text: str) -> None:
        set_role(self.status, "error")
        self.status.setText(text)

    def show_info(self, text: str) -> None:
        set_role(self.status, "muted")
        self.status.setText(text)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        # no way off the screen mid-call either: its answer (a card written, a refund booked)
        # is what staff must see
        for widget in [*self._actions, *([self.back_button] if self.back_button else [])]:
            widget.setEnabled(not busy)
        self.working.setText(QCoreApplication.translate("AdminScreen", "Working…") if busy else "")

    @property
    def busy(self) -> bool:
        return self._busy

    # -- what subclasses override ------------------------------------------------------------

    def enter(self) -> None:
        """Opened from the menu: start afresh (override, calling this first)."""
        self.show_info("")

    def retranslate(self) -> None:
        if self.back_button is not None:
            self.back_button.setText(QCoreApplication.translate("AdminScreen", "Back to the menu"))

    def set_orientation(self, orientation: Orientation) -> None:
        super().set_orientation(orientation)
        landscape = orientation is Orientation.LANDSCAPE
        self.body.setDirection(
            QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom
        )
        # a nested layout's change does not reach the screen's own size hints until its layout is
        # invalidated: without this a hidden screen keeps its portrait minimum height
        outer = self.layout()
        if outer is not None:
            outer.invalidate()
        self.updateGeometry()


def row(*widgets: QWidget) -> QHBoxLayout:
    """Widgets side by side, e.g. a pair of buttons."""
    box = QHBoxLayout()
    box.setSpacing(SPACING)
    for widget in widgets:
        box.addWidget(widget)
    return box
