"""Days of credit left, from what the card's meter reported each time the card was in it.

A card meter writes its state onto the card at every insertion: reading, remaining credit, the last
purchase it loaded, and its clock. The kiosk keeps each such state once (:func:`record`, a
:class:`~kiosk.db.models.MeterSample` per meter-record counter) and forecasts from the recent ones:

    cost between two states = credit before + purchase loaded in between - credit after

The purchase loaded in between is known when the later state names the next purchase and the card
still showed its amount (the normal round: top up, insert into the meter, tap at the kiosk); an
interval whose loads are not known (a purchase bought at another kiosk and loaded unseen), or whose
credit rose with nothing loaded, is left out rather than guessed. Then

    days left = (credit now + purchase not yet loaded) / (cost / time over the usable intervals)

less the time since the meter last wrote. Integer arithmetic throughout, floored (a forecast never
promises more days than the use suggests); "not enough data" with fewer than two states or no
usable interval, "no use" when the meter used nothing -- never a division by zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cardlib.service import CardState
from kiosk.db.models import MeterSample
from kiosk.money import format_amount
from kiosk.session.messages import say
from kiosk.session.views import ForecastView

#: the states a forecast looks at: recent use, not the whole life of the card
RECENT_SAMPLES = 10
DAY_S = 86_400


@dataclass(frozen=True)
class Sample:
    at: dt.datetime
    reading: int
    credit: int
    loaded_seq: int
    loaded_amount: int | None


def record(session: Session, state: CardState) -> bool:
    """Keep the meter state a meter card brought back, once; True when it was new."""
    meter = state.meter
    if meter is None:
        return False
    uid = state.uid.hex()
    seen = session.scalar(
        select(MeterSample.id).where(
            MeterSample.card_uid == uid, MeterSample.meter_counter == meter.counter
        )
    )
    if seen is not None:
        return False
    kiosk = state.kiosk
    # the card still shows the purchase the meter loaded last: its amount is what was loaded
    shown = kiosk.purchase_seq == meter.last_loaded_seq and kiosk.purchase_seq > 0
    try:
        with session.begin_nested():
            session.add(
                MeterSample(
                    card_uid=uid,
                    meter_id=state.header.meter_id,
                    meter_counter=meter.counter,
                    at=meter.time,
                    reading=meter.reading,
                    credit=meter.credit,
                    loaded_seq=meter.last_loaded_seq,
                    loaded_amount=kiosk.value if shown else None,
                )
            )
    except IntegrityError:  # another kiosk process recorded it a moment ago
        return False
    return True


def recent(session: Session, uid: str, limit: int = RECENT_SAMPLES) -> list[Sample]:
    """The card's latest meter states, oldest first."""
    rows = session.scalars(
        select(MeterSample)
        .where(MeterSample.card_uid == uid)
        .order_by(MeterSample.at.desc(), MeterSample.meter_counter.desc())
        .limit(limit)
    )
    samples = [Sample(r.at, r.reading, r.credit, r.loaded_seq, r.loaded_amount) for r in rows]
    return samples[::-1]


@dataclass(frozen=True)
class Use:
    """Cost and units over the usable intervals, and how long they lasted."""

    cost: int  # minor units
    units: int  # Wh / L
    seconds: int


def use_of(samples: Sequence[Sample]) -> Use:
    cost = units = seconds = 0
    for before, after in pairwise(samples):
        span = int((after.at - before.at).total_seconds())
        if span <= 0:
            continue
        if after.loaded_seq == before.loaded_seq:
            loaded = 0
        elif after.loaded_seq == before.loaded_seq + 1 and after.loaded_amount is not None:
            loaded = after.loaded_amount
        else:
            continue  # purchases loaded that this kiosk never saw: unknown, not guessed
        spent = before.credit + loaded - after.credit
        if spent < 0:
            continue  # credit rose with nothing known loaded (a meter reset, staff): not use
        cost += spent
        units += max(0, after.reading - before.reading)
        seconds += span
    return Use(cost, units, seconds)


def forecast(
    samples: Sequence[Sample],
    pending_purchase: int,
    now: dt.datetime,
    zone: ZoneInfo,
    currency: int,
) -> ForecastView:
    """The forecast from the card's recent meter states (oldest first), with ``pending_purchase``
    minor units on the card that the meter has not loaded yet."""
    use = use_of(samples) if len(samples) >= 2 else Use(0, 0, 0)
    if use.seconds == 0:
        return ForecastView(
            None, None, None, None, None, len(samples), say("forecast_not_enough_data")
        )
    daily_cost = use.cost * DAY_S // use.seconds
    daily_units = use.units * DAY_S // use.seconds
    daily_text = format_amount(daily_cost, currency)
    if use.cost == 0:
        return ForecastView(
            None, None, 0, daily_text, daily_units, len(samples), say("forecast_no_use")
        )
    latest = samples[-1]
    elapsed = max(0, int((now - latest.at).total_seconds()))
    # credit left now = credit then - cost rate x time since; seconds it lasts = that / cost rate
    left_s = ((latest.credit + pending_purchase) * use.seconds - use.cost * elapsed) // use.cost
    if left_s <= 0:
        message = say("forecast_run_out", daily=daily_text)
        return ForecastView(
            0,
            now.astimezone(zone).date(),
            daily_cost,
            daily_text,
            daily_units,
            len(samples),
            message,
        )
    days = left_s // DAY_S
    until = (now + dt.timedelta(seconds=left_s)).astimezone(zone).date()
    if days == 0:
        message = say("forecast_less_than_a_day", daily=daily_text)
    else:
        message = say("forecast_days", daily=daily_text, days=days, date=until.isoformat())
    return ForecastView(days, until, daily_cost, daily_text, daily_units, len(samples), message)
