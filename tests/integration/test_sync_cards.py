"""Cards issued, blocked and replaced by staff at a kiosk, synced with the real backend
(``python -m backend serve`` on SQLite) and two kiosks of one site: the card joins the manager's
card list and the other kiosk's; a block at one kiosk is refused at the other; a kiosk never
undoes the manager's blacklist; a card the backend cannot take does not hold up the outbox. A card
issued for a tenant and meter the kiosk creates with it brings them to the backend first
(backend/reference_reports.py), so the manager sees the tenant and can blacklist the card.

Needs backend/card_reports.py and backend/reference_reports.py wired into
backend/ingest.py::_Projector.apply."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from cardlib.emulator.base import EmulatedCard
from kiosk.admin.issuing import Issuer, TenantCardRequest
from kiosk.admin.replacement import Replacer
from kiosk.db.models import Card, CardRole, CardStatus, Meter, Tenant
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.topup.service import BlacklistedCardError
from tests import cards
from tests.backend.kiosk_side import SyncingKiosk, make_syncing_kiosk
from tests.backend.server import BackendServer

SIMULATOR_SECRET = "sync-cards-simulator"
SITE = cards.SITE_ID
STAFF = "staff:1"


@dataclass
class Site:
    server: BackendServer
    k1: SyncingKiosk
    k2: SyncingKiosk

    def sync(self, *kiosks: SyncingKiosk) -> None:
        for kiosk in kiosks or (self.k1, self.k2):
            report = kiosk.syncer.run_once()
            assert report.ok and report.backlog == 0, report.summary()

    def backend_cards(self) -> dict[str, dict[str, Any]]:
        return {c["uid"]: c for c in self.server.admin("GET", f"/cards?site_id={SITE}")}


@pytest.fixture()
def site(tmp_path) -> Iterator[Site]:
    """The backend with tenant 7 of site 17, and kiosks K1 and K2 of the site, both synced."""
    with (
        BackendServer(f"sqlite:///{tmp_path / 'backend.db'}") as server,
        PaymentSimulator(SIMULATOR_SECRET) as simulator,
    ):
        provider = SimulatorProvider(simulator.url, SIMULATOR_SECRET)
        k1, k2 = (
            make_syncing_kiosk(
                tmp_path / kiosk_id,
                provider,
                server.url,
                server.enrol(kiosk_id, SITE),
                kiosk_id=kiosk_id,
            )
            for kiosk_id in ("K1", "K2")
        )
        server.admin("PUT", "/tenants/7", {"site_id": SITE, "name": "Unit 7"})
        rig = Site(server, k1, k2)
        rig.sync()
        yield rig
        k1.close()
        k2.close()


def uid_of(card: Any) -> str:
    """The card's UID in hex, as the kiosk stores it (each emulated card type has ``uid``)."""
    return str(card.uid.hex())


def issue(kiosk: SyncingKiosk, card: EmulatedCard, serial: int, tenant_id: int = 7) -> str:
    request = TenantCardRequest(role=CardRole.WALLET, serial=serial, tenant_id=tenant_id)
    return issue_for(kiosk, card, request)


def issue_for(kiosk: SyncingKiosk, card: EmulatedCard, request: TenantCardRequest) -> str:
    kiosk.reader.insert(card)
    return Issuer(kiosk.db, kiosk.cards, 156).issue(kiosk.reader.connect(), request, STAFF).uid


def tap(kiosk: SyncingKiosk, card: EmulatedCard) -> str:
    kiosk.reader.insert(card)
    return kiosk.topup.tap(kiosk.reader.connect()).uid


def status_at(kiosk: SyncingKiosk, uid: str) -> CardStatus | None:
    with kiosk.db.session() as s:
        row = s.scalar(select(Card).where(Card.uid == uid))
        return None if row is None else row.status


