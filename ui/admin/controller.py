"""Admin mode's controller: the PIN, the menu and the function screens, and when staff leave.

The tenant side hands over a :class:`kiosk.session.views.StaffCardView` when a staff card is
tapped (its controller's ``staff_card`` signal); :meth:`AdminController.begin` shows the PIN screen
and :attr:`AdminController.finished` hands the kiosk back when staff leave -- by Log out (or Cancel
on the PIN screen), after ``idle_timeout_s`` seconds without a tap (counted on the window's tick,
and not while a service call is under way), or when the service says the staff session is over
(:meth:`kiosk.admin.AdminService.is_live`, asked on each tick, or a call refused as expired).

Text fields (names, reasons, the tariff JSON) are typed on one on-screen keyboard over the window
(:class:`ui.widgets.keyboard.KeyboardDock`), bound here to every text field of every admin screen;
it closes, keeping what was typed, whenever another screen is shown or staff leave.

Every service call runs on the :class:`ui.worker.Runner`; nothing here decides what staff may do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication

from kiosk.admin import AdminService, StaffSession
from kiosk.session.views import StaffCardView
from ui.admin.calls import AdminCalls
from ui.admin.screens.audit import AuditScreen
from ui.admin.screens.base import AdminScreen
from ui.admin.screens.cash import CashScreen
from ui.admin.screens.day_end import DayEndScreen
from ui.admin.screens.hardware import HardwareScreen
from ui.admin.screens.issue import IssueScreen
from ui.admin.screens.menu import MenuScreen
from ui.admin.screens.pin import PinScreen
from ui.admin.screens.read_card import ReadCardScreen
from ui.admin.screens.refund import RefundScreen
from ui.admin.screens.replace import ReplaceScreen
from ui.admin.screens.reprint import ReprintScreen
from ui.admin.screens.sync import SyncScreen
from ui.admin.screens.tariffs import TariffsScreen
from ui.admin.widgets import text_fields
from ui.widgets.keyboard import KeyboardDock
from ui.widgets.screen import Orientation
from ui.window import KioskWindow
from ui.worker import Runner

log = logging.getLogger(__name__)

PREFIX = "admin."
PIN = "admin.pin"
MENU = "admin.menu"

#: the function screens, by key (after "admin."); the menu names the same keys
FUNCTIONS: dict[str, Callable[[AdminCalls], AdminScreen]] = {
    "issue": IssueScreen,
    "read_card": ReadCardScreen,
    "replace": ReplaceScreen,
    "refund": RefundScreen,
    "reprint": ReprintScreen,
    "cash": CashScreen,
    "tariffs": TariffsScreen,
    "day_end": DayEndScreen,
    "sync": SyncScreen,
    "hardware": HardwareScreen,
    "audit": AuditScreen,
}

#: what counts as a tap for the idle timeout
TAPS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.KeyPress,
    }
)


class AdminController(QObject):
    #: staff left admin mode (logged out, idle, session over): the tenant side takes over
    finished = Signal()
    #: after each screen change, with the screen's key ("admin.pin", "admin.menu", ...)
    screen_shown = Signal(str)

    def __init__(
        self,
        window: KioskWindow,
        admin: AdminService,
        runner: Runner,
        *,
        idle_timeout_s: int = 120,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.admin = admin
        self.runner = runner
        self.idle_timeout_s = idle_timeout_s
        self.calls = AdminCalls(admin, runner, self)
        self.pin = PinScreen(self.calls)
        self.menu = MenuScreen(self.calls)
        self.functions: dict[str, AdminScreen] = {
            key: cls(self.calls) for key, cls in FUNCTIONS.items()
        }
        window.add_screen(PIN, self.pin)
        window.add_screen(MENU, self.menu)
        for key, screen in self.functions.items():
            window.add_screen(PREFIX + key, screen)
            screen.back.connect(lambda: self._show(MENU))
        self.keyboard = KeyboardDock(window)
        for screen in (self.pin, self.menu, *self.functions.values()):
            for field in text_fields(screen):
                self.keyboard.attach(field)
        self.pin.signed_in.connect(self._signed_in)
        self.pin.cancelled.connect(self.leave)
        self.menu.open.connect(self._open)
        self.menu.logout.connect(self.leave)
        self.calls.session_ended.connect(self._session_ended)
        window.tick.connect(self._tick)
        window.orientation_changed.connect(self._rotated)
        self._active = False
        self._idle = 0
        self._checking = False

    # -- public --------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Between :meth:`begin` and :attr:`finished`."""
        return self._active

    @property
    def session(self) -> StaffSession | None:
        return self.calls.session

    def screen_keys(self) -> list[str]:
        return [PIN, MENU, *(PREFIX + key for key in self.functions)]

    def begin(self, staff: StaffCardView) -> None:
        """A staff card was tapped: ask for the PIN (a session still open is logged out)."""
        if self._active:
            stale = self.calls.end()
            if stale is not None:
                self.runner.submit(self.admin.logout, stale)
        else:
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self)
        self.calls.start()
        self._active = True
        self._idle = 0
        self._checking = False
        self.pin.begin(staff)
        self._show(PIN)

    def leave(self) -> None:
        """End admin mode now (logging the session out) and emit :attr:`finished`."""
        if not self._active:
            return
        self._active = False
        self.keyboard.finish()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        session = self.calls.end()
        if session is None:
            self.finished.emit()
            return
        self.runner.submit(
            self.admin.logout,
            session,
            on_done=lambda _result: self.finished.emit(),
            on_error=self._logout_failed,
        )

    # -- Qt ----------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if self._active and event.type() in TAPS:
            self._idle = 0
        return False

    # -- inside --------------------------------------------------------------------------------

    def _show(self, key: str) -> None:
        self.keyboard.finish()  # what was typed stays in its field
        self.window.show_screen(key)
        self.screen_shown.emit(key)

    def _signed_in(self, session: StaffSession) -> None:
        self.calls.session = session
        self.menu.set_session(session)
        self._show(MENU)

    def _open(self, key: str) -> None:
        self.functions[key].enter()
        self._show(PREFIX + key)

    def _tick(self) -> None:
        if not self._active:
            return
        if not self.calls.busy:  # a card being written is not idleness
            self._idle += 1
            if self._idle >= self.idle_timeout_s:
                log.info("admin mode left after %d s without a tap", self._idle)
                self.leave()
                return
        session = self.calls.session
        if session is not None and not self._checking:
            self._checking = True

            def answered(live: object) -> None:
                self._live(session, bool(live))

            self.runner.submit(
                self.admin.is_live, session, on_done=answered, on_error=self._live_unknown
            )

    def _live(self, session: StaffSession, live: bool) -> None:
        self._checking = False
        if not live and self._active and self.calls.session is session:
            log.info("staff session %s is over: leaving admin mode", session.staff_id)
            self.leave()

    def _live_unknown(self, exc: BaseException) -> None:
        self._checking = False
        log.error("could not ask whether the staff session is live", exc_info=exc)

    def _rotated(self, orientation: Orientation) -> None:
        # Workaround (reported): KioskWindow.set_orientation resizes before the window's layout
        # has taken the screens' new minimum sizes, so a portrait minimum taller than 1080 px
        # (the replace screen's) holds the window at 1920 x 1313. Settle the layout, resize again.
        layout = self.window.layout()
        if layout is not None:
            layout.activate()
        if (self.window.width(), self.window.height()) != orientation.size:
            self.window.resize(*orientation.size)

    def _session_ended(self, message: str) -> None:
        log.info("admin call refused: %s", message)
        self.leave()

    def _logout_failed(self, exc: BaseException) -> None:
        log.error("logout failed", exc_info=exc)
        self.finished.emit()
