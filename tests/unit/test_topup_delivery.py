"""Delivering paid credit to the card: the journal, tears at every command, a card that walks away
and comes back days later, and staff credit and cash (which never touch the payment provider)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cardlib.emulator.tear import TearPlan
from kiosk.db.models import AuditEntry, CardWrite, WriteStatus
from kiosk.ledger import Ledger
from kiosk.payments.provider import PaymentProvider
from kiosk.topup.limits import LimitError
from kiosk.topup.service import CardAwayError, TopUpError
from kiosk.topup.states import OrderState
from tests import cards
from tests.kiosk_env import make_kiosk


class NoProvider(PaymentProvider):
    """Staff credit and cash must never reach a payment provider: any call fails the test."""

    name = "none"

    def _called(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the payment provider was called")

    create = query = cancel = refund = verify_notification = statement = _called  # type: ignore[assignment]


def money(kiosk, order_id):
    with kiosk.db.session() as s:
        return Ledger(s).order_money(order_id)


@pytest.mark.parametrize(
    "make", list(cards.CARD_FACTORIES.values()), ids=list(cards.CARD_FACTORIES)
)
def test_staff_credit_reaches_the_card_and_is_audited(tmp_path, make):
    kiosk = make_kiosk(tmp_path, NoProvider(), make)
    tap = kiosk.tap()
    order = kiosk.topup.staff_credit(tap, 25_00, staff_id=4, reason="meter fault goodwill")
    order = kiosk.topup.deliver(order.id, tap.purse)
    assert order.state is OrderState.DONE
    assert kiosk.card_value() == 25_00
    m = money(kiosk, order.id)
    assert (m.paid, m.delivered, m.pending, m.refunded) == (25_00, 25_00, 0, 0)
    with kiosk.db.session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "staff_credit")).one()
    assert audit.actor == "staff:4" and audit.detail["reason"] == "meter fault goodwill"


def test_a_credit_without_payment_needs_a_reason(tmp_path):
    kiosk = make_kiosk(tmp_path, NoProvider())
    with pytest.raises(TopUpError, match="needs a reason"):
        kiosk.topup.staff_credit(kiosk.tap(), 10_00, staff_id=4, reason="  ")
    assert kiosk.card_value() == 0


def test_limits_are_refused_with_the_limit_named(tmp_path):
    kiosk = make_kiosk(tmp_path, NoProvider())
    tap = kiosk.tap()
    with pytest.raises(LimitError, match="smallest top-up is 1.00 CNY"):
        kiosk.topup.staff_credit(tap, 50, staff_id=1, reason="x", cash=True)
    with pytest.raises(LimitError, match="largest top-up is 2,000.00 CNY"):
        kiosk.topup.staff_credit(tap, 2_000_01, staff_id=1, reason="x", cash=True)
    for _ in range(2):
        o = kiosk.topup.staff_credit(tap, 2_000_00, staff_id=1, reason="x", cash=True)
        kiosk.topup.deliver(o.id, tap.purse)
    with pytest.raises(LimitError, match="1,000.00 CNY is left for today"):
        kiosk.topup.staff_credit(tap, 1_000_01, staff_id=1, reason="x", cash=True)
    assert kiosk.card_value() == 4_000_00


@pytest.mark.parametrize(
    "make",
    [cards.classic_1k, cards.ntag213, cards.sle4442],
    ids=["classic1k", "ntag213", "sle4442"],
)
def test_card_pulled_at_every_command_of_the_write_then_retapped(tmp_path, make):
    probe = make_kiosk(tmp_path / "probe", NoProvider(), make)
    tap = probe.tap()
    order = probe.topup.staff_credit(tap, 30_00, staff_id=1, reason="x", cash=True)
    conn = tap.purse.connection
    before = conn.commands
    probe.topup.deliver(order.id, tap.purse)
    commands = conn.commands - before
    for cut in range(commands):
        kiosk = make_kiosk(tmp_path / f"cut{cut}", NoProvider(), make)
        tap = kiosk.tap()
        order = kiosk.topup.staff_credit(tap, 30_00, staff_id=1, reason="x", cash=True)
        kiosk.card.arm_tear(TearPlan(after_commands=cut))
        with pytest.raises(CardAwayError):
            kiosk.topup.deliver(order.id, tap.purse)
        assert kiosk.topup.order(order.id).state is OrderState.WRITE_PENDING
        again = kiosk.tap()  # the card comes back: the journal is settled, the credit lands once
        assert [o.id for o in again.delivered] == [order.id], f"cut after {cut}"
        assert kiosk.topup.order(order.id).state is OrderState.DONE
        assert kiosk.card_value() == 30_00, f"cut after {cut}"
        m = money(kiosk, order.id)
        assert (m.delivered, m.pending) == (30_00, 0) and m.conserved
        assert kiosk.tap().delivered == []  # nothing is delivered twice


def test_a_card_that_walks_away_gets_its_credit_at_the_next_tap(tmp_path):
    kiosk = make_kiosk(tmp_path, NoProvider())
    tap = kiosk.tap()
    order = kiosk.topup.staff_credit(tap, 12_00, staff_id=1, reason="x", cash=True)
    kiosk.card.arm_tear(TearPlan(during_write_to=8, bytes_written=7))
    with pytest.raises(CardAwayError):
        kiosk.topup.deliver(order.id, tap.purse)
    assert kiosk.topup.abandon(order.id).state is OrderState.CREDIT_PENDING
    assert money(kiosk, order.id).pending == 12_00
    delivered = kiosk.tap().delivered
    assert [o.state for o in delivered] == [OrderState.DONE]
    assert kiosk.card_value() == 12_00
    with kiosk.db.session() as s:
        statuses = sorted(r.status.value for r in s.scalars(select(CardWrite)))
    # the torn write was judged never to have happened, and a fresh one was journaled and made
    assert statuses == [WriteStatus.COMMITTED.value, WriteStatus.VOID.value]


def test_credit_for_another_card_is_not_written_to_this_one(tmp_path):
    kiosk = make_kiosk(tmp_path, NoProvider())
    other = make_kiosk(tmp_path / "other", NoProvider(), cards.ntag213)
    order = kiosk.topup.staff_credit(kiosk.tap(), 5_00, staff_id=1, reason="x", cash=True)
    with pytest.raises(TopUpError, match="not the card"):
        kiosk.topup.deliver(order.id, other.tap().purse)
