"""Tenants and meters in the kiosk's outbox (kiosk/outbox.py): staff issuing a card for a tenant and
a meter the kiosk has not heard of create both, and each is reported -- before the card, which
refers to them -- in payloads the backend accepts; tenants and meters applied from a pull are the
backend's own and are not reported back."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest

from backend.sync_schemas import CardPayload, MeterPayload, TenantPayload
from kiosk.admin.issuing import TenantCardRequest
from kiosk.db import Database
from kiosk.db.models import CardRole, OutboxMessage
from kiosk.outbox import iter_messages
from kiosk.sync_apply import apply_changes
from tests import cards
from tests.unit import test_admin_env
from tests.unit.test_admin_env import MANAGER, WALLET_REQUEST, Rig, admin_rig

#: a meter card for tenant 3001 and card meter 4242, neither known at the kiosk yet
NEW_TENANT_METER_CARD = TenantCardRequest(
    role=CardRole.METER,
    serial=3001,
    tenant_id=3001,
    tenant_name="Acme Ltd",
    unit="30F",
    meter_id=4242,
    tariff_code="ELEC-STD",
    utility="electricity",
)


@pytest.fixture()
def rig(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    """The admin-mode rig on a kiosk database that writes its outbox as kiosk K1."""
    monkeypatch.setattr(test_admin_env, "Database", functools.partial(Database, kiosk_id="K1"))
    with admin_rig(tmp_path) as rig:
        yield rig


def outbox(rig: Rig) -> list[OutboxMessage]:
    with rig.db.session() as s:
        return list(iter_messages(s, "K1"))


def issue(rig: Rig, card: Any, request: TenantCardRequest) -> list[OutboxMessage]:
    """Issue ``card`` as the manager; the messages the issue itself wrote."""
    session = rig.login(MANAGER)
    before = len(outbox(rig))
    rig.put(card)
    rig.admin.issue_card(session, request)
    return outbox(rig)[before:]


def about(rig: Rig, kind: str, subject: int) -> list[dict[str, Any]]:
    return [m.payload for m in outbox(rig) if m.kind == kind and m.payload["id"] == subject]


def test_a_card_issued_for_a_new_tenant_and_meter_reports_them_first(rig: Rig):
    issued = issue(rig, cards.ntag215(), NEW_TENANT_METER_CARD)
    # one transaction, in seq order: what the card refers to before the card, then the audit
    kinds = [m.kind for m in issued]
    assert kinds == ["tenant", "meter", "card", "audit_entry"]
    assert [m.seq for m in issued] == list(range(issued[0].seq, issued[0].seq + 4))
    tenant, meter, card, _ = (m.payload for m in issued)
    # what the backend needs, in payloads it takes
    TenantPayload.model_validate(tenant)
    MeterPayload.model_validate(meter)
    CardPayload.model_validate(card)
    assert {k: tenant[k] for k in ("id", "site_id", "name", "unit", "keep_power")} == {
        "id": 3001,
        "site_id": cards.SITE_ID,
        "name": "Acme Ltd",
        "unit": "30F",
        "keep_power": False,
    }
    assert {k: meter[k] for k in ("id", "tenant_id", "kind", "utility", "tariff_code")} == {
        "id": 4242,
        "tenant_id": 3001,
        "kind": "card",
        "utility": "electricity",
        "tariff_code": "ELEC-STD",
    }
    assert (card["tenant_id"], card["meter_id"]) == (3001, 4242)


def test_a_tenant_the_kiosk_knows_is_not_reported_again(rig: Rig):
    rig.issue(cards.ntag215(), WALLET_REQUEST)  # creates tenant 7 here
    assert len(about(rig, "tenant", 7)) == 1
    second = TenantCardRequest(role=CardRole.WALLET, serial=1002, tenant_id=7, tenant_name="X")
    rig.issue(cards.ntag213(), second)
    assert len(about(rig, "tenant", 7)) == 1  # the second card found it: nothing changed


def test_tenants_and_meters_applied_from_a_pull_are_not_reported_back(rig: Rig):
    before = len(outbox(rig))
    tenant = {"id": 3001, "site_id": cards.SITE_ID, "name": "Acme Ltd", "unit": "30F"}
    meter = {
        "id": 4242,
        "site_id": cards.SITE_ID,
        "tenant_id": 3001,
        "kind": "card",
        "utility": "electricity",
        "tariff_code": "ELEC-STD",
        "label": "",
    }
    changes = [
        {"type": "tenant", "id": 3001, "rev": 1, "deleted": False, "data": tenant},
        {"type": "meter", "id": 4242, "rev": 2, "deleted": False, "data": meter},
    ]
    with rig.db.session() as s:
        assert apply_changes(s, "K1", cards.SITE_ID, changes, 2).applied == {
            "tenant": 1,
            "meter": 1,
        }
    renamed = [{**changes[0], "rev": 3, "data": {**tenant, "name": "Acme Holdings"}}]
    with rig.db.session() as s:
        apply_changes(s, "K1", cards.SITE_ID, renamed, 3)
    assert len(outbox(rig)) == before
    # a card staff then issue for them refers to rows the backend has: only the card is new
    request = TenantCardRequest(role=CardRole.METER, serial=3001, tenant_id=3001, meter_id=4242)
    assert [m.kind for m in issue(rig, cards.ntag215(), request)] == ["card", "audit_entry"]
