"""Cards issued, blocked or replaced by staff at a kiosk (``card`` messages) projected into the
backend's reference data, so the manager can blacklist them and the site's other kiosks pull them.

The rules (docs/sync-api.md, "Cards reported by a kiosk"):

* a card the backend does not know is created as the kiosk has it, through
  :func:`backend.reference.put_card`, so it takes a change number and every kiosk of the site
  pulls it;
* a block at a kiosk (blacklisted, replaced) always wins: it is the safe side;
* a kiosk reporting ``active`` never lifts a block, with one exception: the new card of a
  replacement, which the kiosk holds blocked until the carried value is on it, is reported with
  ``held_for_replacement`` and blocked here under :func:`hold_reason`; the same kiosk reporting it
  active afterwards lifts that hold -- and only that (a manager's blacklist set meanwhile stays);
* the backend's own fields (tenant, meter, serial…) of a card it knows stay as they are: the
  manager's reference data is the master copy;
* what cannot be applied -- a card or uid of another site, a tenant, meter or staff member the
  backend does not know (a tenant or meter created at the kiosk with the card is reported, and
  created here by :mod:`backend.reference_reports`, before the card), a serial its column cannot
  hold -- changes nothing and is logged; the message itself is kept as received, like every
  message. Nothing here raises for bad data: a refused push would stall the kiosk's whole outbox
  behind one card.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from backend import reference
from backend.admin_schemas import CardIn
from backend.db.models import CardRow, KioskRow
from backend.errors import BackendError
from backend.fields import CARD_UID_PATTERN
from backend.sync_schemas import CardPayload
from kiosk.db.models.cards import CardStatus

log = logging.getLogger(__name__)

_UID = re.compile(CARD_UID_PATTERN)
#: CardRow.status_reason's length
_REASON_MAX = 255


@dataclass
class CardReportOutcome:
    """What one report did to the backend's card list."""

    uid: str
    #: what changed, in words ("created", "blacklisted", "hold lifted"); empty: nothing
    changes: list[str] = field(default_factory=list)
    #: why (part of) the report was not applied; each is also logged
    problems: list[str] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.problems


def hold_reason(kiosk_id: str) -> str:
    """The status reason of a replacement's new card that ``kiosk_id`` holds blocked."""
    return f"held by kiosk {kiosk_id} until its card replacement finishes"


def apply_card_report(
    session: Session, kiosk_id: str, payload: CardPayload, site_id: int | None = None
) -> CardReportOutcome:
    """Project one ``card`` message of ``kiosk_id`` (of ``site_id``; looked up when None) into the
    backend's cards, in the caller's transaction. Never raises for the report's data: problems
    are in the outcome (and the log)."""
    uid = payload.uid.strip().lower()
    outcome = CardReportOutcome(uid)
    if site_id is None:
        kiosk = session.get(KioskRow, kiosk_id)
        if kiosk is None:  # cannot happen under ingest.push (it locked the row): said, not raised
            return _problem(outcome, kiosk_id, "the kiosk is not enrolled")
        site_id = kiosk.site_id
    if payload.site_id != site_id:
        # a kiosk speaks for its own site only: it must not create or block another site's cards
        return _problem(
            outcome, kiosk_id, f"a card of site {payload.site_id}, from a kiosk of site {site_id}"
        )
    if not _UID.match(uid):
        return _problem(outcome, kiosk_id, f"{uid!r} is not a card UID in hex")
    # pending rows of the caller (the push's own) are written first, outside the savepoint: an
    # error of theirs is theirs to raise, not this report's to swallow
    session.flush()
    try:
        # a savepoint: a refused step leaves no half-made change, and on PostgreSQL a failed
        # statement would otherwise abort the whole push's transaction
        with session.begin_nested():
            _apply(session, kiosk_id, site_id, uid, payload, outcome)
    except (BackendError, ValidationError, IntegrityError, DataError) as exc:
        outcome.changes.clear()
        _problem(outcome, kiosk_id, why_refused(exc))
    if outcome.changes:
        log.info("card %s from kiosk %s: %s", uid, kiosk_id, ", ".join(outcome.changes))
    return outcome


