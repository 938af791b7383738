"""The ``prepay-kiosk`` command: card operations against any reader, the emulator, the demo."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cardlib.errors import CardError
from cardlib.purse.header import Role, Utility
from cardlib.service import CardService, Issue
from kiosk import cli_admin, cli_control, cli_staff, cli_sync, cli_topup
from kiosk import config as config_mod
from kiosk.cli_describe import describe
from kiosk.cli_session import CommandSession
from kiosk.money import AmountError, format_amount, parse_amount
from kiosk.payments.provider import PaymentError
from kiosk.tariffs import TariffError
from kiosk.topup.limits import LimitError
from kiosk.topup.service import TopUpError

EXIT_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.run(args) or 0)
    except config_mod.ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
    except CardError as exc:
        print(f"{exc.message} [{exc.code}]", file=sys.stderr)
    except AmountError as exc:
        print(f"Amount: {exc}", file=sys.stderr)
    except (TopUpError, LimitError, PaymentError) as exc:
        print(f"{exc.message} [{exc.code}]", file=sys.stderr)
    except TariffError as exc:
        print(f"Tariff: {exc} [{exc.code}]", file=sys.stderr)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
    return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="prepay-kiosk", description="Prepay Kiosk")
    p.add_argument("--config", help="kiosk.toml (default: $PREPAY_KIOSK_CONFIG or ./kiosk.toml)")
    sub = p.add_subparsers(metavar="COMMAND")

    card = sub.add_parser("card", help="read, issue, credit or debit a card").add_subparsers(
        metavar="ACTION"
    )

    def card_command(name: str, help_text: str) -> argparse.ArgumentParser:
        c = card.add_parser(name, help=help_text)
        c.add_argument("--reader", help="pcsc, pcsc:NAME, nfc:PATH or emulated:FILE")
        c.add_argument("--trace", action="store_true", help="print every command and response")
        c.add_argument("--wait", type=float, default=10.0, help="seconds to wait for a card")
        return c

    card_command("read", "read and verify the card on the reader").set_defaults(run=_card_read)
    pers = card_command("personalise", "issue a blank card")
    pers.add_argument("--role", choices=[r.name.lower() for r in Role], required=True)
    pers.add_argument("--serial", type=int, required=True, help="the number printed on the card")
    pers.add_argument("--tenant", type=int, required=True, help="tenant id (staff id for staff)")
    pers.add_argument("--meter", type=int, default=0, help="meter id (meter cards)")
    pers.add_argument(
        "--utility", choices=["electricity", "water"], default="electricity", help="meter cards"
    )
    pers.set_defaults(run=_card_personalise)
    for name, text in (("credit", "add credit"), ("debit", "take credit (wallet cards)")):
        c = card_command(name, text)
        c.add_argument("--amount", required=True, help="e.g. 50.00")
        c.set_defaults(run=_card_credit if name == "credit" else _card_debit)

    emu = sub.add_parser("emulator", help="emulated cards").add_subparsers(metavar="ACTION")
    new = emu.add_parser("new", help="make a blank emulated card in a file")
    new.add_argument("--kind", required=True, help="classic1k, classic4k, ntag213, sle4442, …")
    new.add_argument("--file", required=True)
    new.set_defaults(run=_emulator_new)
    serve = emu.add_parser("serve", help="put an emulated card on the virtual PC/SC reader")
    serve.add_argument("--file", required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=35963, help="vpcd port (35963 = slot 0)")
    serve.set_defaults(run=_emulator_serve)

    cli_topup.add_parsers(sub)
    cli_admin.add_parsers(sub)
    cli_control.add_parsers(sub)
    cli_sync.add_parsers(sub)
    cli_staff.add_parsers(sub)

    demo = sub.add_parser("demo", help="the card walk-through on emulated cards")
    demo.add_argument("--out", default="demo-out", help="where keys, cards and output go")
    demo.set_defaults(run=_demo)
    return p


# -- card ------------------------------------------------------------------------------------------


class _Session(CommandSession):
    """A card command: the card service is all it needs of the kiosk."""

    @property
    def service(self) -> CardService:
        return self.kiosk.cards


def _card_read(args: argparse.Namespace) -> int:
    with _Session(args) as s, s.connect() as conn:
        state = s.service.read(conn)
        print(describe(state))
        print(f"({conn.commands} commands)")
    return 0


def _card_personalise(args: argparse.Namespace) -> int:
    with _Session(args) as s, s.connect() as conn:
        issue = Issue(
            role=Role[args.role.upper()],
            card_serial=args.serial,
            tenant_id=args.tenant,
            meter_id=args.meter,
            utility=Utility[args.utility.upper()],
            currency=s.config.currency,
        )
        state = s.service.personalise(conn, issue)
        print("Issued.")
        print(describe(state))
        print(f"({conn.commands} commands)")
    return 0


def _card_credit(args: argparse.Namespace) -> int:
    return _card_change(args, credit=True)


def _card_debit(args: argparse.Namespace) -> int:
    return _card_change(args, credit=False)


def _card_change(args: argparse.Namespace, credit: bool) -> int:
    with _Session(args) as s, s.connect() as conn:
        card = s.service.open(conn)
        amount = parse_amount(args.amount, card.state.header.currency)
        result = card.credit(amount) if credit else card.debit(amount)
        verb = "Credited" if credit else "Debited"
        print(f"{verb} {format_amount(amount, card.state.header.currency)}.")
        print(describe(card.state))
        print(f"(write: {result.commands} commands; tap in all: {conn.commands})")
    return 0


# -- emulator --------------------------------------------------------------------------------------


def _emulator_new(args: argparse.Namespace) -> int:
    from cardlib.emulator import store

    try:
        card = store.new_card(args.kind)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_ERROR
    store.save(card, args.file)
    print(f"Blank {args.kind} card in {args.file}.")
    return 0


def _emulator_serve(args: argparse.Namespace) -> int:
    import signal
    import threading

    from cardlib.emulator import store
    from cardlib.emulator.vpcd import VpcdLink

    card = store.load(args.file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    link = VpcdLink(args.host, args.port)
    link.insert(card)
    print(f"Card from {args.file} is on the virtual reader (vpcd {args.host}:{args.port}).")
    print("Ctrl-C or SIGTERM takes it off and saves it.", flush=True)
    try:
        while not stop.wait(0.5):
            store.save(card, args.file)
    except KeyboardInterrupt:
        pass
    finally:
        link.close()
        store.save(card, args.file)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from kiosk.demo import run

    return run(args.out)


if __name__ == "__main__":
    sys.exit(main())
