"""A kiosk syncing with the real backend (``python -m backend serve`` under uvicorn on 127.0.0.1,
SQLite): a paid top-up reaches the property manager once; the reference data the manager edits
arrives at the kiosk; a card blacklisted on the backend is refused at the kiosk's next tap; the
``prepay-kiosk sync`` command and its configuration."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from kiosk import app, tariff_store
from kiosk.cli import main as kiosk_cli
from kiosk.config import ConfigError, from_mapping
from kiosk.db.models import Card, CardStatus, Holiday, Meter, Staff, Tenant
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.topup.service import BlacklistedCardError
from kiosk.topup.states import OrderState
from tests import cards
from tests.backend.kiosk_side import SyncingKiosk, make_syncing_kiosk
from tests.backend.server import BackendServer

SIMULATOR_SECRET = "sync-test-simulator"
TARIFF = json.loads(
    (Path(__file__).resolve().parents[2] / "docs/examples/tariff-elec-std.json").read_text()
)
UID = "a1b2c3d4"  # tests.cards.classic_1k


@dataclass
class Rig:
    server: BackendServer
    kiosk: SyncingKiosk
    simulator: PaymentSimulator
    secret: str


@pytest.fixture()
def rig(tmp_path) -> Iterator[Rig]:
    """The backend on a temporary SQLite with kiosk K1 enrolled, and K1 configured to sync to it."""
    with (
        BackendServer(f"sqlite:///{tmp_path / 'backend.db'}") as server,
        PaymentSimulator(SIMULATOR_SECRET) as simulator,
    ):
        secret = server.enrol("K1", cards.SITE_ID)
        provider = SimulatorProvider(simulator.url, SIMULATOR_SECRET)
        kiosk = make_syncing_kiosk(tmp_path / "kiosk", provider, server.url, secret)
        yield Rig(server, kiosk, simulator, secret)
        kiosk.close()


def qr_topup(rig: Rig, amount: int) -> int:
    """The tenant taps, chooses, pays with the phone; the card is credited at the next tap."""
    k = rig.kiosk
    tap = k.tap()
    items, quoted = k.topup.items_for(tap, amount)
    order = k.topup.request_payment(k.topup.choose(tap, items, quoted=quoted).id)
    rig.simulator.pay(order.out_trade_no)
    assert k.topup.check_payment(order.id).state is OrderState.PAID
    assert [o.state for o in k.tap().delivered] == [OrderState.DONE]
    return order.id


def balances(server: BackendServer, tenant: int) -> dict[str, int]:
    server.admin("PUT", f"/tenants/{tenant}", {"site_id": cards.SITE_ID, "name": f"Unit {tenant}"})
    detail = server.admin("GET", f"/tenants/{tenant}")
    return {b["account_kind"]: b["balance"] for b in detail["balances"]}


def test_a_paid_topup_reaches_the_backend_once(rig: Rig):
    order_id = qr_topup(rig, 50_00)
    report = rig.kiosk.syncer.run_once()
    assert report.ok, report.summary()
    assert report.backlog == 0 and report.acked_seq == len(rig.kiosk.outbox())

    orders = rig.server.admin("GET", "/orders?tenant_id=7")
    assert [(o["local_id"], o["state"], o["amount"]) for o in orders] == [(order_id, "done", 50_00)]
    assert balances(rig.server, 7) == {"on_card": 50_00, "undelivered": 0}

    # the whole outbox delivered again (a kiosk that lost the replies): counted once
    everything = [
        {"kiosk_id": m.kiosk_id, "seq": m.seq, "idempotency_key": m.idempotency_key,
         "kind": m.kind, "payload": m.payload}
        for m in rig.kiosk.outbox()
    ]  # fmt: skip
    reply = rig.kiosk.client.push(everything)
    assert {r["status"] for r in reply["results"]} == {"duplicate"}
    assert len(rig.server.admin("GET", "/orders")) == 1
    assert balances(rig.server, 7) == {"on_card": 50_00, "undelivered": 0}
    assert rig.kiosk.syncer.run_once().pushed == 0  # nothing left to send


def test_reference_data_arrives_and_a_blacklisted_card_is_refused_at_the_next_tap(rig: Rig):
    site = cards.SITE_ID
    s = rig.server
    s.admin("PUT", "/tenants/7", {"site_id": site, "name": "Unit 7", "unit": "7F"})
    s.admin("PUT", "/tenants/8", {"site_id": site, "name": "Unit 8", "keep_power": True})
    s.admin("PUT", "/meters/42", {"site_id": site, "tenant_id": 8, "kind": "card",
                                  "utility": "electricity", "tariff_code": "ELEC-STD"})  # fmt: skip
    s.admin("PUT", f"/cards/{UID}", {"site_id": site, "role": "wallet", "serial": 1001,
                                     "tenant_id": 7})  # fmt: skip
    s.admin("POST", "/tariffs", {"site_id": site, "definition": TARIFF,
                                 "valid_from": "2026-01-01T00:00:00+08:00"})  # fmt: skip
    s.admin("PUT", "/staff/3", {"site_id": site, "name": "Li Wei", "pin": "482913"})
    s.admin("PUT", f"/sites/{site}/holidays/2026-10-01", {"name": "National Day"})

    report = rig.kiosk.syncer.run_once()
    assert report.ok and report.pulled == 7 and report.problems == []
    with rig.kiosk.db.session() as db:
        assert db.get(Tenant, 7).unit == "7F" and db.get(Tenant, 8).keep_power is True
        assert db.get(Meter, 42).tariff_code == "ELEC-STD"
        card = db.scalar(select(Card).where(Card.uid == UID))
        assert (card.tenant_id, card.serial, card.status) == (7, 1001, CardStatus.ACTIVE)
        tariff = tariff_store.in_force(db, "ELEC-STD", dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
        assert tariff is not None and tariff.version == 1
        assert db.get(Staff, 3).pin_hash.startswith("$argon2id$")
        assert [h.day for h in db.scalars(select(Holiday))] == [dt.date(2026, 10, 1)]
    rig.kiosk.tap()  # the card is served
    # the control loop keeps the power on during the pulled holiday too
    config = from_mapping(
        {"site": {"id": site}, "keys": {"1": {"site": "11" * 16, "meter": "22" * 16}}}
    )
    loop = app.build_control_loop(SimpleNamespace(config=config, db=rig.kiosk.db))  # type: ignore[arg-type]
    assert dt.date(2026, 10, 1) in loop.policy_for(None, None).holidays  # type: ignore[arg-type]

    s.admin("POST", f"/cards/{UID}/blacklist", {"reason": "reported lost"})
    assert rig.kiosk.syncer.run_once().pulled == 1
    with pytest.raises(BlacklistedCardError, match="This card has been blocked"):
        rig.kiosk.tap()

    s.admin("POST", f"/cards/{UID}/reinstate")
    rig.kiosk.syncer.run_once()
    rig.kiosk.tap()  # served again


def test_deleted_reference_data_is_removed_at_the_kiosk_but_history_stays(rig: Rig):
    site = cards.SITE_ID
    s = rig.server
    s.admin("PUT", "/tenants/7", {"site_id": site, "name": "Unit 7"})
    s.admin(
        "PUT", f"/cards/{UID}", {"site_id": site, "role": "wallet", "serial": 1, "tenant_id": 7}
    )
    s.admin("PUT", "/staff/3", {"site_id": site, "name": "Li Wei"})
    s.admin("PUT", f"/sites/{site}/holidays/2026-10-01", {"name": "National Day"})
    rig.kiosk.syncer.run_once()
    s.admin("DELETE", f"/cards/{UID}")
    s.admin("DELETE", "/staff/3")
    s.admin("DELETE", f"/sites/{site}/holidays/2026-10-01")
    s.admin("DELETE", "/tenants/7")
    report = rig.kiosk.syncer.run_once()
    assert report.ok and report.pulled == 4
    with rig.kiosk.db.session() as db:
        assert db.scalar(select(Card).where(Card.uid == UID)) is None
        assert db.get(Staff, 3).active is False  # orders may name them: kept, inactive
        assert db.scalar(select(Holiday)) is None
        assert db.get(Tenant, 7) is None


def test_a_tariff_this_kiosk_already_holds_with_other_prices_is_reported_not_applied(rig: Rig):
    from kiosk.tariffs import Tariff

    local = json.loads(json.dumps(TARIFF))
    local["rate"]["blocks"][0]["price"] = "49.99"
    with rig.kiosk.db.session() as db:
        tariff_store.publish(db, Tariff.from_dict(local), created_by="staff:1")
    rig.server.admin("PUT", "/tenants/7", {"site_id": cards.SITE_ID, "name": "Unit 7"})
    rig.server.admin("POST", "/tariffs", {"site_id": cards.SITE_ID, "definition": TARIFF})
    report = rig.kiosk.syncer.run_once()
    assert report.ok and len(report.problems) == 1
    assert "ELEC-STD v1 not applied" in report.problems[0]
    with rig.kiosk.db.session() as db:  # the tenant came through all the same
        assert db.get(Tenant, 7) is not None
    rig.kiosk.syncer.run_once()  # the kiosk's audit entry of the problem reaches the backend
    audit = rig.server.admin("GET", "/audit")
    assert [(a["kiosk_id"], a["action"]) for a in audit] == [("K1", "reference_not_applied")]
    assert "ELEC-STD" in audit[0]["subject"]


# -- the command line and its configuration --------------------------------------------------------


def kiosk_toml(tmp_path: Path, url: str, db: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [site]
            id = {cards.SITE_ID}
            [kiosk]
            id = "K1"
            [keys.1]
            site = "{"11" * 16}"
            meter = "{"22" * 16}"
            [database]
            url = "sqlite:///{db}"
            [sync]
            url = "{url}"
            interval_s = 5
            """
        )
    )
    return path