def test_a_card_issued_and_blocked_at_one_kiosk_is_refused_at_the_other(site: Site):
    card = cards.ntag215()
    uid = issue(site.k1, card, 1001)
    site.sync()
    listed = site.backend_cards()[uid]
    assert (listed["serial"], listed["tenant_id"], listed["status"]) == (1001, 7, "active")
    assert status_at(site.k2, uid) is CardStatus.ACTIVE  # K2 knows the card now
    assert tap(site.k2, card) == uid

    Issuer(site.k1.db, site.k1.cards, 156).block(uid, "reported stolen", STAFF)
    site.sync()
    listed = site.backend_cards()[uid]
    assert listed["status"] == "blacklisted"
    assert listed["status_reason"] == "blocked at kiosk K1: reported stolen"
    with pytest.raises(BlacklistedCardError):
        tap(site.k2, card)
    # K1 pulled its own block back from the backend: no echo, nothing more to send
    assert site.k1.syncer.run_once().pushed == 0


def test_the_manager_blacklists_a_card_issued_at_a_kiosk(site: Site):
    card = cards.ntag215()
    uid = issue(site.k1, card, 1001)
    site.sync()
    site.server.admin("POST", f"/cards/{uid}/blacklist", {"reason": "tenant moved out"})
    site.sync()
    for kiosk in (site.k1, site.k2):
        with pytest.raises(BlacklistedCardError):
            tap(kiosk, card)


def test_a_kiosk_issuing_a_blacklisted_card_does_not_undo_the_blacklist(site: Site):
    card = cards.ntag215()
    uid = uid_of(card)
    # the manager registers and blacklists the card while K1 has not pulled it yet
    site.server.admin(
        "PUT", f"/cards/{uid}", {"site_id": SITE, "role": "wallet", "serial": 900, "tenant_id": 7}
    )
    site.server.admin("POST", f"/cards/{uid}/blacklist", {"reason": "reported lost"})
    issue(site.k1, card, 1001)  # K1 does not know it: it issues it, active
    site.sync(site.k1)
    listed = site.backend_cards()[uid]
    assert (listed["status"], listed["status_reason"]) == ("blacklisted", "reported lost")
    assert status_at(site.k1, uid) is CardStatus.BLACKLISTED  # K1 learnt it in the same run
    with pytest.raises(BlacklistedCardError):
        tap(site.k1, card)


def test_a_card_replaced_at_one_kiosk_is_refused_and_its_new_card_served_at_the_other(
    site: Site,
):
    old, new = cards.ntag215(), cards.ntag213()
    old_uid = issue(site.k1, old, 1001)
    site.sync()
    site.k1.reader.insert(new)
    Replacer(site.k1.topup, 156).replace(
        site.k1.reader.connect(),
        old_uid,
        1501,
        "lost in the lift",
        actor=STAFF,
        accept_uncertain=True,
    )
    new_uid = uid_of(new)
    site.sync()
    listed = site.backend_cards()
    assert listed[old_uid]["status"] == "replaced"
    assert listed[old_uid]["status_reason"] == (
        f"replaced at kiosk K1 by card {new_uid}: lost in the lift"
    )
    assert (listed[new_uid]["status"], listed[new_uid]["serial"]) == ("active", 1501)
    with pytest.raises(BlacklistedCardError):
        tap(site.k2, old)
    assert tap(site.k2, new) == new_uid
    site.sync(site.k1)
    assert status_at(site.k1, new_uid) is CardStatus.ACTIVE  # the hold was lifted everywhere


def test_a_card_the_backend_cannot_take_does_not_hold_up_the_outbox(site: Site):
    # tenant 3000000000 exists only at K1 (created with the card there): a kiosk takes tenant ids
    # up to 2**32 - 1, the backend's columns up to 2**31 - 1, so it refuses tenant and card
    card = cards.ntag215()
    uid = issue(site.k1, card, 1001, tenant_id=3_000_000_000)
    other = cards.classic_4k()
    other_uid = issue(site.k1, other, 1002)
    site.sync()  # everything acknowledged: backlog 0
    listed = site.backend_cards()
    assert uid not in listed and listed[other_uid]["status"] == "active"
    assert status_at(site.k1, uid) is CardStatus.ACTIVE  # K1 keeps its card as it was
    assert tap(site.k1, card) == uid


# -- tenants and meters created at a kiosk with a card ---------------------------------------------

