"""The tenant's session at the touchscreen: every decision between a card on the reader and a
receipt, as a state machine over :class:`~kiosk.session.views.Screen`.

The UI forwards what happens -- a card arrives or leaves, a button is pressed, a second passes --
and shows the :class:`~kiosk.session.views.View` each method returns; it decides nothing. Methods
block (card I/O, the payment provider, the database): the UI calls them from a worker thread, one
at a time; a lock serialises them all the same.

Screens and what moves between them::

    ATTRACT --card_present--> ACCOUNT | STAFF | MESSAGE
    ACCOUNT --start_amount--> AMOUNT --preview--> AMOUNT --choose--> PAYING
    PAYING --poll/tick: paid--> WRITING --poll/tick: written--> DONE
    PAYING --window passed / cancel--> MESSAGE / ACCOUNT (a payment made meanwhile: WRITING)
    WRITING --card pulled--> CARD_AWAY --card back--> DONE
    CARD_AWAY --card_away_timeout--> MESSAGE (the credit waits for the card's next tap)
    ACCOUNT, AMOUNT, DONE, MESSAGE --idle_timeout--> ATTRACT

Money is never the session's to lose: the top-up service journals every step first, so whatever
the session forgets (a timeout, a crash) the core delivers at the card's next tap or refunds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cardlib.errors import CardError
from cardlib.purse.header import Role
from cardlib.reader.base import Reader
from kiosk.db.base import utcnow
from kiosk.db.models import Staff
from kiosk.payments.provider import PaymentError
from kiosk.receipts.printer import ReceiptPrinter, open_printer
from kiosk.session import amounts
from kiosk.session.messages import for_card_error, say
from kiosk.session.paying import PaymentSteps
from kiosk.session.views import Screen, StaffCardView, View
from kiosk.topup.limits import LimitError
from kiosk.topup.model import BlacklistedCardError, CardAwayError, TopUpError
from kiosk.topup.states import OrderState

if TYPE_CHECKING:
    from kiosk.app import Kiosk

log = logging.getLogger("kiosk.session")
S = OrderState

__all__ = ["TenantSession"]

DEFAULT_PRESETS = (20_00, 50_00, 100_00, 200_00)
#: seconds between two questions to the payment provider while the QR code is shown
POLL_INTERVAL_S = 2.0
#: receipt lines on screen: as on 58 mm paper
RECEIPT_WIDTH = 32
#: screens the idle timeout ends (money is not in flight on them)
IDLE_SCREENS = (Screen.ACCOUNT, Screen.AMOUNT, Screen.DONE, Screen.MESSAGE)


class TenantSession(PaymentSteps):
    """One touchscreen's tenant session over the kiosk's parts and its card reader.

    ``clock`` is the wall clock (aware UTC: payment windows, dates shown), ``monotonic`` the one
    timeouts are measured on; ``presets`` are in minor units of the site currency; ``printer``
    is None when the kiosk has none. :meth:`from_config` makes one from kiosk.toml."""

    def __init__(
        self,
        kiosk: Kiosk,
        reader: Reader,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        idle_timeout: float = 60.0,
        card_away_timeout: float = 60.0,
        presets: Sequence[int] = DEFAULT_PRESETS,
        printer: ReceiptPrinter | None = None,
        poll_interval: float = POLL_INTERVAL_S,
        receipt_width: int = RECEIPT_WIDTH,
    ) -> None:
        self.kiosk = kiosk
        self.topup = kiosk.topup
        self.reader = reader
        self.clock = clock
        self.monotonic = monotonic
        self.idle_timeout = idle_timeout
        self.card_away_timeout = card_away_timeout
        self.presets = tuple(presets)
        self.printer = printer
        self.poll_interval = poll_interval
        self.receipt_width = receipt_width
        self._lock = threading.RLock()
        self._view = View(Screen.ATTRACT)
        self._last_touch = monotonic()
        self._tap, self._tap_live = None, False
        self._entry, self._amount = "", None
        self._order, self._preview, self._notice = None, None, None
        self._last_poll = self._away_since = 0.0
        self._away_message = None
        self._card_bound = False

    @classmethod
    def from_config(
        cls,
        kiosk: Kiosk,
        reader: Reader,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> TenantSession:
        """A session as the kiosk's ``[kiosk]`` and ``[printer]`` configuration say."""
        cfg = kiosk.config
        return cls(
            kiosk,
            reader,
            clock=clock,
            monotonic=monotonic,
            idle_timeout=cfg.session.idle_timeout,
            card_away_timeout=cfg.session.card_away_timeout,
            presets=cfg.session.presets,
            printer=open_printer(cfg.printer),
            receipt_width=cfg.printer.width,
        )

    def close(self) -> None:
        with self._lock:
            self._drop_tap()
            close = getattr(self.printer, "close", None)
            if close is not None:
                close()

    # -- what the UI forwards ---------------------------------------------------------------------

    def card_present(self) -> View:
        """A card arrived on the reader."""
        return self._run(self._card_present, touch=True)

    def card_removed(self) -> View:
        """The card left the reader."""
        return self._run(self._card_removed, touch=True)

    def start_amount(self) -> View:
        """ACCOUNT's "Top up": the amount screen."""
        return self._run(self._start_amount, touch=True)

    def back(self) -> View:
        """AMOUNT -> ACCOUNT; ACCOUNT -> ATTRACT (the tenant is done); PAYING: see cancel()."""
        return self._run(self._back, touch=True)

    def preview(self, text_or_amount: str | int) -> View:
        """The keypad's text as typed, or a preset amount (minor units): what it buys."""
        return self._run(lambda: self._preview_amount(text_or_amount), touch=True)

    def choose(self, amount: int | None = None) -> View:
        """Order ``amount`` (default: the one last previewed) and show its QR code."""
        return self._run(lambda: self._choose(amount), touch=True)

    def poll(self) -> View:
        """Ask the provider now (PAYING), or write the paid credit (WRITING; blocks while it
        writes). :meth:`tick` does both when due; call it after a WRITING view to start at once."""
        return self._run(self._poll)

    def cancel(self) -> View:
        """PAYING's "Cancel" (a payment made meanwhile is written all the same); AMOUNT's too."""
        return self._run(self._cancel, touch=True)

    def dismiss(self) -> View:
        """DONE's and MESSAGE's "OK": the account again while the card is on the reader."""
        return self._run(self._dismiss, touch=True)

    def touch(self) -> View:
        """Any touch of the screen: the idle timer starts again. On ATTRACT with a card still on
        the reader (after an idle timeout), the card is read again."""
        return self._run(self._touch, touch=True)

    def tick(self) -> View:
        """Every second: idle timeout, the payment countdown and polling, writing, card away."""
        return self._run(self._tick)

    def reset(self) -> View:
        """Back to ATTRACT (admin mode ended); refused while money is in flight."""
        return self._run(self._reset)

    # -- the machine ------------------------------------------------------------------------------

    def _run(self, step: Callable[[], View], touch: bool = False) -> View:
        with self._lock:
            if touch:
                self._last_touch = self.monotonic()
            try:
                return step()
            except Exception:  # a bug or a dead database: say so, lose nothing (module docstring)
                log.exception("tenant session failed on %s", self._view.screen.name)
                self._forget()
                return self._message(say("kiosk_error"), card_bound=False)

    def _card_present(self) -> View:
        screen = self._view.screen
        if screen is Screen.CARD_AWAY:
            return self._card_back()
        if screen is Screen.PAYING:
            return self._card_back_while_paying()
        if screen is Screen.WRITING:
            return self._view
        self._forget()
        try:
            tap = self._open_tap()
        except BlacklistedCardError:
            return self._message(say("card_blacklisted"))
        except CardAwayError:  # pulled while the tap delivered what the card was owed
            return self._message(say("card_left_during_credit"))
        except CardError as exc:
            log.info("card refused at tap: %s (%s)", exc.code, exc.message)
            return self._message(for_card_error(exc))
        except TopUpError as exc:
            log.warning("tap failed: %s", exc.message)
            return self._message(say("card_unreadable"))
        header = tap.purse.state.header
        if header.role is Role.STAFF:
            tap.purse.connection.disconnect()  # admin mode reads the card again itself
            with self.kiosk.db.session() as s:
                staff = s.get(Staff, header.tenant_id)  # a staff card carries the staff id there
                name = staff.name if staff else ""
            return self._go(
                Screen.STAFF,
                StaffCardView(
                    card_serial=header.card_serial,
                    uid=tap.purse.state.uid.hex().upper(),
                    staff_id=header.tenant_id,
                    staff_name=name,
                ),
            )
        self._tap, self._tap_live = tap, True
        return self._account()

    def _card_removed(self) -> View:
        screen = self._view.screen
        if screen in (Screen.ACCOUNT, Screen.AMOUNT, Screen.STAFF) or (
            screen is Screen.MESSAGE and self._card_bound
        ):
            self._forget()
            return self._go(Screen.ATTRACT)
        self._tap_live = False
        if screen is Screen.PAYING:
            return self._paying_view()  # the tenant may pay without the card; it is asked later
        if screen is Screen.WRITING:
            return self._card_away(say("card_put_back", **self._card_args()))
        return self._view  # DONE and MESSAGE stay to be read; CARD_AWAY waits on

    def _start_amount(self) -> View:
        if self._view.screen not in (Screen.ACCOUNT, Screen.AMOUNT) or self._tap is None:
            return self._view
        self._entry, self._amount = "", None
        return self._amount_view()

    def _back(self) -> View:
        screen = self._view.screen
        if screen is Screen.AMOUNT:
            return self._account()
        if screen is Screen.ACCOUNT:
            self._forget()
            return self._go(Screen.ATTRACT)
        return self._view

    def _preview_amount(self, value: str | int) -> View:
        if self._view.screen is not Screen.AMOUNT or self._tap is None:
            return self._view
        currency = self._tap.purse.state.header.currency
        amount: int | None
        if isinstance(value, int) and not isinstance(value, bool):
            self._entry, amount = "", value
        else:
            self._entry = str(value)
            try:
                amount = amounts.parse_entry(self._entry, currency)
            except amounts.AmountRefused as refused:
                self._amount = None
                return self._amount_view(error=refused.message)
        self._amount = amount
        if amount is None:
            return self._amount_view()
        allowed = amounts.allowance(self.topup, self._tap)
        try:
            priced = amounts.price(self.topup, self._tap, amount, allowed)
        except amounts.AmountRefused as refused:
            return self._amount_view(error=refused.message, allowed=allowed)
        return self._amount_view(preview=priced.preview, allowed=allowed)

    def _choose(self, amount: int | None) -> View:
        if self._view.screen is not Screen.AMOUNT or self._tap is None:
            return self._view
        if amount is not None:
            self._entry, self._amount = "", amount
        if self._amount is None:
            return self._amount_view(error=say("amount_zero"))
        tap, chosen = self._tap, self._amount
        allowed = amounts.allowance(self.topup, tap)
        try:
            priced = amounts.price(self.topup, tap, chosen, allowed)
            order = self.topup.choose(tap, priced.items, quoted=priced.quote)
        except amounts.AmountRefused as refused:
            return self._amount_view(error=refused.message, allowed=allowed)
        except LimitError:  # only a race with another top-up of this card gets here
            refusal = allowed.refusal(chosen) or say("amount_refused")
            return self._amount_view(error=refusal, allowed=allowed)
        except CardError:  # the card could not hold it (plan_credit refused)
            return self._amount_view(error=say("amount_not_on_card"), allowed=allowed)
        except TopUpError as exc:
            log.warning("amount %s refused: %s", chosen, exc.message)
            return self._amount_view(error=say("amount_refused"), allowed=allowed)
        try:
            order = self.topup.request_payment(order.id)
        except PaymentError as exc:
            log.warning("no payment for %s: %s", order.out_trade_no, exc.message)
            # close it now if the provider lets us; recovery closes it otherwise
            with contextlib.suppress(PaymentError):
                self.topup.give_up(order.id, expired=False)
            return self._amount_view(error=say("payment_unavailable"), allowed=allowed)
        self._order, self._preview, self._notice = order, priced.preview, None
        self._last_poll = self.monotonic()
        return self._paying_view()

    def _touch(self) -> View:
        if self._view.screen is Screen.ATTRACT and self.reader.card_present():
            return self._card_present()
        return self._view

    def _poll(self) -> View:
        if self._view.screen is Screen.PAYING:
            return self._check_payment()
        if self._view.screen is Screen.WRITING:
            return self._write()
        return self._view

    def _cancel(self) -> View:
        screen = self._view.screen
        if screen is Screen.AMOUNT:
            return self._account()
        if screen is not Screen.PAYING or self._order is None:
            return self._view
        try:
            order = self.topup.give_up(self._order.id, expired=False)
        except PaymentError as exc:
            log.warning("cancel of %s not confirmed: %s", self._order.out_trade_no, exc.message)
            self._forget_order()
            return self._message(say("payment_unconfirmed"), card_bound=False)
        if order.state in (S.PAID, S.CREDIT_PENDING):  # the phone won the race
            return self._paid()
        self._forget_order()
        if self._card_here():
            return self._account(notices=(say("topup_cancelled"),))
        return self._message(say("topup_cancelled"), card_bound=False)

    def _dismiss(self) -> View:
        if self._view.screen not in (Screen.DONE, Screen.MESSAGE):
            return self._view
        if self.reader.card_present():
            self._view = View(Screen.ATTRACT)  # a fresh tap, whatever was shown
            return self._card_present()
        self._forget()
        return self._go(Screen.ATTRACT)

    def _tick(self) -> View:
        screen, now = self._view.screen, self.monotonic()
        if screen in IDLE_SCREENS and now - self._last_touch >= self.idle_timeout:
            self._forget()
            return self._go(Screen.ATTRACT)
        if screen is Screen.PAYING:
            assert self._order is not None and self._order.expires_at is not None
            # the tenant is busy with the phone, not the screen: PAYING ends with its payment
            # window, not with the idle timeout
            if (
                self.clock() >= self._order.expires_at
                or now - self._last_poll >= self.poll_interval
            ):
                return self._check_payment()
            return self._paying_view()
        if screen is Screen.WRITING:
            return self._write()
        if screen is Screen.CARD_AWAY:
            if now - self._away_since >= self.card_away_timeout:
                return self._abandon()
            assert self._away_message is not None
            return self._card_away(self._away_message)
        return self._view

    def _reset(self) -> View:
        if self._view.screen in (Screen.PAYING, Screen.WRITING, Screen.CARD_AWAY):
            return self._view
        self._forget()
        return self._go(Screen.ATTRACT)
