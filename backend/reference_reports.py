"""Tenants and meters created by staff at a kiosk (``tenant`` and ``meter`` messages) projected into
the backend's reference data, so that the cards issued for them can join the site's card list.

Staff issuing a card for a tenant or a card meter the kiosk has not heard of create them at the
kiosk, offline too (kiosk/admin/issuing.py). The kiosk's outbox reports the tenant and the meter
before the card of the same transaction, and a push is applied in the kiosk's order, so by the time
the card's report is applied (backend/card_reports.py) the backend knows what it refers to.

The rules (docs/sync-api.md, "Tenants and meters reported by a kiosk"):

* one the backend does not know is created in the kiosk's site as the kiosk has it, through
  :func:`backend.reference.put_tenant` / :func:`~backend.reference.put_meter`, so it takes a
  change number and every kiosk of the site pulls it. A meter's ``label`` is the kiosk's own (a
  networked meter's address there) and is not taken;
* one the backend knows is left as the backend has it -- the manager's reference data is the
  master copy -- and so is one the manager deleted: the deletion stands;
* what cannot be applied -- another site's, an id beyond the backend's columns, data the
  manager's own edit would be refused for (an unknown utility, a tariff code it does not take, a
  meter's tenant the backend does not know) -- changes nothing and is logged; the message itself
  is kept as received, like every message. Nothing here raises for bad data: a refused push would
  stall the kiosk's whole outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from backend import reference
from backend.admin_schemas import MeterIn, TenantIn
from backend.card_reports import why_refused
from backend.db.models import KioskRow, MeterRow, TenantRow
from backend.errors import BackendError
from backend.sync_schemas import MeterPayload, TenantPayload

log = logging.getLogger(__name__)

#: the largest id the backend's columns hold (a kiosk takes ids up to 2**32 - 1)
ID_MAX = 2**31 - 1


@dataclass
class ReferenceReportOutcome:
    """What one tenant or meter report did to the backend's reference data."""

    #: what was reported, in words ("tenant 3001", "meter 42")
    subject: str
    #: what changed ("created"); empty: nothing
    changes: list[str] = field(default_factory=list)
    #: why the report was not applied; each is also logged
    problems: list[str] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.problems


def apply_tenant_report(
    session: Session, kiosk_id: str, payload: TenantPayload, site_id: int | None = None
) -> ReferenceReportOutcome:
    """Project one ``tenant`` message of ``kiosk_id`` (of ``site_id``; looked up when None) in the
    caller's transaction. Never raises for the report's data: problems are in the outcome."""

    def create(site: int) -> None:
        body = TenantIn(
            site_id=site, name=payload.name, unit=payload.unit, keep_power=payload.keep_power
        )
        reference.put_tenant(session, payload.id, body)

    return _report(session, kiosk_id, "tenant", TenantRow, payload, site_id, create)


def apply_meter_report(
    session: Session, kiosk_id: str, payload: MeterPayload, site_id: int | None = None
) -> ReferenceReportOutcome:
    """Project one ``meter`` message of ``kiosk_id`` (of ``site_id``; looked up when None) in the
    caller's transaction. Never raises for the report's data: problems are in the outcome."""

    def create(site: int) -> None:
        body = MeterIn.model_validate(
            {
                "site_id": site,
                "tenant_id": payload.tenant_id,
                "kind": payload.kind,
                "utility": payload.utility,
                "tariff_code": payload.tariff_code,
            }
        )
        reference.put_meter(session, payload.id, body)

    return _report(session, kiosk_id, "meter", MeterRow, payload, site_id, create)


def _report(
    session: Session,
    kiosk_id: str,
    kind: str,
    model: type[TenantRow] | type[MeterRow],
    payload: TenantPayload | MeterPayload,
    site_id: int | None,
    create: Callable[[int], None],
) -> ReferenceReportOutcome:
    outcome = ReferenceReportOutcome(f"{kind} {payload.id}")
    if site_id is None:
        kiosk = session.get(KioskRow, kiosk_id)
        if kiosk is None:  # cannot happen under ingest.push (it locked the row): said, not raised
            return _problem(outcome, kiosk_id, "the kiosk is not enrolled")
        site_id = kiosk.site_id
    if payload.site_id != site_id:
        # a kiosk speaks for its own site only
        return _problem(
            outcome, kiosk_id, f"a {kind} of site {payload.site_id}, from a kiosk of site {site_id}"
        )
    if payload.id > ID_MAX:
        return _problem(outcome, kiosk_id, f"the backend's ids go up to {ID_MAX}")
    # pending rows of the caller (the push's own) are written first, outside the savepoint: an
    # error of theirs is theirs to raise, not this report's to swallow
    session.flush()
    try:
        # a savepoint: a refused step leaves no half-made change, and on PostgreSQL a failed
        # statement would otherwise abort the whole push's transaction
        with session.begin_nested():
            row: Any = session.get(model, payload.id)
            if row is None:
                create(site_id)
                outcome.changes.append("created")
            elif row.site_id != site_id:
                _problem(outcome, kiosk_id, f"the backend has this {kind} at site {row.site_id}")
            elif row.deleted:
                _problem(outcome, kiosk_id, f"the {kind} was deleted here: the deletion stands")
            else:
                # the manager's reference data is the master copy
                log.debug("%s from kiosk %s: known here, kept as it is", outcome.subject, kiosk_id)
    except (BackendError, ValidationError, IntegrityError, DataError) as exc:
        outcome.changes.clear()
        _problem(outcome, kiosk_id, why_refused(exc))
    if outcome.changes:
        log.info("%s from kiosk %s: %s", outcome.subject, kiosk_id, ", ".join(outcome.changes))
    return outcome


def _problem(outcome: ReferenceReportOutcome, kiosk_id: str, text: str) -> ReferenceReportOutcome:
    text = f"{outcome.subject} from kiosk {kiosk_id} not applied: {text}"
    log.warning("%s", text)
    outcome.problems.append(text)
    return outcome
