"""`prepay-kiosk meter new|insert|run|status`: a virtual card meter on the command line, its state
in a JSON file, its card slot any reader the kiosk takes (``emulated:card.json``: an emulated card).

The meter holds the site's keys as a real meter holds a SAM: they come from the kiosk
configuration (``--config``), never from the meter file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from cardlib.reader.spec import open_reader
from kiosk import config as config_mod
from meters.cardmeter import VirtualCardMeter, load_state, new_state, save_state
from meters.cardmeter.protocol import REFUSAL_TEXT
from meters.cardmeter.store import MeterState
from meters.cardmeter.virtual import CostFn
from meters.errors import MeterError
from meters.policy import FriendlyWindow, Policy

EXIT_ERROR = 2


def add_meter_actions(meter: argparse._SubParsersAction) -> None:
    """Add new / insert / run / status to the ``meter`` subcommand group."""
    new = meter.add_parser("new", help="make a virtual card meter in a file")
    new.add_argument("--id", type=int, required=True, help="the meter id its cards carry")
    new.add_argument("--file", required=True)
    new.add_argument("--site", type=int, help="site id (default: the kiosk configuration's)")
    new.add_argument("--load-w", type=int, default=1000, help="simulated load in W")
    new.add_argument("--price", default="0.86", help="price per kWh, e.g. 0.86")
    new.add_argument("--low", default="20.00", help="level-1 warning below this credit")
    new.add_argument("--very-low", default="5.00", help="level-2 warning below this credit")
    new.add_argument("--emergency", default="0", help="emergency credit (0: none)")
    new.add_argument("--reconnect", default="1.00", help="credit needed to reconnect after a cut")
    new.add_argument(
        "--friendly", action="append", default=[], help="no cut in HH:MM-HH:MM (repeatable)"
    )
    new.add_argument("--timezone", default="UTC", help="time zone of the friendly hours")
    new.add_argument("--start", help="simulated start time, ISO 8601 (default: now)")
    new.set_defaults(run=_new)

    ins = meter.add_parser("insert", help="put a card in the meter's slot")
    ins.add_argument("--file", required=True)
    ins.add_argument("--reader", help="pcsc, pcsc:NAME, nfc:PATH or emulated:FILE")
    ins.add_argument("--wait", type=float, default=10.0, help="seconds to wait for a card")
    ins.set_defaults(run=_insert)

    run = meter.add_parser("run", help="advance simulated time")
    run.add_argument("--file", required=True)
    run.add_argument("--hours", type=float, required=True)
    run.add_argument("--load-w", type=int, help="load for this run (default: the meter's)")
    run.set_defaults(run=_run)

    st = meter.add_parser("status", help="the meter's credit, register, relay and alarm")
    st.add_argument("--file", required=True)
    st.set_defaults(run=_status)


def _money(text: str) -> int:
    try:
        value = Decimal(text) * 100
    except InvalidOperation:
        raise MeterError(f"Not an amount: {text!r}.") from None
    if value != value.to_integral_value():
        raise MeterError(f"{text!r} has more decimals than the currency.")
    return int(value)


def _fmt(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def _window(text: str) -> FriendlyWindow:
    try:
        start, end = text.split("-")
        return FriendlyWindow(dt.time.fromisoformat(start), dt.time.fromisoformat(end))
    except ValueError:
        raise MeterError(f"Friendly hours are HH:MM-HH:MM, not {text!r}.") from None


def _guard(fn):  # noqa: ANN001, ANN202 - wraps a run function
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except MeterError as exc:
            print(f"Meter: {exc.message} [{exc.code}]", file=sys.stderr)
            return EXIT_ERROR

    return run


@_guard
def _new(args: argparse.Namespace) -> int:
    site = args.site if args.site is not None else config_mod.load(args.config).site_id
    try:
        price = Fraction(Decimal(args.price)) * 100
        start = dt.datetime.fromisoformat(args.start) if args.start else dt.datetime.now(dt.UTC)
    except (InvalidOperation, ValueError) as exc:
        raise MeterError(f"Bad --price or --start: {exc}") from exc
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    policy = Policy(
        low_credit=_money(args.low),
        very_low_credit=_money(args.very_low),
        emergency_credit=_money(args.emergency),
        reconnect_threshold=_money(args.reconnect),
        friendly=tuple(_window(w) for w in args.friendly),
        timezone=args.timezone,
    )
    state = new_state(args.id, site, start, load_w=args.load_w, price_per_kwh=price, policy=policy)
    save_state(state, args.file)
    print(
        f"Meter {args.id} of site {site} in {args.file}: load {args.load_w} W, "
        f"{args.price} per kWh, relay open until credit is loaded."
    )
    return 0


def _meter(args: argparse.Namespace, *, priced: bool = False) -> VirtualCardMeter:
    """The meter without keys: run and status touch no card. ``priced``: charge by the kiosk's
    tariff when the kiosk database knows the meter and its tariff is in force
    (:func:`_tariff_cost`)."""
    state = load_state(args.file)
    cost = _tariff_cost(args, state) if priced else None
    return VirtualCardMeter(state, None, cost=cost, save=lambda s: save_state(s, args.file))


def _tariff_cost(args: argparse.Namespace, state: MeterState) -> CostFn | None:
    """kiosk.tariffs.cost.consumption_cost as the meter's cost function, when the kiosk database
    (from the configuration) registers the meter (`meter register`) with a tariff in force at the
    meter's time. Fractions of a minor unit are carried in the meter's ``cost_carry``, as with its
    own price. Otherwise None: the meter's own price per kWh. Tiered tariffs are not injected (the
    meter file keeps no month's block position)."""
    from sqlalchemy.exc import SQLAlchemyError

    from kiosk.db import Database
    from kiosk.db.models import Meter
    from kiosk.tariff_store import in_force
    from kiosk.tariffs.cost import consumption_cost
    from kiosk.tariffs.model import TieredRate

    try:
        config = config_mod.load(args.config)
    except config_mod.ConfigError:
        return None
    if config.site_id != state.site_id:
        return None
    db = Database(config.db_url)
    try:
        with db.session() as s:
            row = s.get(Meter, state.meter_id)
            tariff = in_force(s, row.tariff_code, state.now) if row and row.tariff_code else None
    except SQLAlchemyError:
        return None
    finally:
        db.dispose()
    if tariff is None or tariff.rate is None:
        return None
    if isinstance(tariff.rate, TieredRate):
        print(
            f"Tariff {tariff.ref} is tiered: the meter charges its own price per kWh instead.",
            file=sys.stderr,
        )
        return None
    print(f"Charging by tariff {tariff.ref} from the kiosk database.", file=sys.stderr)

    def cost(wh: int, start: dt.datetime, end: dt.datetime) -> int:
        owed = state.cost_carry + consumption_cost(tariff, wh, start, end).exact
        charge = math.floor(owed)
        state.cost_carry = owed - charge
        return charge

    return cost


