"""`prepay-kiosk control run|status`: the control loop for networked meters on the command line.

``control run`` polls every networked meter of the database (drivers from ``[control] meters`` or
from ``meter register --kind modbus``), charges the tenants' wallets, switches relays and notifies,
printing one line per meter and poll. ``control status`` shows the last readings and the relay
command log with reasons.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading

from sqlalchemy import select

from kiosk import app
from kiosk import config as config_mod
from kiosk.db.models import AccountKind, Meter, MeterKind, MeterReadingRow, RelayCommand, Site
from kiosk.ledger import Ledger
from kiosk.metering import MeterOutcome
from kiosk.money import format_amount
from meters.policy import Alarm


def add_parsers(sub: argparse._SubParsersAction) -> None:
    control = sub.add_parser(
        "control", help="the control loop for networked (Modbus) meters"
    ).add_subparsers(metavar="ACTION")
    run = control.add_parser("run", help="poll, charge, switch and notify (Ctrl-C stops)")
    run.add_argument("--once", action="store_true", help="one poll of every meter, then exit")
    run.add_argument(
        "--interval", type=float, help="seconds between polls (default: [control] poll_interval_s)"
    )
    run.set_defaults(run=_run)
    status = control.add_parser("status", help="last readings and the relay command log")
    status.add_argument("--limit", type=int, default=20, help="relay commands shown (newest)")
    status.set_defaults(run=_status)


def _run(args: argparse.Namespace) -> int:
    from meters.buses import MeterBuses

    config = config_mod.load(args.config)
    interval = args.interval if args.interval is not None else config.control.poll_interval_s
    if interval <= 0:
        raise config_mod.ConfigError("--interval must be more than 0 seconds.")
    kiosk = app.build(config)
    buses = MeterBuses()
    stop = threading.Event()
    try:
        loop = app.build_control_loop(kiosk, buses)
        if not loop.meters:
            print(
                "No networked meter has a driver: add [[control.meters]] to the configuration or "
                "`prepay-kiosk meter register --kind modbus …`.",
                file=sys.stderr,
            )
        if not args.once:
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            print(f"Polling every {interval:g} s; Ctrl-C stops.", file=sys.stderr, flush=True)
        while True:
            outcomes = loop.poll_once()
            for line in _lines(kiosk, outcomes):
                print(line, flush=True)
            if args.once or stop.wait(interval):
                break
    finally:
        buses.close()
        kiosk.close()
    return 0


def _lines(kiosk: app.Kiosk, outcomes: list[MeterOutcome]) -> list[str]:
    currency = kiosk.config.currency
    with kiosk.db.session() as s:
        energy = {
            row.meter_id: row.energy_wh
            for row in s.scalars(
                select(MeterReadingRow).where(
                    MeterReadingRow.meter_id.in_([o.meter_id for o in outcomes])
                )
            )
        }
    now = dt.datetime.now(dt.UTC)
    lines = []
    for o in outcomes:
        wh = energy.get(o.meter_id)
        parts = [
            f"{now:%Y-%m-%d %H:%M:%S}Z meter {o.meter_id}: {o.outcome.value}",
            f"energy {wh} Wh" if wh is not None else "energy -",
            f"charged {format_amount(o.charged, currency)}",
            f"credit {format_amount(o.credit, currency)}" if o.credit is not None else "credit -",
            f"alarm {o.decision.alarm.name}" if o.decision else "alarm -",
        ]
        if o.relay_command is None:
            relay = "relay: no command"
        else:
            verb = "close" if o.relay_command else "open"
            ok = "confirmed" if o.relay_confirmed else "NOT confirmed"
            relay = f"relay: {verb} ({ok})"
        parts.append(relay)
        reason = o.message or (o.decision.reason if o.decision else "")
        lines.append("  ".join(parts) + (f"  -- {reason}" if reason else ""))
    return lines


def _status(args: argparse.Namespace) -> int:
    kiosk = app.build(config_mod.load(args.config))
    try:
        with kiosk.db.session() as s:
            meters = list(
                s.scalars(select(Meter).where(Meter.kind == MeterKind.MODBUS).order_by(Meter.id))
            )
            if not meters:
                print("No networked meters registered.")
            ledger = Ledger(s)
            for m in meters:
                site = s.get(Site, m.site_id)
                currency = site.currency if site else kiosk.config.currency
                row = s.get(MeterReadingRow, m.id)
                credit = (
                    format_amount(
                        ledger.balance(ledger.account(AccountKind.WALLET, currency, m.tenant_id)),
                        currency,
                    )
                    if m.tenant_id is not None
                    else "-"
                )
                head = f"Meter {m.id} (tenant {m.tenant_id or '-'}, tariff {m.tariff_code})"
                if row is None:
                    print(f"{head}: never read; credit {credit}")
                    continue
                print(
                    f"{head}: {row.energy_wh} Wh at {row.at:%Y-%m-%d %H:%M:%S} UTC, charged "
                    f"{format_amount(row.charged, currency)} in all, credit {credit}, alarm "
                    f"{Alarm(row.alarm).name}, {'CUT' if row.cut else 'supply on'}"
                )
            commands = list(
                s.scalars(
                    select(RelayCommand)
                    .order_by(RelayCommand.at.desc(), RelayCommand.id.desc())
                    .limit(max(args.limit, 0))
                )
            )
            print("Relay commands (newest first):" if commands else "No relay commands.")
            for c in commands:
                state = "confirmed" if c.confirmed else f"NOT confirmed ({c.error or 'no answer'})"
                print(
                    f"  {c.at:%Y-%m-%d %H:%M:%S} meter {c.meter_id}: "
                    f"{'close' if c.closed else 'open'}, {state} -- {c.reason}"
                )
    finally:
        kiosk.close()
    return 0
