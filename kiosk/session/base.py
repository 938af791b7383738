"""What every step of the tenant session shares: the session's state, reading the card, and
making the views (see :mod:`kiosk.session.tenant` for the machine itself)."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cardlib.errors import CardError
from cardlib.purse.header import Role
from cardlib.reader.base import Reader
from kiosk.db.models import Order
from kiosk.money import format_amount
from kiosk.receipts.printer import ReceiptPrinter
from kiosk.session import account, amounts, forecast
from kiosk.session.formatting import mask_serial
from kiosk.session.messages import CALL_STAFF
from kiosk.session.views import (
    AmountView,
    Message,
    MessageView,
    Payload,
    Preview,
    Screen,
    View,
)
from kiosk.topup.model import Tap
from kiosk.topup.service import TopUpService

if TYPE_CHECKING:
    from kiosk.app import Kiosk


class SessionBase:
    """The state of one tenant session; :class:`~kiosk.session.tenant.TenantSession` sets it."""

    kiosk: Kiosk
    topup: TopUpService
    reader: Reader
    clock: Callable[[], dt.datetime]
    monotonic: Callable[[], float]
    idle_timeout: float
    card_away_timeout: float
    presets: tuple[int, ...]
    printer: ReceiptPrinter | None
    poll_interval: float
    receipt_width: int

    _lock: threading.RLock
    _view: View
    _last_touch: float
    _tap: Tap | None
    #: the tap's connection still reaches the card (it has not left the reader since)
    _tap_live: bool
    _entry: str  # the keypad text
    _amount: int | None  # the amount entered or picked
    _order: Order | None  # the top-up in flight (PAYING, WRITING, CARD_AWAY)
    _preview: Preview | None  # what it buys
    _last_poll: float
    _notice: Message | None  # the payment screen's
    _away_since: float
    _away_message: Message | None
    #: the message on screen is about the card on the reader: it goes when the card goes
    _card_bound: bool

    @property
    def view(self) -> View:
        """What the screen shows now."""
        return self._view

    # -- helpers -----------------------------------------------------------------------------------

    def _open_tap(self) -> Tap:
        """Read the card on the reader through the top-up service (which settles what it is
        owed), and keep the meter state it brought back for the forecast."""
        connection = self.reader.connect()
        try:
            tap = self.topup.tap(connection)
        except BaseException:
            connection.disconnect()
            raise
        if tap.purse.state.role is Role.METER and tap.purse.state.meter is not None:
            with self.kiosk.db.session() as s:
                forecast.record(s, tap.purse.state)
        return tap

    def _card_here(self) -> bool:
        return self._tap is not None and self._tap_live and self.reader.card_present()

    def _card_args(self) -> dict[str, str]:
        order = self._order
        assert order is not None
        return {
            "card": mask_serial(order.card_serial or 0),
            "amount": format_amount(order.amount, order.currency),
        }

    def _account(self, notices: Sequence[Message] = ()) -> View:
        assert self._tap is not None
        with self.kiosk.db.session() as s:
            view = account.build(s, self._tap, self.kiosk.cards.site_id, self.clock(), notices)
        return self._go(Screen.ACCOUNT, view)

    def _amount_view(
        self,
        preview: Preview | None = None,
        error: Message | None = None,
        allowed: amounts.Allowance | None = None,
    ) -> View:
        tap = self._tap
        assert tap is not None
        allowed = allowed or amounts.allowance(self.topup, tap)
        return self._go(
            Screen.AMOUNT,
            AmountView(
                currency=allowed.currency,
                presets=amounts.choices(self.topup, tap, self.presets, allowed),
                entry=self._entry,
                amount=self._amount,
                preview=preview,
                error=error,
                min_amount=allowed.min_amount,
                max_amount=allowed.largest,
                limits=allowed.message,
            ),
        )

    def _message(self, message: Message, card_bound: bool = True) -> View:
        self._card_bound = card_bound
        return self._go(Screen.MESSAGE, MessageView(message, message.key in CALL_STAFF))

    def _go(self, screen: Screen, payload: Payload = None) -> View:
        self._view = View(screen, payload)
        return self._view

    def _drop_tap(self) -> None:
        tap, self._tap, self._tap_live = self._tap, None, False
        if tap is not None:
            with contextlib.suppress(CardError):  # the reader already let the card go
                tap.purse.connection.disconnect()

    def _forget_order(self) -> None:
        self._order, self._preview, self._notice, self._away_message = None, None, None, None

    def _forget(self) -> None:
        """Nothing in progress any more (the core keeps whatever money was in flight)."""
        self._drop_tap()
        self._forget_order()
        self._entry, self._amount, self._card_bound = "", None, False
