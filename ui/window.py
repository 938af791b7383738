"""The kiosk's one window: a stack of screens, the language, the orientation, and a one-second tick.

The window knows nothing of top-ups or staff: controllers (ui/tenant, ui/admin) add their screens,
switch between them, and listen to :attr:`KioskWindow.tick` for countdowns and idle timeouts.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from ui.i18n import Language, Translations
from ui.theme import style_sheet
from ui.widgets.screen import Orientation, Screen

TICK_MS = 1000


class KioskWindow(QMainWindow):
    #: every second while the window runs (idle timeouts, payment countdown)
    tick = Signal()
    #: after the language switched and every screen re-set its texts
    language_changed = Signal(object)
    #: after a rotation
    orientation_changed = Signal(object)

    def __init__(
        self,
        translations: Translations,
        orientation: Orientation = Orientation.PORTRAIT,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.translations = translations
        self.setObjectName("kiosk")
        self.setWindowTitle("Prepay Kiosk")
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self._screens: dict[str, Screen] = {}
        dpi = self.screen().logicalDotsPerInch() if self.screen() else 96.0
        self.setStyleSheet(style_sheet(dpi))
        self.orientation = orientation
        self.resize(*orientation.size)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick.emit)
        self._timer.start()
        self.setCursor(Qt.CursorShape.BlankCursor)  # a touchscreen shows no mouse pointer

    # -- screens -----------------------------------------------------------------------------

    def add_screen(self, key: str, screen: Screen) -> Screen:
        self._screens[key] = screen
        screen.set_orientation(self.orientation)
        self.stack.addWidget(screen)
        return screen

    def screen_named(self, key: str) -> Screen:
        return self._screens[key]

    def show_screen(self, key: str) -> Screen:
        screen = self._screens[key]
        self.stack.setCurrentWidget(screen)
        return screen

    @property
    def current_key(self) -> str | None:
        current = self.stack.currentWidget()
        return next((k for k, s in self._screens.items() if s is current), None)

    def screens(self) -> dict[str, Screen]:
        return dict(self._screens)

    # -- language and orientation ------------------------------------------------------------

    def set_language(self, language: Language) -> None:
        self.translations.switch(language)  # Qt sends LanguageChange: screens retranslate
        self.language_changed.emit(language)

    def set_orientation(self, orientation: Orientation) -> None:
        self.orientation = orientation
        for screen in self._screens.values():
            screen.set_orientation(orientation)
        # let the layout take in the screens' new minimum sizes first, or the resize is clamped
        # to the old ones (a portrait minimum height left on a landscape window)
        self.layout().activate()
        self.resize(*orientation.size)
        self.orientation_changed.emit(orientation)

    def stop_tick(self) -> None:
        self._timer.stop()
