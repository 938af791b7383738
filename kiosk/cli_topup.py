"""`prepay-kiosk topup`, `tap`, `recover` and `reconcile`: the money path on the command line.

`topup` runs a whole top-up headless and prints each step. With no kiosk.toml it runs on the
demo set-up (throw-away keys, an emulated wallet card kept in demo-out/, the payment simulator in
process, told to pay), so `prepay-kiosk topup --amount 50.00` works on a fresh machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import requests

from cardlib.errors import CardError
from kiosk import config as config_mod
from kiosk.cli_describe import describe
from kiosk.cli_session import CommandSession
from kiosk.db.models import ItemKind
from kiosk.money import format_amount, parse_amount
from kiosk.topup.recovery import recover
from kiosk.topup.service import CardAwayError, Item, TopUpService
from kiosk.topup.states import OrderState

S = OrderState
POLL_S = 0.5


def add_parsers(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("topup", help="run a whole top-up headless, step by step")
    t.add_argument("--amount", required=True, help="what goes onto the card, e.g. 50.00")
    t.add_argument("--wallet", help="also load the tenant's account wallet, e.g. 20.00")
    t.add_argument("--reader", help="pcsc, pcsc:NAME, nfc:PATH or emulated:FILE")
    t.add_argument("--trace", action="store_true", help="print every card command")
    t.add_argument("--no-pay", action="store_true", help="do not tell the simulator to pay")
    t.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the card")
    t.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for payment")
    t.set_defaults(run=run_topup)

    tap = sub.add_parser("tap", help="read a card and deliver whatever it is owed")
    tap.add_argument("--reader")
    tap.add_argument("--trace", action="store_true")
    tap.add_argument("--wait", type=float, default=10.0)
    tap.set_defaults(run=run_tap)

    rec = sub.add_parser("recover", help="settle top-ups a crash left half-way")
    rec.set_defaults(run=run_recover)

    recon = sub.add_parser("reconcile", help="compare a day's payments with the provider's")
    recon.add_argument("--day", help="YYYY-MM-DD (default: today, UTC)")
    recon.add_argument("--settle", action="store_true", help="mark missed payments as paid")
    recon.set_defaults(run=run_reconcile)


class _Run(CommandSession):
    """A money command: on the demo set-up when there is no kiosk.toml, with numbered steps."""

    def __init__(self, args: argparse.Namespace) -> None:
        config_path = args.config or _default_config()
        reader = getattr(args, "reader", None)
        if reader is None and _is_demo(config_path):
            reader = f"emulated:{Path(config_path).parent / 'cards' / 'topup.json'}"
        super().__init__(args, config_path, reader)
        self.n = 0

    def step(self, text: str) -> None:
        self.n += 1
        print(f"[{self.n}] {text}", flush=True)


def run_topup(args: argparse.Namespace) -> int:
    run = _Run(args)
    try:
        return _topup(run, args)
    finally:
        run.close()


def _topup(run: _Run, args: argparse.Namespace) -> int:
    topup: TopUpService = run.kiosk.topup
    run.step(f"Waiting for a card on {run.reader.name}…")
    tap = topup.tap(run.reader.connect_when_present(args.wait, run.trace))
    state = tap.purse.state
    currency = state.header.currency
    run.step("Card read:\n" + _indent(describe(state)))
    for order in tap.delivered:
        run.step(
            f"Pending credit delivered first: {format_amount(order.amount, currency)} "
            f"(order {order.out_trade_no})"
        )
    amount = parse_amount(args.amount, currency)
    items, quoted = topup.items_for(tap, amount)
    if args.wallet:
        items.append(Item(ItemKind.WALLET_LOAD, parse_amount(args.wallet, currency), "wallet"))
    order = topup.choose(tap, items, quoted=quoted)
    total = format_amount(order.amount, currency)
    run.step(f"Amount chosen: {total}" + (f" — {quoted.text}" if quoted else ""))
    if state.pending_purchase:
        run.step(
            "Note: the card still carries a purchase the meter has not loaded; this one is "
            "added to it. Insert the card into the meter after the top-up."
        )
    order = topup.request_payment(order.id)
    run.step(f"Order {order.out_trade_no} created; scan to pay {total}:\n    {order.qr_payload}")
    simulator_url = getattr(run.kiosk.provider, "base_url", None)
    if run.kiosk.provider.name == "simulator" and simulator_url and not args.no_pay:
        pay = f"{simulator_url}/control/{order.out_trade_no}/pay"
        requests.post(pay, json={}, timeout=5).raise_for_status()
        run.step("The payment simulator was told to pay (as a phone would).")
    deadline = time.monotonic() + args.timeout
    while (order := topup.check_payment(order.id)).state is S.ORDER_CREATED:
        if time.monotonic() > deadline:
            order = topup.give_up(order.id, expired=True)
            run.step(f"No payment in time: the order is {order.state.value}.")
            return 0 if order.state is not S.ORDER_CREATED else 2
        time.sleep(POLL_S)
    run.step(f"Paid ({order.method}, {order.provider_ref}).")
    run.step("Writing to the card: keep it on the reader…")
    try:
        order = topup.deliver(order.id, tap.purse)
    except CardAwayError as exc:
        run.step(f"{exc.message} Waiting {args.wait:g} s for it…")
        if not run.reader.wait_for_card(args.wait):
            order = topup.abandon(order.id)
            run.step(
                "The card did not come back: the credit is kept for it and written at its "
                "next tap, at this kiosk."
            )
            return 0
        again = topup.tap(run.reader.connect(run.trace))
        order = topup.order(order.id)
        if order.id not in [o.id for o in again.delivered] and order.state is not S.DONE:
            run.step(f"The order is {order.state.value}.")
            return 2
    run.step(f"Done. Receipt {topup.receipt(order.id).receipt_no}:")
    from kiosk.receipts.text import render_text

    print(_indent(render_text(topup.receipt(order.id))))
    with run.reader.connect(run.trace) as conn:
        run.step("The card now:\n" + _indent(describe(run.kiosk.cards.read(conn))))
    return 0


def run_tap(args: argparse.Namespace) -> int:
    run = _Run(args)
    try:
        tap = run.kiosk.topup.tap(run.reader.connect_when_present(args.wait, run.trace))
        for order in tap.delivered:
            print(
                f"Delivered {format_amount(order.amount, order.currency)} "
                f"(order {order.out_trade_no}, now {order.state.value})."
            )
        if tap.in_doubt:
            print(
                f"{len(tap.in_doubt)} journaled write(s) could not be settled: see the audit log."
            )
        print(describe(tap.purse.state))
        return 0
    except CardAwayError as exc:
        print(f"{exc.message} The credit waits for the card's next tap.", file=sys.stderr)
        return 2
    finally:
        run.close()


def run_recover(args: argparse.Namespace) -> int:
    run = _Run(args)
    try:
        report = recover(run.kiosk.topup)
        print(f"Recovery: {report}.")
        for ref in report.credit_pending:
            print(f"  {ref}: paid, delivered at the card's next tap")
        for ref in report.unresolved:
            print(f"  {ref}: the payment provider did not answer; run recover again later")
        return 0
    finally:
        run.close()


def run_reconcile(args: argparse.Namespace) -> int:
    from kiosk.reconcile import reconcile, settle

    run = _Run(args)
    try:
        day = dt.date.fromisoformat(args.day) if args.day else dt.datetime.now(dt.UTC).date()
        report = reconcile(run.kiosk.db, run.kiosk.provider, day, run.config.kiosk_id)
        print(f"{day} with {report.provider}: {report.matched} matched.")
        for title, rows in (
            ("Paid, not credited", report.paid_not_credited),
            ("Credited, not paid", report.credited_not_paid),
            ("Amount mismatch", report.amount_mismatch),
        ):
            for m in rows:
                print(
                    f"  {title}: {m.out_trade_no} kiosk {m.kiosk_amount} provider "
                    f"{m.provider_amount} ({m.kiosk_state} / {m.provider_status})"
                )
        if args.settle:
            for ref in settle(report, run.kiosk.topup.mark_paid):
                print(f"  settled {ref}: delivered at the card's next tap")
        return 0 if report.clean else 1
    finally:
        run.close()


def _default_config() -> str:
    import os

    explicit = os.environ.get(config_mod.ENV_CONFIG)
    if explicit or Path("kiosk.toml").exists():
        return explicit or "kiosk.toml"
    from kiosk.demo import ensure_demo_setup

    return str(ensure_demo_setup(Path("demo-out")))


def _is_demo(config_path: str) -> bool:
    return Path(config_path).read_text().startswith("# Throw-away keys made by")


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


__all__ = ["CardError", "add_parsers"]
