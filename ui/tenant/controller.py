"""The tenant side of the touchscreen: what happens goes to the session, what it answers is shown.

Three things happen: a card arrives or leaves (a :class:`~cardlib.monitor.CardMonitor` on its own
thread), the tenant taps a button, and a second passes (:attr:`KioskWindow.tick`). Each becomes one
call of the :class:`~kiosk.session.tenant.TenantSession` on the runner -- one worker thread, so
the calls run one at a time and in order -- and the :class:`~kiosk.session.views.View` it returns
comes back on the GUI thread to be rendered. The controller decides nothing about money, limits
or timeouts; it only routes (FabLabKasse's card worker talking to its dialog through queued
signals; Picard's ``run_task``).

A staff card's view hands the kiosk to admin mode: :attr:`TenantController.staff_card` fires and
the controller pauses (card events and ticks are not forwarded, answers still on their way are
dropped) until :meth:`TenantController.resume` puts the session back to ATTRACT.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, cast

from PySide6.QtCore import QObject, Qt, Signal, Slot

from cardlib.errors import CardError
from cardlib.monitor import CardMonitor
from cardlib.reader.base import Reader
from kiosk.session.messages import say
from kiosk.session.tenant import TenantSession
from kiosk.session.views import Message, MessageView, Screen, View
from ui.i18n import Language, TranslationError
from ui.tenant.screens import (
    AccountScreen,
    AmountScreen,
    AttractScreen,
    DoneScreen,
    MessageScreen,
    PayingScreen,
    TenantScreen,
    build_screens,
    window_key,
)
from ui.window import KioskWindow
from ui.worker import Runner

log = logging.getLogger(__name__)


class TenantController(QObject):
    #: after every View the session returned was handled: rendered, or (STAFF) handed over
    view_shown = Signal(object)
    #: a staff card was tapped (its StaffCardView); the controller has paused itself
    staff_card = Signal(object)
    #: the reader's events, on the GUI thread, forwarded to the session unless paused
    card_arrived = Signal()
    card_left = Signal()

    # the monitor's callbacks run on its thread: these carry them to ours (queued)
    _inserted = Signal()
    _removed = Signal()
    _reader_failed = Signal(object)

    def __init__(
        self,
        window: KioskWindow,
        session: TenantSession,
        reader: Reader,
        runner: Runner | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.reader = reader
        # one thread: the session's calls must run one after another, in the order asked
        self.runner = runner if runner is not None else Runner(max_threads=1, parent=self)
        self.monitor: CardMonitor | None = None
        self.paused = False
        self._generation = 0  # answers asked for before a pause or stop are dropped
        self._pending = 0  # session calls asked for and not yet answered
        self._view: View | None = None
        self._own_message = False  # a MESSAGE made here, not by the session, is on screen
        self.screens: dict[Screen, TenantScreen] = build_screens()
        for screen, widget in self.screens.items():
            window.add_screen(window_key(screen), widget)
        self._wire_screens()
        queued = Qt.ConnectionType.QueuedConnection
        self._inserted.connect(self._on_inserted, queued)
        self._removed.connect(self._on_removed, queued)
        self._reader_failed.connect(self._on_reader_failed, queued)
        window.tick.connect(self._on_tick)
        window.language_changed.connect(self._language_changed)

    # -- public API ----------------------------------------------------------------------------

    def start(self) -> None:
        """Watch the reader and show what the session shows now."""
        self._call(lambda: self.session.view)
        if self.monitor is None:
            self.monitor = CardMonitor(
                self.reader,
                on_insert=lambda _atr: self._inserted.emit(),
                on_remove=self._removed.emit,
                on_error=self._reader_failed.emit,
            )
        self.monitor.start()

    def stop(self) -> None:
        """Stop watching the reader and wait for the session call under way (shutdown)."""
        if self.monitor is not None:
            self.monitor.stop()
        self._generation += 1
        self.paused = True
        self.runner.wait_idle()

    def pause(self) -> None:
        """Admin mode has the kiosk: forward nothing, drop answers still on their way."""
        if not self.paused:
            self.paused = True
            self._generation += 1

    def resume(self) -> None:
        """Admin mode is over: the session back to ATTRACT, card events and ticks forwarded."""
        self.paused = False
        self._generation += 1
        self._call(self.session.reset)

    @property
    def busy(self) -> bool:
        """A session call is under way (ticks wait for it rather than pile up)."""
        return self._pending > 0

    @property
    def view(self) -> View | None:
        """The view on screen: the session's last answer, or a MESSAGE of the controller's own
        (a failing session call or reader)."""
        return self._view

    def screen(self, screen: Screen) -> TenantScreen:
        return self.screens[screen]

    # -- what happens --------------------------------------------------------------------------

    def _wire_screens(self) -> None:
        s, call, screens = self.session, self._call, self.screens
        cast(AttractScreen, screens[Screen.ATTRACT]).language_chosen.connect(self._choose_language)
        account = cast(AccountScreen, screens[Screen.ACCOUNT])
        account.top_up.connect(lambda: call(s.start_amount))
        account.done.connect(lambda: call(s.back))
        amount = cast(AmountScreen, screens[Screen.AMOUNT])
        amount.preset_chosen.connect(lambda minor: call(s.preview, minor))
        amount.entry_changed.connect(lambda text: call(s.preview, text))
        amount.pay.connect(lambda: call(s.choose))
        amount.back.connect(lambda: call(s.back))
        cast(PayingScreen, screens[Screen.PAYING]).cancel.connect(lambda: call(s.cancel))
        cast(DoneScreen, screens[Screen.DONE]).ok.connect(lambda: call(s.dismiss))
        cast(MessageScreen, screens[Screen.MESSAGE]).ok.connect(lambda: call(s.dismiss))

    @Slot()
    def _on_inserted(self) -> None:
        if not self.paused:
            self._call(self.session.card_present)
        self.card_arrived.emit()

    @Slot()
    def _on_removed(self) -> None:
        if not self.paused:
            self._call(self.session.card_removed)
        self.card_left.emit()

    @Slot(object)
    def _on_reader_failed(self, error: CardError) -> None:
        log.error("card reader failed: %s (%s)", error.code, error.message)
        if not self.paused and self.window.current_key == window_key(Screen.ATTRACT):
            # nobody can use the kiosk now: say so rather than ignore every tap
            self._show_own(say("reader_error"))

    @Slot()
    def _on_tick(self) -> None:
        if self.paused or self.busy:  # the session is working: this second's tick is not needed
            return
        self._call(self.session.tick, tick=True)

    def _choose_language(self, language: Language) -> None:
        try:
            self.window.set_language(language)
        except TranslationError as exc:  # a kiosk without that file still works in English
            log.error("language %s not available: %s", language.value, exc)
        # the tapped button checked itself: show the language really in use
        self._language_changed(self.window.translations.language)

    def _language_changed(self, language: object) -> None:
        attract = self.screens[Screen.ATTRACT]
        if isinstance(attract, AttractScreen) and isinstance(language, Language):
            attract.set_current_language(language)

    # -- calling the session and showing its answer --------------------------------------------

    def _call(self, fn: Callable[..., View], *args: Any, tick: bool = False) -> None:
        if self.paused:
            return
        self._pending += 1
        generation = self._generation
        self.runner.submit(
            fn,
            *args,
            on_done=functools.partial(self._answered, generation, tick),
            on_error=functools.partial(self._failed, generation),
        )

    def _answered(self, generation: int, tick: bool, view: object) -> None:
        self._pending -= 1
        if generation != self._generation:
            return  # asked before a pause: admin mode has the screen now
        if not isinstance(view, View):  # a session bug: say so rather than freeze
            log.error("tenant session answered %r, not a View", view)
            self._show_own(say("kiosk_error"))
            return
        if tick and (self._own_message or view == self._view):
            # a second passed and nothing changed (or a sentence of ours waits for its OK)
            return
        self._show(view)

    def _failed(self, generation: int, exc: BaseException) -> None:
        self._pending -= 1
        log.error("tenant session call failed", exc_info=exc)
        if generation == self._generation:
            self._show_own(say("kiosk_error"))

    def _show(self, view: View) -> None:
        previous, self._view, self._own_message = self._view, view, False
        if view.screen is Screen.STAFF:
            self.pause()
            self.staff_card.emit(view.payload)
            self.view_shown.emit(view)
            return
        try:
            widget = self.screens[view.screen]
            widget.show_view(view.payload)
            self.window.show_screen(window_key(view.screen))
        except Exception:  # a rendering bug must not leave a frozen screen
            log.exception("could not show %s", view.screen.name)
            self._show_own(say("kiosk_error"))
            return
        if view.screen is Screen.WRITING and (
            previous is None or previous.screen is not view.screen
        ):
            # the session writes on poll(); ask at once rather than at the next tick
            self._call(self.session.poll)
        self.view_shown.emit(view)

    def _show_own(self, message: Message) -> None:
        """A sentence of the controller's own (a failure below the session): never a traceback.
        Ticks leave it alone; its OK asks the session, which answers with its own view again."""
        view = View(Screen.MESSAGE, MessageView(message, call_staff=True))
        self._view, self._own_message = view, True
        self.screens[Screen.MESSAGE].show_view(view.payload)
        self.window.show_screen(window_key(Screen.MESSAGE))
        self.view_shown.emit(view)