#: a meter card for tenant 3001 and card meter 4242, which neither the kiosks nor the backend know
NEW_TENANT_METER_CARD = TenantCardRequest(
    role=CardRole.METER,
    serial=3001,
    tenant_id=3001,
    tenant_name="Acme Ltd",
    unit="30F",
    meter_id=4242,
    tariff_code="NONE",  # no tariff: top-ups on its cards are plain amounts
    utility="electricity",
)


def test_a_card_issued_for_a_new_tenant_and_meter_can_be_blacklisted_by_the_manager(site: Site):
    card = cards.ntag215()
    uid = issue_for(site.k1, card, NEW_TENANT_METER_CARD)
    assert [m.kind for m in site.k1.outbox() if m.sent_at is None][:3] == [
        "tenant",
        "meter",
        "card",
    ]
    site.sync()
    # the manager sees the tenant, its meter and its card
    acme = site.server.admin("GET", "/tenants/3001")
    assert (acme["site_id"], acme["name"], acme["unit"]) == (SITE, "Acme Ltd", "30F")
    meters = {m["id"]: m for m in site.server.admin("GET", f"/meters?site_id={SITE}")}
    assert (meters[4242]["tenant_id"], meters[4242]["kind"], meters[4242]["tariff_code"]) == (
        3001,
        "card",
        "NONE",
    )
    listed = site.backend_cards()[uid]
    assert (listed["tenant_id"], listed["meter_id"], listed["status"]) == (3001, 4242, "active")
    # K2 pulled all three; neither kiosk sends back what it pulled
    with site.k2.db.session() as s:
        tenant, meter = s.get(Tenant, 3001), s.get(Meter, 4242)
        assert tenant is not None and (tenant.name, tenant.unit) == ("Acme Ltd", "30F")
        assert meter is not None and meter.tenant_id == 3001
    assert status_at(site.k2, uid) is CardStatus.ACTIVE
    assert site.k1.syncer.run_once().pushed == 0 and site.k2.syncer.run_once().pushed == 0
    assert tap(site.k1, card) == uid

    site.server.admin("POST", f"/cards/{uid}/blacklist", {"reason": "tenant moved out"})
    site.sync()
    for kiosk in (site.k1, site.k2):
        with pytest.raises(BlacklistedCardError):
            tap(kiosk, card)


def test_a_tenant_the_backend_already_has_keeps_the_managers_name(site: Site):
    # the manager sets up tenant 8 after the kiosks' last pull; staff at K1 issue its card first
    site.server.admin("PUT", "/tenants/8", {"site_id": SITE, "name": "Zhang & Partners"})
    request = TenantCardRequest(
        role=CardRole.WALLET, serial=1008, tenant_id=8, tenant_name="Mr Zhang", unit="8F"
    )
    uid = issue_for(site.k1, cards.ntag215(), request)
    site.sync(site.k1)
    zhang = site.server.admin("GET", "/tenants/8")
    assert (zhang["name"], zhang["unit"]) == ("Zhang & Partners", "")
    assert site.backend_cards()[uid]["tenant_id"] == 8
    with site.k1.db.session() as s:  # K1 took the manager's copy at its pull
        assert s.get(Tenant, 8).name == "Zhang & Partners"  # type: ignore[union-attr]
    assert site.k1.syncer.run_once().pushed == 0


def test_a_tenant_of_another_site_is_refused_without_holding_up_the_outbox(site: Site):
    # tenant 9 is another building's on the backend; K1 does not know it and creates it here
    site.server.admin("PUT", "/sites/18", {"name": "Other Tower", "currency": 156})
    site.server.admin("PUT", "/tenants/9", {"site_id": 18, "name": "Unit 9"})
    card = cards.ntag215()
    uid = issue(site.k1, card, 1009, tenant_id=9)
    other = cards.classic_4k()
    other_uid = issue(site.k1, other, 1010)
    site.sync()  # everything acknowledged: backlog 0
    assert site.server.admin("GET", "/tenants/9")["site_id"] == 18
    assert [t["id"] for t in site.server.admin("GET", f"/tenants?site_id={SITE}")] == [7]
    listed = site.backend_cards()
    assert uid not in listed and listed[other_uid]["status"] == "active"
    assert tap(site.k1, card) == uid  # K1 keeps its card as it was
