"""The account screen of a tapped card: who it belongs to, what it holds, what its meter said, the
tariff in force, the forecast, the last top-ups, and what this tap settled or needs attention."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cardlib.purse.header import Role
from cardlib.purse.header import Utility as CardUtility
from cardlib.purse.records import MeterFlags, MeterRecord, Refusal
from kiosk.db.models import Order, Site, Tenant
from kiosk.money import format_amount
from kiosk.session import forecast
from kiosk.session.amounts import meter_tariff
from kiosk.session.formatting import (
    local_text,
    mask_serial,
    price_text,
    site_zone,
    units_text,
    utility_of,
)
from kiosk.session.messages import say
from kiosk.session.views import (
    AccountView,
    CardKind,
    Message,
    MeterStateView,
    TariffView,
    TransactionView,
)
from kiosk.tariffs import FlatRate, Tariff, TieredRate, TimeOfUse
from kiosk.tariffs.quote import block_label
from kiosk.topup.model import Tap
from kiosk.topup.states import OrderState

#: top-ups listed on the account screen
RECENT_TRANSACTIONS = 5
#: the orders a tenant sees in the list: money that was taken, and where it went
LISTED_STATES = (OrderState.DONE, OrderState.CREDIT_PENDING, OrderState.REFUNDED)

REFUSALS = {
    Refusal.OTHER_METER: "meter_refused_other_meter",
    Refusal.OLD_SEQUENCE: "meter_refused_old_purchase",
    Refusal.BAD_MAC: "meter_refused_bad_data",
    Refusal.SEQUENCE_GAP: "meter_refused_gap",
}


def zone_of(session: Session, site_id: int) -> ZoneInfo:
    site = session.get(Site, site_id)
    return site_zone(site.timezone if site else None)


def build(
    session: Session,
    tap: Tap,
    site_id: int,
    now: dt.datetime,
    notices: Sequence[Message] = (),
) -> AccountView:
    """The account view of ``tap`` (after the tap settled what the card was owed); ``notices``
    are added after the tap's own (a cancelled top-up, ...)."""
    state = tap.purse.state
    header = state.header
    currency = header.currency
    zone = zone_of(session, site_id)
    tenant = session.get(Tenant, header.tenant_id)
    meter_card = header.role is Role.METER
    balance = state.pending_purchase if meter_card else state.kiosk.value

    own: list[Message] = []
    if tap.in_doubt:
        own.append(say("write_in_doubt"))
    if tap.delivered:
        paid = sum(order.amount for order in tap.delivered)
        own.append(say("credit_delivered", amount=format_amount(paid, currency)))
    if meter_card and state.pending_purchase:
        own.append(
            say("purchase_not_loaded", amount=format_amount(state.pending_purchase, currency))
        )
    if meter_card and state.meter_problem:
        own.append(say("meter_state_unreadable"))

    tariff = meter_tariff(session, header.meter_id, now) if meter_card else None
    return AccountView(
        kind=CardKind.METER if meter_card else CardKind.WALLET,
        card_serial=header.card_serial,
        card_masked=mask_serial(header.card_serial),
        tenant_id=header.tenant_id,
        tenant_name=tenant.name if tenant else "",
        tenant_unit=tenant.unit if tenant else "",
        currency=currency,
        balance=balance,
        balance_text=format_amount(balance, currency),
        meter=(
            meter_view(state.meter, header.utility, currency, zone)
            if meter_card and state.meter is not None
            else None
        ),
        tariff=tariff_view(tariff, now) if tariff is not None else None,
        forecast=(
            forecast.forecast(
                forecast.recent(session, tap.uid), state.pending_purchase, now, zone, currency
            )
            if meter_card
            else None
        ),
        transactions=transactions(session, tap.uid, header.tenant_id, zone),
        notices=tuple(own) + tuple(notices),
    )


def meter_view(
    record: MeterRecord, card_utility: CardUtility, currency: int, zone: ZoneInfo
) -> MeterStateView:
    utility = utility_of(card_utility)
    flags = record.flags
    refusal = REFUSALS.get(record.refusal)
    return MeterStateView(
        utility=utility.value,
        reading=record.reading,
        reading_text=units_text(record.reading, utility),
        credit=record.credit,
        credit_text=format_amount(record.credit, currency),
        relay_closed=not flags & MeterFlags.RELAY_OPEN,
        low_credit=bool(flags & MeterFlags.LOW_CREDIT),
        emergency_credit=bool(flags & MeterFlags.EMERGENCY_CREDIT),
        tamper=bool(flags & MeterFlags.TAMPER),
        low_battery=bool(flags & MeterFlags.LOW_BATTERY),
        refusal=say(refusal) if refusal else None,
        at=record.time,
        at_text=local_text(record.time, zone),
    )


def tariff_view(tariff: Tariff, now: dt.datetime) -> TariffView:
    rate, currency, utility = tariff.rate, tariff.currency, tariff.utility
    if isinstance(rate, FlatRate):
        text = price_text(rate.price, currency, utility)
    elif isinstance(rate, TimeOfUse):
        label, price = rate.price_at(now.astimezone(tariff.zone))
        text = f"now {price_text(price, currency, utility)} ({label})"
    elif isinstance(rate, TieredRate):
        text = "; ".join(
            f"{price_text(block.price, currency, utility)} {block_label(rate, i, utility)}"
            for i, block in enumerate(rate.blocks)
        )
    else:  # a service tariff: money is the credit
        text = ""
    return TariffView(
        code=tariff.code,
        version=tariff.version,
        name=tariff.name,
        price_text=text,
        fee=tariff.topup_fee,
        fee_text=format_amount(tariff.topup_fee, currency),
    )


def transactions(
    session: Session, uid: str, tenant_id: int, zone: ZoneInfo
) -> tuple[TransactionView, ...]:
    """The latest top-ups of this card, or of its tenant on any card, newest first."""
    whose = (
        or_(Order.card_uid == uid, Order.tenant_id == tenant_id)
        if tenant_id
        else (Order.card_uid == uid)
    )
    rows = session.scalars(
        select(Order)
        .where(whose, Order.state.in_(LISTED_STATES))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(RECENT_TRANSACTIONS)
    )
    return tuple(
        TransactionView(
            reference=o.out_trade_no,
            at=o.paid_at or o.created_at,
            at_text=local_text(o.paid_at or o.created_at, zone),
            amount=o.amount,
            amount_text=format_amount(o.amount, o.currency),
            method=o.method,
            state=o.state.value,
            status=say(f"tx_{o.state.value}"),
        )
        for o in rows
    )
