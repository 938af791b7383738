"""Sync with the management platform (DESIGN.md §8): send the outbox, pull reference data.

:class:`Syncer` does one run: it sends the outbox in seq order, in batches, marking messages sent
only up to the ``acked_seq`` the backend replies with (everything up to it is stored there), then
pulls the reference data changed since its cursor and applies it in one transaction with the new
cursor (:mod:`kiosk.sync_apply`). Offline, a run fails fast with :class:`SyncUnreachableError`
and nothing is lost: the outbox keeps growing and the next run catches up, oldest first.

:class:`SyncWorker` repeats runs on a thread with a stop event: every ``interval`` seconds while
runs succeed, and after a failure with exponential backoff and full jitter (a random delay between
0 and ``min(cap, base * 2**failures)``), so a building's kiosks coming back after an outage do not
all call at once. The Qt UI wraps it; ``prepay-kiosk sync --loop`` runs it on the command line.

A kiosk restored from a backup asks the backend which seqs it already holds (``/sync/state``) and
continues after them; messages it numbered again meanwhile are renumbered after them.

After a run that reached the backend, refused or not, the kiosk reports itself (``/sync/status``):
its backlog and the age of its oldest queued message, its clock offset, the reference cursor, the
last error -- what the property manager's kiosk health shows. It reports when any of these changed
since its last report, and otherwise every :data:`STATUS_EVERY_S`: a report after every run
doubled the backend's requests (bench/sync_ingest.py --status), while a kiosk in good health says
the same thing each time. The report is best effort: when it fails, the run is still what its push
and pull made it, and the next run reports again.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from kiosk import outbox
from kiosk.db import Database
from kiosk.db.base import utcnow
from kiosk.db.models import OutboxMessage, SyncState
from kiosk.sync_apply import ApplyReport, apply_changes
from kiosk.sync_client import SyncClient, SyncError, SyncRefusedError, SyncUnreachableError

log = logging.getLogger(__name__)

#: messages per push, and reference changes per pull page
BATCH = 200
PAGE = 500
#: pages one run pulls at most (a first sync of a large site continues on the next run)
MAX_PAGES = 200
#: a status report that says what the last one said is sent at most this often (seconds)
STATUS_EVERY_S = 900.0
#: what a status report is compared on: the fields that change what kiosk health shows
_STATUS_FIELDS = ("backlog", "oldest_unsent_at", "clock_offset_s", "cursor", "last_error")


def _software() -> str:
    try:
        return f"prepay-kiosk {importlib.metadata.version('prepay-kiosk')}"
    except importlib.metadata.PackageNotFoundError:  # run from a source tree not installed
        return "prepay-kiosk"


#: what the status report names as the kiosk's software
SOFTWARE = _software()


@dataclass
class SyncReport:
    """What one run did, for the status screen and the log."""

    #: messages the backend acknowledged in this run
    pushed: int = 0
    #: every message up to this seq is held by the backend
    acked_seq: int = 0
    #: messages still waiting to be sent after the run
    backlog: int = 0
    #: reference changes applied, and the cursor saved with them
    pulled: int = 0
    cursor: int = 0
    problems: list[str] = field(default_factory=list)
    error: SyncError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        if self.error is not None:
            return f"sync failed: {self.error.message} [{self.error.code}]"
        text = (
            f"sent {self.pushed} (backend holds up to seq {self.acked_seq}, {self.backlog} "
            f"waiting); applied {self.pulled} reference changes (cursor {self.cursor})"
        )
        return text + (f"; {len(self.problems)} not applied" if self.problems else "")


class Syncer:
    """One kiosk's sync runs against one backend."""

    def __init__(
        self,
        db: Database,
        client: SyncClient,
        kiosk_id: str,
        site_id: int,
        batch: int = BATCH,
        page: int = PAGE,
        status_every: float = STATUS_EVERY_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.client = db, client
        self.kiosk_id, self.site_id = kiosk_id, site_id
        self.batch, self.page = batch, page
        self.status_every, self.monotonic = status_every, monotonic
        #: what the last status report the backend took said, and when it was sent
        self._reported: tuple[Any, ...] | None = None
        self._reported_at = 0.0
        self._state_checked = False
        self._lock = threading.Lock()  # one run at a time (the worker and a "sync now" button)
        with db.session() as s:
            state = s.get(SyncState, kiosk_id)
            if state is not None:
                client.offset = float(state.clock_offset)

    # -- a run -------------------------------------------------------------------------------------

    def run_once(self) -> SyncReport:
        """Push, then pull; never raises a SyncError (it is in the report)."""
        with self._lock:
            report = SyncReport()
            try:
                report.pushed, report.acked_seq = self.push()
                applied = self.pull()
                report.pulled, report.problems = applied.total, applied.problems
            except SyncError as exc:
                report.error = exc
                log.warning("sync: %s [%s]", exc.message, exc.code)
            with self.db.session() as s:
                state = self._state(s)
                state.clock_offset = round(self.client.offset)
                state.last_error = "" if report.error is None else report.error.message[:255]
                report.cursor = state.cursor
                backlog = outbox.backlog(s, self.kiosk_id)
                report.backlog = backlog.unsent
                if not report.acked_seq:
                    report.acked_seq = backlog.last_sent_seq
                status = self._status_body(state, backlog)
            if not isinstance(report.error, SyncUnreachableError):
                self._report_status(status)
            return report

    def _status_body(self, state: SyncState, backlog: outbox.Backlog) -> dict[str, Any]:
        """What the kiosk tells the backend of itself (docs/sync-api.md, Status). Times are on the
        backend's clock: the kiosk's own, corrected by the offset it learnt."""
        offset = dt.timedelta(seconds=round(self.client.offset))
        oldest = backlog.oldest_unsent_at
        return {
            "at": dt.datetime.fromtimestamp(self.client.now(), dt.UTC).isoformat(),
            "backlog": backlog.unsent,
            "oldest_unsent_at": None if oldest is None else (oldest + offset).isoformat(),
            "last_seq": backlog.last_seq,
            "clock_offset_s": round(self.client.offset),
            "cursor": state.cursor,
            "last_error": state.last_error,
            "software": SOFTWARE,
        }

    def _report_status(self, status: dict[str, Any]) -> None:
        said = tuple(status[name] for name in _STATUS_FIELDS)
        now = self.monotonic()
        if said == self._reported and now - self._reported_at < self.status_every:
            return  # the backend already shows this
        try:
            self.client.report_status(status)
        except SyncError as exc:  # an older backend, or the network went: next run reports again
            log.info("sync: status report not taken: %s [%s]", exc.message, exc.code)
            return
        self._reported, self._reported_at = said, now

    # -- push --------------------------------------------------------------------------------------

    def push(self) -> tuple[int, int]:
        """Send every unsent message, oldest first; (messages acknowledged, acked_seq)."""
        if not self._state_checked:
            self._check_state()
        sent, acked = 0, 0
        renumbered = False
        while True:
            with self.db.session() as s:
                batch = [_wire(m) for m in outbox.pending(s, self.kiosk_id, self.batch)]
            if not batch:
                return sent, acked
            try:
                reply = self.client.push(batch)
            except SyncRefusedError as exc:
                taken = exc.detail.get("seq")
                if exc.code == "seq_taken" and isinstance(taken, int) and not renumbered:
                    self._renumber_from(taken)
                    renumbered = True
                    continue
                raise
            acked = _int(reply, "acked_seq")
            with self.db.session() as s:
                marked = outbox.mark_sent(s, self.kiosk_id, acked, utcnow())
                self._state(s).last_push_at = utcnow()
            sent += marked
            first = batch[0]["seq"]
            if acked < first - 1:
                # the backend lacks messages this kiosk counted as sent (its database was
                # restored from a backup): send them again from the first one it is missing
                self._resend_after(acked)
                continue
            if marked == 0:
                raise SyncError(
                    f"the backend stored the batch from seq {first} but waits for seq "
                    f"{acked + 1} first",
                    code="gap_at_backend",
                )

    def _check_state(self) -> None:
        """Once per process: continue the seq after what the backend already holds."""
        state = self.client.state()
        held = _int(state, "max_seq")
        with self.db.session() as s:
            outbox.continue_after(s, self.kiosk_id, held)
        self._state_checked = True

    def _renumber_from(self, taken: int) -> None:
        """The backend holds another message under our seq ``taken``: this kiosk was restored from
        a backup and numbered new messages again from the backup's counter. The unsent messages
        before it are the backup's own (the backend holds them: duplicates); from it on, every
        unsent message gets a seq after the backend's, in the order they were written."""
        state = self.client.state()
        held = _int(state, "max_seq")
        with self.db.session() as s:
            outbox.continue_after(s, self.kiosk_id, held)
            s.flush()  # take_seqs below goes past the ORM
            again = list(
                s.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.kiosk_id == self.kiosk_id,
                        OutboxMessage.sent_at.is_(None),
                        OutboxMessage.seq >= taken,
                    )
                    .order_by(OutboxMessage.id)  # the order they were committed in
                )
            )
            first = outbox.take_seqs(s.connection(), self.kiosk_id, len(again))
            for n, message in enumerate(again):  # new seqs are above every seq in use
                s.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message.id)
                    .values(seq=first + n)
                    .execution_options(synchronize_session=False)
                )
        log.warning(
            "sync: %d unsent messages from seq %d renumbered after seq %d (restored from a "
            "backup?)",
            len(again),
            taken,
            held,
        )

    def _resend_after(self, acked: int) -> None:
        with self.db.session() as s:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.kiosk_id == self.kiosk_id, OutboxMessage.seq > acked)
                .values(sent_at=None)
            )
        log.warning("sync: the backend holds only up to seq %d: sending again from there", acked)

    # -- pull --------------------------------------------------------------------------------------

    def pull(self) -> ApplyReport:
        """Fetch every page changed since the cursor; apply them with the new cursor at once."""
        with self.db.session() as s:
            cursor = self._state(s).cursor
        changes: list[dict[str, Any]] = []
        for _page in range(MAX_PAGES):
            page = self.client.pull(cursor, self.page)
            try:
                changes += list(page["changes"])
                cursor = int(page["cursor"])
                more = bool(page["more"])
            except (KeyError, TypeError, ValueError) as exc:
                raise SyncError(f"the backend sent a malformed page: {exc}", "bad_reply") from exc
            if not more:
                break
        try:
            with self.db.session() as s:
                return apply_changes(s, self.kiosk_id, self.site_id, changes, cursor)
        except (KeyError, TypeError) as exc:
            raise SyncError(f"the backend sent a malformed change: {exc}", "bad_reply") from exc

    # -- helpers -----------------------------------------------------------------------------------

    def _state(self, s: Any) -> SyncState:
        state = s.get(SyncState, self.kiosk_id)
        if state is None:
            state = SyncState(kiosk_id=self.kiosk_id, cursor=0, clock_offset=0, last_error="")
            s.add(state)
        return state  # type: ignore[no-any-return]

    def status(self) -> dict[str, Any]:
        """What a technician checks first: backlog, last runs, cursor, clock offset."""
        with self.db.session() as s:
            backlog = outbox.backlog(s, self.kiosk_id)
            state = s.scalar(select(SyncState).where(SyncState.kiosk_id == self.kiosk_id))
            return {
                "unsent": backlog.unsent,
                "oldest_unsent_at": backlog.oldest_unsent_at,
                "last_seq": backlog.last_seq,
                "last_sent_seq": backlog.last_sent_seq,
                "cursor": state.cursor if state else 0,
                "last_push_at": state.last_push_at if state else None,
                "last_pull_at": state.last_pull_at if state else None,
                "clock_offset": state.clock_offset if state else 0,
                "last_error": state.last_error if state else "",
            }


