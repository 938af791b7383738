"""`prepay-kiosk tariff …` and `prepay-kiosk meter register`: reference data from the command line,
until the admin screens (and the backend's sync) take over."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select

from kiosk import app, cli_meter
from kiosk import config as config_mod
from kiosk.db.models import Meter, MeterKind, TariffVersion, Tenant
from kiosk.money import format_amount, parse_amount
from kiosk.tariff_store import in_force, publish
from kiosk.tariffs import Tariff, TariffError, quote


def add_parsers(sub: argparse._SubParsersAction) -> None:
    tariff = sub.add_parser("tariff", help="publish and inspect tariffs").add_subparsers(
        metavar="ACTION"
    )
    pub = tariff.add_parser("publish", help="publish a tariff version from a JSON file")
    pub.add_argument("file")
    pub.add_argument("--by", default="cli", help="who publishes it (for the record)")
    pub.set_defaults(run=_publish)
    tariff.add_parser("list", help="every tariff version").set_defaults(run=_list)
    q = tariff.add_parser("quote", help="what an amount buys under a tariff now")
    q.add_argument("code")
    q.add_argument("--amount", required=True)
    q.set_defaults(run=_quote)

    meter = sub.add_parser("meter", help="meters").add_subparsers(metavar="ACTION")
    reg = meter.add_parser("register", help="register a meter (card or networked) and its tariff")
    reg.add_argument("--id", type=int, required=True, help="the meter id written on its cards")
    reg.add_argument("--tenant", type=int, required=True)
    reg.add_argument("--tenant-name", default="")
    reg.add_argument("--utility", choices=["electricity", "water"], default="electricity")
    reg.add_argument("--tariff", required=True, help="tariff code")
    reg.add_argument(
        "--kind", choices=["card", "modbus"], default="card", help="card meter or networked meter"
    )
    reg.add_argument("--address", help="networked meters: tcp://host:port/<device id>")
    reg.add_argument("--profile", help="networked meters: register profile, e.g. dds238")
    reg.set_defaults(run=_register)
    cli_meter.add_meter_actions(meter)


def _kiosk(args: argparse.Namespace) -> app.Kiosk:
    return app.build(config_mod.load(args.config))


def _publish(args: argparse.Namespace) -> int:
    try:
        tariff = Tariff.from_dict(json.loads(Path(args.file).read_text()))
    except (OSError, json.JSONDecodeError) as exc:
        raise TariffError("", f"cannot read {args.file}: {exc}") from exc
    kiosk = _kiosk(args)
    try:
        with kiosk.db.session() as s:
            row = publish(s, tariff, args.by)
            print(
                f"Published {tariff.ref} (digest {row.digest[:12]}), valid from "
                f"{row.valid_from:%Y-%m-%d %H:%M} UTC."
            )
    finally:
        kiosk.close()
    return 0


def _list(args: argparse.Namespace) -> int:
    kiosk = _kiosk(args)
    try:
        with kiosk.db.session() as s:
            for row in s.scalars(
                select(TariffVersion).order_by(TariffVersion.code, TariffVersion.version)
            ):
                print(
                    f"{row.code} v{row.version}  {row.definition.get('name', '')}  "
                    f"from {row.valid_from:%Y-%m-%d}  by {row.created_by}"
                )
    finally:
        kiosk.close()
    return 0


def _quote(args: argparse.Namespace) -> int:
    kiosk = _kiosk(args)
    try:
        with kiosk.db.session() as s:
            tariff = in_force(s, args.code, dt.datetime.now(dt.UTC))
        if tariff is None:
            raise TariffError("code", f"no tariff {args.code!r} is in force")
        q = quote(tariff, parse_amount(args.amount, tariff.currency), at=dt.datetime.now(dt.UTC))
        print(
            f"{q.text} ({q.tariff_ref}); fee {format_amount(q.fee, q.currency)}, "
            f"credit {format_amount(q.net_credit, q.currency)}"
        )
    finally:
        kiosk.close()
    return 0


def _register(args: argparse.Namespace) -> int:
    kind = MeterKind.MODBUS if args.kind == "modbus" else MeterKind.CARD
    label = ""
    if kind is MeterKind.MODBUS:
        from meters.errors import MeterError
        from meters.modbus.driver import ModbusBuses

        if not args.address or not args.profile:
            raise config_mod.ConfigError(
                "a networked meter needs --address tcp://host:port/<device id> and --profile."
            )
        try:
            ModbusBuses().meter(args.address, args.profile)  # checks both; connects nothing
        except MeterError as exc:
            raise config_mod.ConfigError(f"meter {args.id}: {exc.message}") from None
        label = app.modbus_label(args.address, args.profile)
        if len(label) > 100:
            raise config_mod.ConfigError(f"--address is too long ({len(args.address)} characters).")
    elif args.address or args.profile:
        raise config_mod.ConfigError("--address and --profile are for --kind modbus.")
    kiosk = _kiosk(args)
    try:
        with kiosk.db.session() as s:
            site = kiosk.config.site_id
            if s.get(Tenant, args.tenant) is None:
                s.add(
                    Tenant(
                        id=args.tenant,
                        site_id=site,
                        name=args.tenant_name or f"Tenant {args.tenant}",
                    )
                )
                s.flush()
            meter = s.get(Meter, args.id) or Meter(id=args.id, site_id=site, kind=kind)
            meter.tenant_id, meter.utility, meter.tariff_code = (
                args.tenant,
                args.utility,
                args.tariff,
            )
            meter.kind = kind
            if kind is MeterKind.MODBUS or (meter.label or "").startswith("modbus "):
                meter.label = label
            s.add(meter)
            where = f", {args.profile} at {args.address}" if kind is MeterKind.MODBUS else ""
            print(
                f"Meter {args.id} ({args.utility}) of tenant {args.tenant} on tariff {args.tariff}"
                f"{where}."
            )
    finally:
        kiosk.close()
    return 0