def test_the_sync_command_runs_once_and_shows_its_status(rig: Rig, tmp_path, monkeypatch, capsys):
    qr_topup(rig, 20_00)
    config = kiosk_toml(tmp_path, rig.server.url, tmp_path / "kiosk" / "kiosk.db")
    monkeypatch.setenv("PREPAY_SYNC_SECRET", rig.secret)
    assert kiosk_cli(["--config", str(config), "sync"]) == 0
    out = capsys.readouterr().out
    assert "waiting" in out and "sent" in out
    assert kiosk_cli(["--config", str(config), "sync", "--status"]) == 0
    status = capsys.readouterr().out
    assert "unsent            0" in status
    assert [o["amount"] for o in rig.server.admin("GET", "/orders")] == [20_00]

    monkeypatch.setenv("PREPAY_SYNC_SECRET", "not-the-secret")
    assert kiosk_cli(["--config", str(config), "sync"]) == 1
    assert "bad_signature" in capsys.readouterr().err


def test_sync_configuration_errors_name_the_setting(monkeypatch):
    base = {"site": {"id": 17}, "keys": {"1": {"site": "11" * 16, "meter": "22" * 16}}}
    monkeypatch.delenv("PREPAY_SYNC_SECRET", raising=False)
    with pytest.raises(ConfigError, match="PREPAY_SYNC_SECRET"):
        from_mapping({**base, "sync": {"url": "http://127.0.0.1:8400"}})
    with pytest.raises(ConfigError, match=r"\[sync\] url must be http"):
        from_mapping({**base, "sync": {"url": "ftp://backend", "secret": "s"}})
    with pytest.raises(ConfigError, match=r"\[sync\] interval_s"):
        from_mapping({**base, "sync": {"url": "http://b", "secret": "s", "interval_s": 0}})
    with pytest.raises(ConfigError, match="unknown setting"):
        from_mapping({**base, "sync": {"urll": "http://b"}})
    monkeypatch.setenv("PREPAY_SYNC_SECRET", "from-the-environment")
    config = from_mapping({**base, "sync": {"url": "http://127.0.0.1:8400"}})
    assert config.sync.enabled and config.sync.secret == "from-the-environment"
    assert not from_mapping(base).sync.enabled