def _print_status(meter: VirtualCardMeter) -> None:
    s = meter.state
    print(
        f"Meter {s.meter_id} at {s.now:%Y-%m-%d %H:%M:%S} UTC: credit {_fmt(s.credit)}, "
        f"register {s.reading_wh} Wh, relay {'closed' if s.relay_closed else 'OPEN'}, "
        f"alarm {s.alarm.name}, last purchase loaded {s.last_loaded_seq}"
    )


@_guard
def _insert(args: argparse.Namespace) -> int:
    config = config_mod.load(args.config)
    meter = VirtualCardMeter(
        load_state(args.file),
        config.keys,
        save=lambda s: save_state(s, args.file),
        key_version=config.current_key_version,
    )
    if meter.state.site_id != config.site_id:
        raise MeterError(
            f"The meter belongs to site {meter.state.site_id}, the configuration to "
            f"{config.site_id}."
        )
    reader = open_reader(args.reader or config.reader.spec)
    try:
        with reader.connect_when_present(args.wait) as conn:
            result = meter.insert(conn)
    finally:
        reader.close()
    if result.status.value == "loaded":
        print(f"Loaded purchase {result.seq}: +{_fmt(result.loaded)}.")
    elif result.status.value == "already_loaded":
        print(f"Purchase {result.seq} was loaded before; nothing new.")
    elif result.status.value == "no_purchase":
        print("No purchase on the card.")
    else:
        why = REFUSAL_TEXT.get(result.refusal) or "refused"
        print(f"Refused: {why}. {result.message}")
    if result.record is not None:
        print(f"State written to the card (meter record {result.record.counter}).")
    else:
        print("Nothing written to the card.")
    _print_status(meter)
    return 0 if result.status.value != "refused" else EXIT_ERROR


@_guard
def _run(args: argparse.Namespace) -> int:
    if args.hours < 0:
        raise MeterError("--hours must be >= 0.")
    meter = _meter(args, priced=True)
    for event in meter.advance(dt.timedelta(hours=args.hours), load_w=args.load_w):
        print(f"{event.at:%Y-%m-%d %H:%M} {event.kind}: {event.text}")
    _print_status(meter)
    return 0


@_guard
def _status(args: argparse.Namespace) -> int:
    _print_status(_meter(args))
    return 0
