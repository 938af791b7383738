"""The one place every change passes on its way into the backend's database: each message a kiosk
pushed, once, when it is applied (:mod:`backend.ingest`), and each edit of reference data
(:mod:`backend.reference`). Live views hook here.

On PostgreSQL the events of a transaction are also sent with ``NOTIFY prepay_changes, '<json>'``
inside it, so they are delivered when (and only if) the change commits: a dashboard worker that
``LISTEN``s on the channel learns of them at once. The payload is a JSON array of events, as many
as fit in one notification: PostgreSQL takes a lock on its notification queue at commit for every
transaction that notified, so one NOTIFY per pushed batch, not per message, keeps kiosks' pushes
from queueing on it. SQLite has no NOTIFY; pages there poll.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

CHANNEL = "prepay_changes"
#: PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; ours are a few hundred
_MAX_PAYLOAD = 7000


@dataclass(frozen=True)
class Event:
    #: "kiosk" (a pushed message applied) or "reference" (an administrator's edit)
    source: str
    #: the message kind (order, ledger_entry…) or the reference type (tenant, card…)
    kind: str
    #: what changed: the kiosk's local id, a tenant id, a card UID…
    subject: str
    kiosk_id: str | None = None
    seq: int | None = None
    tenant_id: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


def publish(session: Session, events: Sequence[Event]) -> None:
    """Announce ``events`` in the caller's transaction (see the module docstring)."""
    if not events or session.get_bind().dialect.name != "postgresql":
        return
    for payload in _payloads(events):
        session.execute(select(func.pg_notify(CHANNEL, payload)))


def _payloads(events: Sequence[Event]) -> Iterator[str]:
    """JSON arrays of the events, each under PostgreSQL's limit; an event too big alone is
    dropped (ours are a few hundred bytes: only a pathological subject could be)."""
    batch: list[str] = []
    size = 2
    for event in events:
        item = event.to_json()
        if len(item) + 2 > _MAX_PAYLOAD:
            continue
        if batch and size + len(item) + 1 > _MAX_PAYLOAD:
            yield f"[{','.join(batch)}]"
            batch, size = [], 2
        batch.append(item)
        size += len(item) + 1
    if batch:
        yield f"[{','.join(batch)}]"
