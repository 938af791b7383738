"""Cards in the kiosk's outbox (kiosk/outbox.py): issuing, blocking and replacing a card at the
kiosk each write a ``card`` message the backend accepts; cards applied from a pull are the
backend's own and are not reported back."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest

from backend.sync_schemas import CardPayload
from kiosk.db import Database
from kiosk.db.models import OutboxMessage
from kiosk.outbox import iter_messages
from kiosk.sync_apply import apply_changes
from tests import cards
from tests.unit import test_admin_env
from tests.unit.test_admin_env import MANAGER, WALLET_REQUEST, Rig, admin_rig


@pytest.fixture()
def rig(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    """The admin-mode rig on a kiosk database that writes its outbox as kiosk K1."""
    monkeypatch.setattr(test_admin_env, "Database", functools.partial(Database, kiosk_id="K1"))
    with admin_rig(tmp_path) as rig:
        yield rig


def uid_of(card: Any) -> str:
    """The card's UID in hex, as the kiosk stores it (each emulated card type has ``uid``)."""
    return str(card.uid.hex())


def messages(rig: Rig, kind: str = "card") -> list[OutboxMessage]:
    with rig.db.session() as s:
        return [m for m in iter_messages(s, "K1") if m.kind == kind]


def reports(rig: Rig, uid: str) -> list[dict[str, Any]]:
    found = [m.payload for m in messages(rig) if m.payload["uid"] == uid]
    for payload in found:  # what the kiosk sends is what the backend takes
        CardPayload.model_validate(payload)
    return found


def test_issuing_a_card_reports_it(rig: Rig):
    card = cards.ntag215()
    rig.issue(card, WALLET_REQUEST)
    (issued,) = reports(rig, uid_of(card))
    assert {k: issued[k] for k in ("role", "serial", "site_id", "tenant_id", "status")} == {
        "role": "wallet",
        "serial": 1001,
        "site_id": cards.SITE_ID,
        "tenant_id": 7,
        "status": "active",
    }
    assert issued["held_for_replacement"] is False and issued["issued_at"].endswith("+00:00")
    # the staff cards the rig issued were reported too
    staff = [m.payload for m in messages(rig) if m.payload["role"] == "staff"]
    assert sorted(p["staff_id"] for p in staff) == [1, 2]


def test_blocking_a_card_reports_it_blacklisted_with_the_reason(rig: Rig):
    card = cards.ntag215()
    rig.issue(card, WALLET_REQUEST)
    rig.admin.block_card(rig.login(MANAGER), uid_of(card), "reported stolen")
    issued, blocked = reports(rig, uid_of(card))
    assert (issued["status"], blocked["status"]) == ("active", "blacklisted")
    assert blocked["reason"] == "reported stolen"
    # the card message goes out before the audit entry of the same transaction
    with rig.db.session() as s:
        last = [m.kind for m in iter_messages(s, "K1")][-2:]
    assert last == ["card", "audit_entry"]


def test_replacing_a_card_reports_both_cards(rig: Rig):
    old, new = cards.ntag215(), cards.ntag213()
    rig.issue(old, WALLET_REQUEST)
    session = rig.login(MANAGER)
    rig.put(new)
    rig.admin.replace_card(session, uid_of(old), 1501, "lost in the lift")
    *_, replaced = reports(rig, uid_of(old))
    assert (replaced["status"], replaced["replaced_by"]) == ("replaced", uid_of(new))
    assert replaced["reason"] == "lost in the lift"
    # the new card is held blocked until the value is on it -- a hold, not a block -- then active
    statuses = [(p["status"], p["held_for_replacement"]) for p in reports(rig, uid_of(new))]
    assert statuses == [("blacklisted", True), ("active", False)]
    assert reports(rig, uid_of(new))[-1]["serial"] == 1501


def test_cards_applied_from_a_pull_are_not_reported_back(rig: Rig):
    before = len(messages(rig))
    data = {
        "uid": "0a0b0c0d",
        "site_id": cards.SITE_ID,
        "role": "wallet",
        "serial": 77,
        "tenant_id": None,
        "meter_id": None,
        "staff_id": None,
        "status": "active",
    }
    change = {"type": "card", "id": "0a0b0c0d", "rev": 5, "deleted": False, "data": data}
    blacklisted = {**change, "rev": 6, "data": {**data, "status": "blacklisted"}}
    other_site = {
        **change,
        "id": "0e0e0e0e",
        "rev": 7,
        "data": {**data, "uid": "0e0e0e0e", "site_id": 99},
    }
    with rig.db.session() as s:
        report = apply_changes(s, "K1", cards.SITE_ID, [change], 5)
        assert report.applied == {"card": 1}
    with rig.db.session() as s:
        report = apply_changes(s, "K1", cards.SITE_ID, [blacklisted, other_site], 7)
        assert report.applied == {"card": 1} and len(report.problems) == 1
    assert len(messages(rig)) == before
    # what could not be applied is still audited, and that audit entry still reaches the backend
    (problem,) = [
        m.payload
        for m in messages(rig, "audit_entry")
        if m.payload["action"] == "reference_not_applied"
    ]
    assert problem["subject"] == "card 0e0e0e0e"
    # and a change staff make afterwards, in a session of its own, is reported as usual
    reinstated = {**change, "rev": 8}
    with rig.db.session() as s:
        apply_changes(s, "K1", cards.SITE_ID, [reinstated], 8)
    rig.admin.block_card(rig.login(MANAGER), "0a0b0c0d", "found broken")
    assert messages(rig)[-1].payload["uid"] == "0a0b0c0d"
