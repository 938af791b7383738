"""Watching a reader for cards arriving and leaving, off the caller's thread.

:class:`CardMonitor` runs a daemon thread over any :class:`~cardlib.reader.base.Reader`. It waits
with the reader's own ``wait_for_card`` / ``wait_for_removal`` -- which block inside pcscd for
:class:`~cardlib.reader.pcsc.PcscReader` and poll ``card_present`` for the others -- in short
slices, so :meth:`CardMonitor.stop` returns promptly. Every change becomes a :class:`CardEvent`
handed to the callbacks (called on the monitor thread: a GUI posts them on to its own thread), or,
for a monitor without callbacks, put on :attr:`CardMonitor.events` to be read with
:meth:`CardMonitor.next_event`.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from cardlib.errors import CardError, NoCardError
from cardlib.reader.base import Reader

log = logging.getLogger(__name__)


class CardEventKind(enum.Enum):
    INSERTED = "inserted"
    REMOVED = "removed"
    #: the reader failed (unplugged, pcscd stopped); the monitor keeps retrying
    READER_ERROR = "reader_error"


@dataclass(frozen=True)
class CardEvent:
    kind: CardEventKind
    #: the card's ATR (INSERTED only; None when the reader could not tell it)
    atr: bytes | None = None
    #: the reader's error (READER_ERROR only)
    error: CardError | None = None
    at: float = field(default_factory=time.monotonic)


@runtime_checkable
class AtrSource(Protocol):
    """A reader that can tell the ATR of the card on it without connecting (PC/SC, nfcpy)."""

    def present_atr(self) -> bytes | None: ...


class CardMonitor:
    """Reports card insertions and removals on one reader."""

    def __init__(
        self,
        reader: Reader,
        on_insert: Callable[[bytes | None], None] | None = None,
        on_remove: Callable[[], None] | None = None,
        on_error: Callable[[CardError], None] | None = None,
        *,
        interval: float = 0.05,
        slice_seconds: float = 0.25,
        report_initial: bool = True,
        queue_events: bool | None = None,
    ) -> None:
        """``interval``: polling period for readers without a blocking wait. ``slice_seconds``:
        the longest one wait blocks (how soon :meth:`stop` takes effect). ``report_initial``:
        report a card already on the reader at start as INSERTED. ``queue_events``: also queue
        events for :meth:`next_event` (default: only when no callback is given)."""
        self.reader = reader
        self.on_insert = on_insert
        self.on_remove = on_remove
        self.on_error = on_error
        self.interval = interval
        self.slice_seconds = slice_seconds
        self.report_initial = report_initial
        #: keep events on :attr:`events` for :meth:`next_event`; by default only without
        #: callbacks -- a queue nobody reads would keep every tap of a kiosk's life
        self.queue_events = (
            queue_events
            if queue_events is not None
            else on_insert is None and on_remove is None and on_error is None
        )
        self.events: queue.Queue[CardEvent] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: whether the monitor believes a card is on the reader
        self.present = False

    def start(self) -> CardMonitor:
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"card-monitor {self.reader.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> CardMonitor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_event(self, timeout: float) -> CardEvent | None:
        """The next event, waiting up to ``timeout`` seconds; None when none came."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    # -- the thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        first = True
        failing = False
        while not self._stop.is_set():
            try:
                if first:
                    first = False
                    self.present = self.reader.card_present()
                    if self.present and self.report_initial:
                        self._emit(CardEvent(CardEventKind.INSERTED, atr=self._atr()))
                    continue
                if not self.present:
                    if self.reader.wait_for_card(self.slice_seconds, self.interval):
                        self.present = True
                        self._emit(CardEvent(CardEventKind.INSERTED, atr=self._atr()))
                elif self.reader.wait_for_removal(self.slice_seconds, self.interval):
                    self.present = False
                    self._emit(CardEvent(CardEventKind.REMOVED))
                failing = False
            except CardError as error:
                # Report a failing reader once, not every slice; keep trying until it is back.
                if not failing:
                    log.warning("card monitor on %s: %s", self.reader.name, error)
                    self._emit(CardEvent(CardEventKind.READER_ERROR, error=error))
                failing = True
                if self.present:
                    self.present = False
                    self._emit(CardEvent(CardEventKind.REMOVED))
                self._stop.wait(max(self.slice_seconds, 0.5))

    def _atr(self) -> bytes | None:
        if isinstance(self.reader, AtrSource):
            return self.reader.present_atr()
        try:
            # Readers that cannot tell the ATR otherwise: a short connection.
            with self.reader.connect() as connection:
                return connection.atr
        except NoCardError:
            return None

    def _emit(self, event: CardEvent) -> None:
        if self.queue_events:
            self.events.put(event)
        try:
            if event.kind is CardEventKind.INSERTED and self.on_insert is not None:
                self.on_insert(event.atr)
            elif event.kind is CardEventKind.REMOVED and self.on_remove is not None:
                self.on_remove()
            elif event.kind is CardEventKind.READER_ERROR and self.on_error is not None:
                assert event.error is not None
                self.on_error(event.error)
        except Exception:  # a listener's bug must not kill the monitor
            log.exception("card monitor callback failed for %s", event)
