"""The one place every change passes on its way into the backend's database: each message a kiosk
pushed, once, when it is applied (:mod:`backend.ingest`), and each edit of reference data
(:mod:`backend.reference`). Live views hook here.

On PostgreSQL every event is also sent with ``NOTIFY prepay_changes, '<json>'`` inside the
transaction, so it is delivered when (and only if) the change commits: a dashboard worker that
``LISTEN``s on the channel learns of it at once. SQLite has no NOTIFY; pages there poll.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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
    for event in events:
        payload = event.to_json()
        if len(payload) <= _MAX_PAYLOAD:
            session.execute(select(func.pg_notify(CHANNEL, payload)))
