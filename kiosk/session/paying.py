"""The money steps of the tenant session: the QR code and its window, writing the paid credit,
and a card that leaves before the credit is on it."""

from __future__ import annotations

import logging
import math

from cardlib.errors import CardError, NoCardError
from kiosk.money import format_amount
from kiosk.payments.provider import PaymentError
from kiosk.session import receipt
from kiosk.session.base import SessionBase
from kiosk.session.formatting import mask_serial
from kiosk.session.messages import say
from kiosk.session.views import Message, PaymentView, Screen, View, WritingView
from kiosk.topup.model import CardAwayError, TopUpError
from kiosk.topup.states import OrderState

log = logging.getLogger("kiosk.session")
S = OrderState


class PaymentSteps(SessionBase):
    # -- paying ------------------------------------------------------------------------------------

    def _card_back_while_paying(self) -> View:
        order = self._order
        assert order is not None
        try:
            tap = self._open_tap()
        except (CardError, TopUpError) as exc:
            log.info("card put on the reader while paying not read: %s", exc)
            self._notice = say("wrong_card_paying", card=mask_serial(order.card_serial or 0))
            return self._paying_view()
        if tap.uid != order.card_uid:
            tap.purse.connection.disconnect()
            self._notice = say("wrong_card_paying", card=mask_serial(order.card_serial or 0))
            return self._paying_view()
        self._drop_tap()
        self._tap, self._tap_live, self._notice = tap, True, None
        return self._paying_view()

    def _check_payment(self) -> View:
        order = self._order
        assert order is not None
        self._last_poll = self.monotonic()
        try:
            current = self.topup.check_payment(order.id)
        except PaymentError as exc:  # the provider did not answer: ask again at the next poll
            log.warning("payment check of %s failed: %s", order.out_trade_no, exc.message)
            current = self.topup.order(order.id)
        if current.state in (S.PAID, S.CREDIT_PENDING):
            return self._paid()
        if current.state is S.DONE:  # delivered by a tap of this card meanwhile
            return self._done()
        if current.state is S.ORDER_CREATED:
            if order.expires_at is not None and self.clock() < order.expires_at:
                return self._paying_view()
            return self._expire()
        log.warning("order %s left PAYING as %s", order.out_trade_no, current.state.value)
        self._forget_order()
        return self._message(say("payment_expired"), card_bound=False)

    def _expire(self) -> View:
        order = self._order
        assert order is not None
        try:
            current = self.topup.give_up(order.id, expired=True)
        except PaymentError as exc:
            log.warning("expiry of %s not confirmed: %s", order.out_trade_no, exc.message)
            self._forget_order()
            return self._message(say("payment_unconfirmed"), card_bound=False)
        if current.state in (S.PAID, S.CREDIT_PENDING):  # paid at the last moment
            return self._paid()
        self._forget_order()
        return self._message(say("payment_expired"), card_bound=False)

    def _paying_view(self) -> View:
        order = self._order
        assert order is not None and order.expires_at is not None
        currency = order.currency
        left = max(0, math.ceil((order.expires_at - self.clock()).total_seconds()))
        here = self._card_here()
        amount = format_amount(order.amount, currency)
        return self._go(
            Screen.PAYING,
            PaymentView(
                reference=order.out_trade_no,
                qr_payload=order.qr_payload or "",
                amount=order.amount,
                amount_text=amount,
                expires_at=order.expires_at,
                seconds_left=left,
                preview=self._preview,
                card_on_reader=here,
                hint=say("pay_scan" if here else "pay_card_away", amount=amount),
                notice=self._notice,
            ),
        )

    # -- writing -----------------------------------------------------------------------------------

    def _paid(self) -> View:
        if not self._card_here():
            return self._card_away(say("card_put_back", **self._card_args()))
        return self._go(Screen.WRITING, self._writing_view(say("writing", **self._card_args())))

    def _write(self) -> View:
        order, tap = self._order, self._tap
        assert order is not None
        if tap is None or not self._card_here():
            return self._card_away(say("card_put_back", **self._card_args()))
        try:
            written = self.topup.deliver(order.id, tap.purse)
        except CardAwayError as exc:
            log.info("card left during the write of %s: %s", order.out_trade_no, exc.message)
            self._tap_live = False
            return self._card_away(say("card_put_back", **self._card_args()))
        except (CardError, TopUpError) as exc:
            log.error("credit of %s not written: %s", order.out_trade_no, exc)
            return self._write_failed()
        if written.state is S.DONE:
            return self._done()
        log.error("order %s is %s after its write", order.out_trade_no, written.state.value)
        return self._write_failed()

    def _write_failed(self) -> View:
        order = self._order
        assert order is not None
        self.topup.abandon(order.id)  # paid money waits as CREDIT_PENDING: staff settle it
        args = self._card_args()
        self._forget_order()
        return self._message(say("write_failed", amount=args["amount"]), card_bound=False)

    def _card_away(self, message: Message) -> View:
        if self._view.screen is not Screen.CARD_AWAY:
            self._away_since = self.monotonic()
        self._away_message = message
        left = max(0, math.ceil(self.card_away_timeout - (self.monotonic() - self._away_since)))
        return self._go(Screen.CARD_AWAY, self._writing_view(message, left))

    def _card_back(self) -> View:
        order = self._order
        assert order is not None
        self._away_since = self.monotonic()  # someone is at the reader: wait the full time again
        try:
            tap = self._open_tap()  # the tap itself finishes or redoes the journaled write
        except (CardAwayError, NoCardError):
            return self._card_away(say("card_put_back", **self._card_args()))
        except (CardError, TopUpError) as exc:
            log.info("card put back while waiting for %s not read: %s", order.out_trade_no, exc)
            return self._card_away(say("wrong_card", card=self._card_args()["card"]))
        if tap.uid != order.card_uid:
            tap.purse.connection.disconnect()
            return self._card_away(say("wrong_card", card=self._card_args()["card"]))
        self._drop_tap()
        self._tap, self._tap_live = tap, True
        current = self.topup.order(order.id)
        if current.state is S.DONE:
            return self._done()
        if tap.in_doubt:
            self._forget_order()
            return self._message(say("write_in_doubt"), card_bound=False)
        return self._write()

    def _abandon(self) -> View:
        order = self._order
        assert order is not None
        self.topup.abandon(order.id)
        args = self._card_args()
        self._forget()
        return self._message(say("credit_kept", amount=args["amount"]), card_bound=False)

    def _done(self) -> View:
        order, tap = self._order, self._tap
        assert order is not None
        view = receipt.done_view(
            self.topup.receipt(order.id),
            order.out_trade_no,
            tap.purse.state if tap is not None else None,
            self.kiosk.config.receipts,
            self.printer,
            self.receipt_width,
        )
        self._forget_order()
        return self._go(Screen.DONE, view)

    def _writing_view(self, message: Message, seconds_left: int | None = None) -> WritingView:
        order = self._order
        assert order is not None
        args = self._card_args()
        return WritingView(
            reference=order.out_trade_no,
            amount=order.amount,
            amount_text=args["amount"],
            card_masked=args["card"],
            message=message,
            seconds_left=seconds_left,
        )