def _apply(
    session: Session,
    kiosk_id: str,
    site_id: int,
    uid: str,
    payload: CardPayload,
    outcome: CardReportOutcome,
) -> None:
    row = session.get(CardRow, uid)
    if row is not None and row.site_id != site_id:
        _problem(outcome, kiosk_id, f"the backend has this card at site {row.site_id}")
        return
    if row is None or row.deleted:
        if row is not None and not _reissued_or_blocked(row, payload):
            # the manager deleted it after the kiosk issued it: the deletion stands
            _problem(outcome, kiosk_id, "the card was deleted here after the kiosk issued it")
            return
        body = CardIn(
            site_id=site_id,
            role=payload.role,
            serial=payload.serial,
            tenant_id=payload.tenant_id,
            meter_id=payload.meter_id,
            staff_id=payload.staff_id,
        )
        row, _created = reference.put_card(session, uid, body)
        outcome.changes.append("created")
    blocked = row.status is not CardStatus.ACTIVE
    held_here = blocked and row.status_reason == hold_reason(kiosk_id)
    if payload.status is CardStatus.ACTIVE:
        if held_here and not payload.held_for_replacement:
            reference.set_card_status(session, uid, CardStatus.ACTIVE, "")
            outcome.changes.append("hold lifted")
        elif blocked:
            # only the manager reinstates: the kiosk may not have pulled the blacklist yet
            log.info(
                "card %s: kiosk %s has it active; the backend's %s stands",
                uid,
                kiosk_id,
                row.status.value,
            )
        return
    if payload.held_for_replacement:
        if not blocked:
            reference.set_card_status(session, uid, payload.status, hold_reason(kiosk_id))
            outcome.changes.append("held")
        return
    reason = _block_reason(kiosk_id, payload)
    # this kiosk's own earlier words are brought up to date (a replaced card learns its new
    # card's UID later); a reason the manager wrote stays
    head = _block_reason(kiosk_id, payload, bare=True)
    ours = row.status_reason == head or row.status_reason.startswith((f"{head}:", f"{head} by "))
    if row.status is not payload.status or held_here or (ours and row.status_reason != reason):
        reference.set_card_status(session, uid, payload.status, reason)
        outcome.changes.append(payload.status.value)


def _reissued_or_blocked(row: CardRow, payload: CardPayload) -> bool:
    """Whether a report brings a card deleted here back: blocked (safer known than unknown, which
    a kiosk serves), or issued again at the kiosk after the deletion."""
    if payload.status is not CardStatus.ACTIVE:
        return True
    deleted_at = row.updated_at
    if payload.issued_at is None or deleted_at is None:
        return False
    if deleted_at.tzinfo is None:
        deleted_at = deleted_at.replace(tzinfo=dt.UTC)
    return payload.issued_at > deleted_at


def _block_reason(kiosk_id: str, payload: CardPayload, bare: bool = False) -> str:
    """The status reason of a block at ``kiosk_id``; ``bare``: only its fixed start."""
    if payload.status is CardStatus.REPLACED:
        text = f"replaced at kiosk {kiosk_id}"
        if bare:
            return text
        if payload.replaced_by:
            text += f" by card {payload.replaced_by.lower()}"
    else:
        text = f"blocked at kiosk {kiosk_id}"
        if bare:
            return text
    if payload.reason.strip():
        text += f": {payload.reason.strip()}"
    return text[:_REASON_MAX]


def why_refused(exc: Exception) -> str:
    """Why the backend refused a report, in a sentence for the log (also for
    backend.reference_reports)."""
    if isinstance(exc, BackendError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
    return f"the database refused it: {type(exc).__name__}"


def _problem(outcome: CardReportOutcome, kiosk_id: str, text: str) -> CardReportOutcome:
    text = f"card {outcome.uid} from kiosk {kiosk_id} not applied: {text}"
    log.warning("%s", text)
    outcome.problems.append(text)
    return outcome
