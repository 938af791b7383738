"""The changes one worker process fans out to its live pages.

Each worker process has one :class:`ChangeHub` and one *source* that hears every change committed
to the shared database, whichever worker (or server) wrote it: :class:`~backend.web.pg_listener.
PostgresListener` on PostgreSQL, :class:`~backend.web.sqlite_poller.SqlitePoller` on SQLite. The
source starts with the first page that subscribes, in the worker's event loop, and runs until the
application shuts down. Every subscriber (one per open page) gets every change in order.

A subscriber that falls behind by :data:`QUEUE_LIMIT` changes, or a source that lost the database
for a while, gets a *resync* instead: the page fetches all its live parts again, so nothing it
shows stays stale, and nothing waits on a slow browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

QUEUE_LIMIT = 1000
RESTART_PAUSE_S = 1.0
#: what a subscriber receives: ("change", event) or ("resync", {})
Item = tuple[str, dict[str, Any]]
RESYNC: Item = ("resync", {})


class ChangeSource(Protocol):
    async def run(self, hub: ChangeHub) -> None:
        """Hear changes until cancelled: ``hub.set_ready(True)`` once listening, then
        ``hub.publish(event)`` for each; ``hub.set_ready(False)`` and later ``hub.resync()``
        around an outage."""


class Subscription:
    """One page's queue of changes."""

    def __init__(self, limit: int = QUEUE_LIMIT) -> None:
        self.limit = limit
        self._items: deque[Item] = deque()
        self._overflowed = False
        self._wake = asyncio.Event()

    def put(self, item: Item) -> None:
        if item is RESYNC or len(self._items) >= self.limit:
            self._items.clear()  # a resync supersedes every change before it
            self._overflowed = True
        else:
            self._items.append(item)
        self._wake.set()

    async def get(self, timeout: float) -> Item | None:
        """The next item, or None when nothing came within ``timeout`` seconds."""
        if not self._items and not self._overflowed:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                return None
        if self._overflowed:
            self._overflowed = False
            return RESYNC
        return self._items.popleft()


class ChangeHub:
    def __init__(self, make_source: Callable[[], ChangeSource]) -> None:
        self._make_source = make_source
        self._subscribers: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Event | None = None

    # -- for the event stream ----------------------------------------------------------------------

    def subscribe(self) -> Subscription:
        """A new subscription; starts the source on first use (in the running event loop)."""
        self._ensure_running()
        subscription = Subscription()
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    async def wait_ready(self, timeout: float) -> bool:
        """Whether the source is listening (within ``timeout`` seconds)."""
        self._ensure_running()
        assert self._ready is not None
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    # -- for the source ----------------------------------------------------------------------------

    def set_ready(self, ready: bool) -> None:
        if self._ready is not None:
            if ready:
                self._ready.set()
            else:
                self._ready.clear()

    def publish(self, event: dict[str, Any]) -> None:
        for subscription in list(self._subscribers):
            subscription.put(("change", event))

    def resync(self) -> None:
        for subscription in list(self._subscribers):
            subscription.put(RESYNC)

    # -- life cycle --------------------------------------------------------------------------------

    def _ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is not None and not self._task.done() and self._loop is loop:
            return
        if self._loop is not loop:  # a new event loop (an app started again): old pages are gone
            self._subscribers.clear()
        self._loop, self._ready = loop, asyncio.Event()
        self._task = loop.create_task(self._run(), name="dashboard-changes")

    async def _run(self) -> None:
        """Run the source; one that fails unexpectedly (a bug, not a lost database: sources
        handle that themselves) is logged and started again, and every page told to resync."""
        while True:
            try:
                await self._make_source().run(self)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the dashboard's change source failed; starting it again")
            self.set_ready(False)
            await asyncio.sleep(RESTART_PAUSE_S)
            self.resync()

    async def stop(self) -> None:
        """Stop the source (the application is shutting down)."""
        task, self._task = self._task, None
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
