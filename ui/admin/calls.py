"""Service calls for the admin screens: off the GUI thread, the staff session put in, and every
failure turned into a sentence on the screen that asked.

A screen never catches anything itself. :class:`kiosk.admin.AdminError` carries the sentence the
staff member reads (``sentence``, translated by :mod:`ui.admin.text`); anything else is a bug or a
dead part below, so the screen says a generic sentence and the traceback goes to the log, never
onto the screen.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal

from kiosk.admin import AdminError, AdminService, SessionExpiredError, StaffSession
from kiosk.admin.roles import Action, allowed
from ui.admin.text import error_text
from ui.worker import Runner

log = logging.getLogger(__name__)

T = TypeVar("T")


class Shows(Protocol):
    """What a screen offers the calls: a busy state and a place for the error sentence."""

    def set_busy(self, busy: bool) -> None: ...

    def show_error(self, text: str) -> None: ...

    def show_info(self, text: str) -> None: ...


def generic_error() -> str:
    return QCoreApplication.translate(
        "AdminCalls", "Something went wrong. Try again; if it happens again, call a technician."
    )


def sentence(exc: BaseException) -> str:
    """What the staff member reads for ``exc`` (logged when it is not an admin error)."""
    if isinstance(exc, AdminError):
        return error_text(exc)
    log.error("admin action failed", exc_info=exc)
    return generic_error()


class AdminCalls(QObject):
    """The signed-in staff member's session and the runner that every service call goes through."""

    #: a call found the session over (idle too long on the service's clock, staff deactivated)
    session_ended = Signal(str)

    def __init__(self, admin: AdminService, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.admin = admin
        self.runner = runner
        self.session: StaffSession | None = None
        # bumped when staff leave: answers to calls of an earlier visit are dropped, not shown
        self._generation = 0
        self._outstanding = 0

    # -- the visit ---------------------------------------------------------------------------

    def start(self) -> None:
        """A new visit: no session yet, earlier answers dropped."""
        self._generation += 1
        self.session = None

    def end(self) -> StaffSession | None:
        """The visit is over; returns the session to log out (None if nobody signed in)."""
        session, self.session = self.session, None
        self._generation += 1
        return session

    @property
    def busy(self) -> bool:
        return self._outstanding > 0

    def allows(self, action: Action) -> bool:
        """Whether the signed-in staff member's role allows ``action`` (kiosk.admin.roles)."""
        return self.session is not None and allowed(self.session.role, action)

    # -- calls -------------------------------------------------------------------------------

    def run(
        self,
        screen: Shows,
        method: Callable[..., T],
        *args: Any,
        on_done: Callable[[T], None],
        keep_status: bool = False,
        **kwargs: Any,
    ) -> None:
        """``method(session, *args, **kwargs)`` on the runner; ``on_done(result)`` back here.
        The screen's status line is cleared first (a new outcome replaces the last), unless
        ``keep_status`` (a list refreshed after an action whose outcome is on show)."""
        if self.session is None:
            return
        task = functools.partial(method, self.session, *args, **kwargs)
        self._submit(screen, task, on_done, keep_status)

    def run_unsigned(
        self, screen: Shows, method: Callable[..., T], *args: Any, on_done: Callable[[T], None]
    ) -> None:
        """A call that needs no session (signing in)."""
        self._submit(screen, functools.partial(method, *args), on_done, False)

    def _submit(
        self,
        screen: Shows,
        task: Callable[[], T],
        on_done: Callable[[T], None],
        keep_status: bool,
    ) -> None:
        generation = self._generation
        self._outstanding += 1
        if not keep_status:
            screen.show_info("")
        screen.set_busy(True)

        def done(result: T) -> None:
            self._outstanding -= 1
            if generation != self._generation:
                return
            screen.set_busy(False)
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._outstanding -= 1
            if generation != self._generation:
                return
            screen.set_busy(False)
            if isinstance(exc, SessionExpiredError):
                self.session_ended.emit(exc.message)
                return
            screen.show_error(sentence(exc))

        self.runner.submit(task, on_done=done, on_error=failed)