def _wire(message: OutboxMessage) -> dict[str, Any]:
    return {
        "kiosk_id": message.kiosk_id,
        "seq": message.seq,
        "idempotency_key": message.idempotency_key,
        "kind": message.kind,
        "payload": message.payload,
    }


def _int(reply: dict[str, Any], name: str) -> int:
    value = reply.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SyncError(f"the backend's reply has no whole number {name}", "bad_reply")
    return value


# -- the background worker -------------------------------------------------------------------------


def full_jitter(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` failed runs in a row: uniform in
    [0, min(cap, base * 2**failures)]."""
    return rng.uniform(0.0, min(cap, base * 2 ** min(failures, 32)))


class SyncWorker:
    """Runs :meth:`Syncer.run_once` on a thread until stopped (see the module docstring)."""

    def __init__(
        self,
        syncer: Syncer,
        interval: float,
        on_report: Callable[[SyncReport], None] | None = None,
        backoff_base: float = 2.0,
        backoff_cap: float = 300.0,
        rng: random.Random | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError("the sync interval must be more than 0 seconds")
        self.syncer, self.interval, self.on_report = syncer, interval, on_report
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.rng = rng or random.Random()
        self.failures = 0
        self.last: SyncReport | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> SyncWorker:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kiosk-sync", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the run under way (if any); wait for it at most ``timeout`` seconds."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Run now instead of at the end of the wait (after a top-up, or a "sync now" button)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def next_delay(self, report: SyncReport) -> float:
        if report.ok:
            self.failures = 0
            return self.interval
        self.failures += 1
        return full_jitter(self.failures, self.backoff_base, self.backoff_cap, self.rng)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.syncer.run_once()
            except Exception as exc:  # a bug must not end sync for good: report it, back off
                log.exception("sync run failed")
                report = SyncReport(error=SyncError(f"{type(exc).__name__}: {exc}", "crashed"))
            self.last = report
            if self.on_report is not None:
                self.on_report(report)
            delay = self.next_delay(report)
            self._wake.wait(delay)
            self._wake.clear()


__all__ = [
    "SyncError",
    "SyncReport",
    "SyncUnreachableError",
    "SyncWorker",
    "Syncer",
    "full_jitter",
]
