"""Blocking work off the GUI thread, results back on it.

A :class:`Runner` owns a thread pool. ``runner.submit(fn, *args, on_done=..., on_error=...)``
runs ``fn`` on a pool thread; its return value (or the exception it raised) is delivered to the
callbacks on the GUI thread through a queued signal, so a callback may touch widgets. A runner
with ``max_threads=1`` runs its tasks one after another in submission order, which is what a
session object that is not thread-safe needs.

Tests call :meth:`Runner.wait_idle` (or use pytest-qt's ``qtbot.waitUntil``) instead of sleeping.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class Runner(QObject):
    """Runs callables on a pool thread and calls back on the thread that owns the runner."""

    #: (task id, result or exception, succeeded) -- emitted on a pool thread, queued to ours
    _finished = Signal(int, object, bool)
    #: emitted on the GUI thread when the last outstanding task has reported
    idle = Signal()

    def __init__(self, max_threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callback | None, Callback | None]] = {}
        self._lock = threading.Lock()
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callback | None = None,
        on_error: Callback | None = None,
    ) -> int:
        """Queue ``fn(*args)``; returns a task id. An exception without ``on_error`` is logged."""
        task_id = next(self._ids)
        with self._lock:
            self._callbacks[task_id] = (on_done, on_error)
        # a plain callable, not a QRunnable subclass: PySide6 kept the Python wrapper of a
        # QRunnable that finished before start() returned, leaking ~1 % of tasks (bench/ui.py)
        self._pool.start(functools.partial(self._run, task_id, fn, args))
        return task_id

    def _run(self, task_id: int, fn: Callable[..., Any], args: tuple) -> None:
        try:
            result = fn(*args)
        except BaseException as exc:  # delivered to on_error on the GUI thread, never lost
            self._finished.emit(task_id, exc, False)
        else:
            self._finished.emit(task_id, result, True)

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._callbacks)

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        """Block until the pool has run everything queued (tests, shutdown). Callbacks are still
        delivered by the event loop afterwards."""
        return self._pool.waitForDone(timeout_ms)

    @Slot(int, object, bool)
    def _deliver(self, task_id: int, payload: object, ok: bool) -> None:
        with self._lock:
            on_done, on_error = self._callbacks.pop(task_id, (None, None))
            now_idle = not self._callbacks
        try:
            if ok:
                if on_done is not None:
                    on_done(payload)
            elif on_error is not None:
                on_error(payload)
            else:
                log.error("background task failed", exc_info=payload)  # type: ignore[arg-type]
        finally:
            if now_idle:
                self.idle.emit()
