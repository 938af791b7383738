"""Top-ups paid through the payment simulator, over real HTTP on 127.0.0.1: polls and signed
notifications, duplicates, late payments, forged notifications, races, several items in one
payment, tariff quotes, and recovery after a restart (DESIGN.md §5 invariants 1, 2 and 4)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import func, select

from kiosk.db.models import (
    AccountKind,
    EntryKind,
    ItemKind,
    LedgerEntry,
)
from kiosk.ledger import Ledger
from kiosk.payments.listener import NotificationListener
from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator
from kiosk.topup.recovery import recover
from kiosk.topup.service import Item, TopUpError, TopUpService
from kiosk.topup.states import OrderState
from tests import cards
from tests.kiosk_env import Kiosk, make_kiosk, seed_metered_tenant

SECRET = "simulator-test-secret"
S = OrderState


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@dataclass
class Paying:
    kiosk: Kiosk
    simulator: PaymentSimulator
    listener: NotificationListener

    def settings(self, **changes: object) -> None:
        r = requests.post(f"{self.simulator.url}/control/settings", json=changes, timeout=5)
        r.raise_for_status()

    def paid_entries(self, order_id: int) -> int:
        with self.kiosk.db.session() as s:
            return s.scalar(
                select(func.count(func.distinct(LedgerEntry.txn))).where(
                    LedgerEntry.order_id == order_id, LedgerEntry.kind == EntryKind.PAYMENT
                )
            )

    def money(self, order_id: int):
        with self.kiosk.db.session() as s:
            return Ledger(s).order_money(order_id)


@pytest.fixture()
def paying(tmp_path) -> Iterator[Paying]:
    yield from _paying(tmp_path)


def _paying(
    tmp_path, make=cards.classic_1k, issue=cards.WALLET, db_url: str | None = None
) -> Iterator[Paying]:
    """A kiosk on ``db_url`` (default: SQLite in tmp_path) paying through a fresh simulator."""
    with PaymentSimulator(SECRET) as simulator:
        provider = SimulatorProvider(simulator.url, SECRET)
        kiosk = make_kiosk(tmp_path, provider, make, issue, db_url=db_url)
        listener = NotificationListener(
            provider,
            lambda n: kiosk.topup.mark_paid(n.state, "notification", n.event_id),
        )
        provider_with_hook = SimulatorProvider(simulator.url, SECRET, notify_url=listener.url)
        kiosk.topup.provider = provider_with_hook
        with listener:
            yield Paying(kiosk, simulator, listener)


def start_order(p: Paying, amount: int = 50_00) -> int:
    tap = p.kiosk.tap()
    items, quoted = p.kiosk.topup.items_for(tap, amount)
    order = p.kiosk.topup.choose(tap, items, quoted=quoted)
    order = p.kiosk.topup.request_payment(order.id)
    assert order.state is S.ORDER_CREATED and order.qr_payload
    return order.id


def test_paid_by_the_phone_and_polled_then_written_to_the_card(paying: Paying):
    paying.settings(drop_notifications=True)  # the kiosk must find out by polling
    order_id = start_order(paying)
    assert paying.kiosk.topup.check_payment(order_id).state is S.ORDER_CREATED
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    assert paying.kiosk.topup.check_payment(order_id).state is S.PAID
    tap = paying.kiosk.tap()  # a paid order of this card is delivered on the tap
    assert [o.state for o in tap.delivered] == [S.DONE]
    assert paying.kiosk.card_value() == 50_00
    m = paying.money(order_id)
    assert (m.paid, m.delivered, m.pending, m.refunded) == (50_00, 50_00, 0, 0)


def test_the_qr_link_pays_through_the_pay_page(paying: Paying):
    order_id = start_order(paying)
    order = paying.kiosk.topup.order(order_id)
    page = requests.get(order.qr_payload, timeout=5)
    assert page.status_code == 200 and "Pay" in page.text
    requests.post(order.qr_payload, timeout=5).raise_for_status()
    assert wait_until(lambda: paying.kiosk.topup.order(order_id).state is S.PAID)


def test_a_notification_sent_three_times_credits_once(paying: Paying):
    paying.settings(notify_copies=3)
    order_id = start_order(paying)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    assert wait_until(lambda: sum(1 for s, _ in paying.listener.seen if s == 200) >= 3)
    assert paying.paid_entries(order_id) == 1
    paying.kiosk.topup.check_payment(order_id)  # and a poll on top changes nothing either
    assert paying.paid_entries(order_id) == 1
    assert paying.money(order_id).paid == 50_00


def test_payment_after_the_kiosk_gave_up_is_delivered_at_the_next_tap(paying: Paying):
    paying.settings(accept_late_payment=True)
    order_id = start_order(paying)
    assert paying.kiosk.topup.give_up(order_id, expired=True).state is S.EXPIRED
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no, late=True)
    assert wait_until(lambda: paying.kiosk.topup.order(order_id).state is S.CREDIT_PENDING)
    assert paying.kiosk.card_value() == 0
    tap = paying.kiosk.tap()
    assert [o.id for o in tap.delivered] == [order_id]
    assert paying.kiosk.card_value() == 50_00 and paying.money(order_id).conserved


def test_cancel_when_the_phone_paid_meanwhile_keeps_the_payment(paying: Paying):
    paying.settings(drop_notifications=True)
    order_id = start_order(paying)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    assert paying.kiosk.topup.give_up(order_id, expired=False).state is S.PAID
    assert paying.money(order_id).pending == 50_00


def test_cancel_unpaid_closes_it_for_good(paying: Paying):
    order_id = start_order(paying)
    assert paying.kiosk.topup.give_up(order_id, expired=False).state is S.CANCELLED
    r = requests.post(
        f"{paying.simulator.url}/control/{paying.kiosk.topup.order(order_id).out_trade_no}/pay",
        json={},
        timeout=5,
    )
    assert r.status_code >= 400  # the phone can no longer pay it
    assert paying.kiosk.topup.order(order_id).state is S.CANCELLED
    assert paying.money(order_id).paid == 0


@pytest.mark.parametrize(
    "forge",
    [
        lambda h, b: (h, b.replace(b"5000", b"9000")),  # amount changed after signing
        lambda h, b: ({k: v for k, v in h.items() if "ignature" not in k}, b),  # unsigned
        lambda h, b: ({**h, **{k: "0" * 64 for k in h if "ignature" in k}}, b),  # wrong signature
    ],
    ids=["tampered", "unsigned", "bad-signature"],
)
def test_a_forged_notification_is_refused_and_changes_nothing(paying: Paying, forge):
    paying.settings(drop_notifications=True)
    order_id = start_order(paying)
    out_trade_no = paying.kiosk.topup.order(order_id).out_trade_no
    paying.simulator.pay(out_trade_no)
    requests.post(
        f"{paying.simulator.url}/control/settings", json={"drop_notifications": False}, timeout=5
    )
    captured: list[tuple[dict, bytes]] = []
    original = paying.listener.provider.verify_notification

    def capture(headers, body):
        captured.append((headers, body))
        return original(headers, body)

    paying.listener.provider.verify_notification = capture  # type: ignore[method-assign]
    requests.post(f"{paying.simulator.url}/control/{out_trade_no}/notify", timeout=5)
    assert wait_until(lambda: captured)
    headers, body = captured[0]
    # the genuine one went through; now replay a forged copy at a fresh order
    paying.listener.provider.verify_notification = original  # type: ignore[method-assign]
    second = start_order(paying)
    forged_headers, forged_body = forge(
        dict(headers),
        body.replace(out_trade_no.encode(), paying.kiosk.topup.order(second).out_trade_no.encode()),
    )
    r = requests.post(paying.listener.url, data=forged_body, headers=forged_headers, timeout=5)
    assert r.status_code == 400
    assert paying.kiosk.topup.order(second).state is S.ORDER_CREATED
    assert paying.money(second).paid == 0


def test_poll_and_notification_racing_credit_once(paying: Paying):
    paying.settings(notify_copies=5)
    order_id = start_order(paying)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    threads = [
        threading.Thread(target=paying.kiosk.topup.check_payment, args=(order_id,))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wait_until(lambda: sum(1 for s, _ in paying.listener.seen if s == 200) >= 5)
    assert paying.paid_entries(order_id) == 1
    assert paying.money(order_id).paid == 50_00


def test_several_items_one_payment_one_tap(paying: Paying):
    tap = paying.kiosk.tap()
    order = paying.kiosk.topup.choose(
        tap,
        [
            Item(ItemKind.CARD_CREDIT, 80_00, "card"),
            Item(ItemKind.WALLET_LOAD, 20_00, "coworking wallet"),
        ],
    )
    order = paying.kiosk.topup.request_payment(order.id)
    paying.simulator.pay(order.out_trade_no)
    paying.kiosk.topup.check_payment(order.id)
    done = paying.kiosk.topup.deliver(order.id, tap.purse)
    assert done.state is S.DONE and done.amount == 100_00
    assert paying.kiosk.card_value() == 80_00
    with paying.kiosk.db.session() as s:
        ledger = Ledger(s)
        wallet = ledger.balance(ledger.account(AccountKind.WALLET, 156, cards.WALLET.tenant_id))
    assert wallet == 20_00


def test_a_meter_purchase_is_quoted_by_the_tariff_with_fee_and_debt(tmp_path):
    for p in _paying(tmp_path, cards.ntag213, cards.METER):
        with p.kiosk.db.session() as s:
            seed_metered_tenant(s, debt=30_00)
        tap = p.kiosk.tap()
        quoted = p.kiosk.topup.quote(tap, 100_00)
        assert quoted is not None
        # 100.00 - 1.00 fee - 5.00 debt (10 %, capped at 5.00) = 94.00 at 0.86/kWh
        assert (quoted.fee, quoted.debt_recovered, quoted.net_credit) == (1_00, 5_00, 94_00)
        assert quoted.text == "100.00 CNY buys 109.3 kWh"
        items, _ = p.kiosk.topup.items_for(tap, 100_00)
        order = p.kiosk.topup.choose(tap, items, quoted=quoted)
        assert (order.tariff_code, order.tariff_version) == ("ELEC", 1) and order.tariff_digest
        order = p.kiosk.topup.request_payment(order.id)
        p.simulator.pay(order.out_trade_no)
        p.kiosk.topup.check_payment(order.id)
        assert p.kiosk.topup.deliver(order.id, tap.purse).state is S.DONE
        assert p.kiosk.card_value() == 94_00  # the purchase on the card is the net credit
        with p.kiosk.db.session() as s:
            assert Ledger(s).debt(cards.METER.tenant_id, 156) == 25_00
        assert p.money(order.id).conserved and p.money(order.id).delivered == 100_00


def test_restart_with_a_paid_order_delivers_it_at_the_next_tap(paying: Paying):
    paying.settings(drop_notifications=True)
    order_id = start_order(paying)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    # the kiosk restarts: a new service over the same database, the session is gone
    k = paying.kiosk
    restarted = TopUpService(k.db, k.cards, k.topup.provider, k.topup.kiosk_id)
    report = recover(restarted)
    assert report.credit_pending == [k.topup.order(order_id).out_trade_no]
    assert restarted.order(order_id).state is S.CREDIT_PENDING
    k.topup = restarted
    assert [o.state for o in k.tap().delivered] == [S.DONE]
    assert k.card_value() == 50_00


def test_restart_with_an_unpaid_order_closes_it(paying: Paying):
    order_id = start_order(paying)
    k = paying.kiosk
    report = recover(TopUpService(k.db, k.cards, k.topup.provider, k.topup.kiosk_id))
    assert report.closed and k.topup.order(order_id).state is S.CANCELLED


def test_a_paid_order_the_card_never_got_is_refunded_once(paying: Paying):
    paying.settings(drop_notifications=True)
    order_id = start_order(paying)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    paying.kiosk.topup.check_payment(order_id)
    paying.kiosk.topup.abandon(order_id)
    with pytest.raises(TopUpError, match="needs a reason"):
        paying.kiosk.topup.refund(order_id, staff_id=1, reason="")
    refunded = paying.kiosk.topup.refund(order_id, staff_id=1, reason="tenant moved out")
    assert refunded.state is S.REFUNDED
    m = paying.money(order_id)
    assert (m.paid, m.delivered, m.pending, m.refunded) == (50_00, 0, 0, 50_00)
    with pytest.raises(TopUpError, match="Only paid top-ups not yet on a card"):
        paying.kiosk.topup.refund(order_id, staff_id=1, reason="again")
    assert paying.kiosk.tap().delivered == []  # a refunded order is not delivered after all
    assert paying.kiosk.card_value() == 0
    status = requests.get(f"{paying.simulator.url}/v1/orders/{refunded.out_trade_no}", timeout=5)
    assert status.json()["refunded"] == 50_00 and status.json()["status"] == "refunded"


def test_an_order_whose_write_is_in_doubt_is_not_refunded_blind(paying: Paying):
    from cardlib.emulator.tear import TearPlan
    from kiosk.topup.service import CardAwayError

    paying.settings(drop_notifications=True)
    order_id = start_order(paying)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    paying.kiosk.topup.check_payment(order_id)
    # the tap reads the card (9 commands on a Classic 1K) and starts delivering; the card
    # leaves in the middle of the write
    paying.kiosk.card.arm_tear(TearPlan(after_commands=10))
    with pytest.raises(CardAwayError):
        paying.kiosk.topup.tap(paying.kiosk.reader.connect())
    paying.kiosk.topup.abandon(order_id)
    with pytest.raises(TopUpError, match="tap the card first"):
        paying.kiosk.topup.refund(order_id, staff_id=1, reason="tenant asked")


def test_a_finished_top_up_has_its_receipt(paying: Paying):
    from kiosk.receipts.text import render_text

    order_id = start_order(paying, 88_00)
    paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    assert wait_until(lambda: paying.kiosk.topup.order(order_id).state is S.PAID)
    paying.kiosk.tap()
    receipt = paying.kiosk.topup.receipt(order_id)
    text = render_text(receipt)
    assert receipt.total == 88_00 and "88.00" in text and receipt.receipt_no in text
    assert receipt.card_serial == str(cards.WALLET.card_serial)
    assert paying.kiosk.card.uid.hex().upper() not in text.replace(" ", "").upper()


def test_reconciliation_finds_a_payment_the_kiosk_missed_and_settles_it(paying: Paying):
    import datetime as dt

    from kiosk.reconcile import reconcile, settle

    paying.settings(drop_notifications=True)
    missed = start_order(paying, 20_00)
    fine = start_order(paying, 30_00)
    for order_id in (missed, fine):
        paying.simulator.pay(paying.kiosk.topup.order(order_id).out_trade_no)
    paying.kiosk.topup.check_payment(fine)  # the kiosk saw this one; the other one it missed
    day = dt.datetime.now(dt.UTC).date()
    report = reconcile(paying.kiosk.db, paying.kiosk.topup.provider, day, "K1")
    assert report.matched == 1
    assert [m.out_trade_no for m in report.paid_not_credited] == [
        paying.kiosk.topup.order(missed).out_trade_no
    ]
    assert settle(report, paying.kiosk.topup.mark_paid) == [
        paying.kiosk.topup.order(missed).out_trade_no
    ]
    assert reconcile(paying.kiosk.db, paying.kiosk.topup.provider, day, "K1").clean
    paying.kiosk.tap()
    assert paying.kiosk.card_value() == 50_00


def test_an_amount_that_does_not_cover_the_fee_is_refused_with_a_sentence(tmp_path):
    for p in _paying(tmp_path, cards.ntag213, cards.METER):
        with p.kiosk.db.session() as s:
            seed_metered_tenant(s, debt=0)
        tap = p.kiosk.tap()
        with pytest.raises(TopUpError, match="cannot be bought"):
            p.kiosk.topup.items_for(tap, 1_00)  # exactly the 1.00 service fee
        assert p.kiosk.card_value() == 0
