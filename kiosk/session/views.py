"""What the touchscreen shows: one frozen :class:`View` per answer of the tenant session.

The UI renders a view and forwards taps; it decides nothing. A view is a :class:`Screen` and the one
payload that screen needs, already worked out: amounts as integer minor units *and* as formatted
text, times as aware UTC datetimes *and* as text in the site's time zone, and every sentence the
tenant reads as a :class:`Message` -- a stable ``key``, the English ``text`` already formatted, and
the ``args`` it was formatted with, so the UI can translate ``template`` by key and format the
args itself.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class Screen(enum.Enum):
    ATTRACT = "attract"  # "tap your card": nothing in progress
    ACCOUNT = "account"  # the card read: balance, meter state, tariff, last top-ups
    AMOUNT = "amount"  # presets, keypad and the preview of what an amount buys
    PAYING = "paying"  # the QR code and its countdown
    WRITING = "writing"  # paid: the credit is being written, keep the card on the reader
    CARD_AWAY = "card_away"  # paid, the card left before the credit was on it: put it back
    DONE = "done"  # the receipt
    MESSAGE = "message"  # a sentence and an OK button (a refused card, no payment arrived, ...)
    STAFF = "staff"  # a staff card: the UI opens the PIN screen


class Tone(enum.Enum):
    """How a message should look: the UI picks colours and icons by it."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class CardKind(enum.Enum):
    METER = "meter"  # carries purchases to one meter and the meter's state back
    WALLET = "wallet"  # stored value for services


@dataclass(frozen=True)
class Message:
    """A sentence for the tenant. ``text`` is ``template`` (English) formatted with ``args``; the UI
    translates the template by ``key`` and formats the same args (all display-ready strings)."""

    key: str
    text: str
    args: dict[str, str] = field(default_factory=dict, hash=False)
    tone: Tone = Tone.INFO

    @property
    def template(self) -> str:
        from kiosk.session.messages import MESSAGES

        return MESSAGES[self.key][0]


# -- ACCOUNT ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeterStateView:
    """What the card meter wrote back onto the card the last time the card was in it."""

    utility: str  # "electricity" | "water"
    reading: int  # Wh or litres
    reading_text: str  # "1,234.5 kWh", "12.3 m³"
    credit: int  # minor units the meter had left (negative: emergency credit in use)
    credit_text: str
    relay_closed: bool  # True: supply on
    low_credit: bool
    emergency_credit: bool
    tamper: bool
    low_battery: bool
    #: why the meter refused the card's purchase the last time, as a sentence; None: it did not
    refusal: Message | None
    at: dt.datetime  # the meter's clock when it wrote (UTC)
    at_text: str  # in the site's time zone, "2026-11-24 14:05"


@dataclass(frozen=True)
class TariffView:
    code: str
    version: int
    name: str
    #: "0.86 CNY/kWh"; "now 1.20 CNY/kWh (peak)"; "0.50 CNY/kWh block 1 (0-200 kWh); ..."
    price_text: str
    fee: int  # minor units taken from each top-up
    fee_text: str


@dataclass(frozen=True)
class ForecastView:
    """Days of credit left at the recent use the card's meter reported. ``days_left`` is None when
    it cannot be said (fewer than two usable readings, or no use at all)."""

    days_left: int | None
    runs_out_on: dt.date | None  # local date
    daily_cost: int | None  # minor units a day, floored
    daily_cost_text: str | None
    daily_units: int | None  # Wh or litres a day, floored
    samples: int  # meter states the forecast had
    message: Message


@dataclass(frozen=True)
class TransactionView:
    reference: str  # the order reference (out_trade_no)
    at: dt.datetime  # when it was paid (UTC), or created when it never was
    at_text: str
    amount: int
    amount_text: str
    method: str  # "simulator", "cash", "staff", ...
    state: str  # "done" | "credit_pending" | "refunded"
    status: Message  # the state as the tenant reads it


@dataclass(frozen=True)
class AccountView:
    kind: CardKind
    card_serial: int
    card_masked: str  # "****1001": the last digits of the serial printed on the card
    tenant_id: int
    tenant_name: str  # "" when the kiosk does not know the tenant yet
    tenant_unit: str
    currency: int
    #: money on the card: a wallet's stored value; on a meter card the purchase not yet loaded
    #: into the meter (0 once loaded)
    balance: int
    balance_text: str
    meter: MeterStateView | None  # meter cards whose meter has written back
    tariff: TariffView | None  # meter cards whose meter and tariff the kiosk knows
    forecast: ForecastView | None  # meter cards
    transactions: tuple[TransactionView, ...]  # newest first, at most 5
    #: what happened on this tap or needs the tenant's attention, most important first
    notices: tuple[Message, ...]


# -- AMOUNT ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AmountChoice:
    amount: int
    text: str
    enabled: bool  # False: outside the limits (or not above a meter tariff's fee)


@dataclass(frozen=True)
class Preview:
    """What an amount buys, before paying."""

    amount: int  # what the tenant pays
    amount_text: str
    credit: int  # what goes onto the card: stored value, or the meter purchase
    credit_text: str
    fee: int
    fee_text: str
    debt_recovered: int
    debt_text: str
    units: int | None  # Wh or litres the credit buys (meter cards with a tariff)
    units_text: str | None  # "109.3 kWh"
    tariff_ref: str | None  # "ELEC v1"
    message: Message  # "100.00 CNY buys 109.3 kWh." / "50.00 CNY goes onto your card."


@dataclass(frozen=True)
class AmountView:
    currency: int
    presets: tuple[AmountChoice, ...]
    entry: str  # the keypad text as typed
    amount: int | None  # the amount entered or picked, when it is one
    preview: Preview | None  # what ``amount`` buys, when it can be bought
    error: Message | None  # why the entry or amount cannot be used
    min_amount: int
    max_amount: int  # the largest single top-up, today's remainder included
    limits: Message  # "Top up from 1.00 CNY to 2,000.00 CNY."


# -- PAYING, WRITING, CARD_AWAY --------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentView:
    reference: str  # the order reference
    qr_payload: str  # exactly what the QR code encodes
    amount: int
    amount_text: str
    expires_at: dt.datetime  # UTC
    seconds_left: int  # until the payment window closes, never negative
    preview: Preview | None
    card_on_reader: bool
    hint: Message  # "Scan the code ..." / "Put your card back after paying ..."
    notice: Message | None  # e.g. another card was put on the reader


@dataclass(frozen=True)
class WritingView:
    """WRITING and CARD_AWAY: the paid credit on its way to the card."""

    reference: str
    amount: int
    amount_text: str
    card_masked: str
    message: Message  # keep the card on the reader / put card ****1001 back / not this card
    #: CARD_AWAY: seconds left before the credit is kept for the card's next tap; else None
    seconds_left: int | None


# -- DONE, MESSAGE, STAFF --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptView:
    reference: str
    receipt_no: str
    amount: int
    amount_text: str
    lines: tuple[str, ...]  # the receipt as printed (kiosk.receipts.text)
    verify_url: str | None  # the QR code of the signed verification link, when configured
    printed: bool
    #: None when printed; otherwise why not (no printer, or it failed) with "scan the QR code"
    print_message: Message | None
    balance_after: int | None  # a wallet's value after the top-up
    balance_after_text: str | None
    #: a meter card's purchase waiting to be loaded into the meter; None for wallets
    to_load: int | None
    to_load_text: str | None
    message: Message  # "Done. 50.00 CNY has been added; ..." / "Done. Insert your card into ..."


@dataclass(frozen=True)
class MessageView:
    message: Message
    call_staff: bool  # the tenant cannot solve it alone


@dataclass(frozen=True)
class StaffCardView:
    card_serial: int
    uid: str  # hex, upper case
    staff_id: int
    staff_name: str  # "" when the kiosk does not know this staff member


Payload = (
    AccountView
    | AmountView
    | PaymentView
    | WritingView
    | ReceiptView
    | MessageView
    | StaffCardView
    | None
)

#: the payload type each screen carries
PAYLOADS: dict[Screen, type | None] = {
    Screen.ATTRACT: None,
    Screen.ACCOUNT: AccountView,
    Screen.AMOUNT: AmountView,
    Screen.PAYING: PaymentView,
    Screen.WRITING: WritingView,
    Screen.CARD_AWAY: WritingView,
    Screen.DONE: ReceiptView,
    Screen.MESSAGE: MessageView,
    Screen.STAFF: StaffCardView,
}


@dataclass(frozen=True)
class View:
    """A screen and its payload (None for ATTRACT)."""

    screen: Screen
    payload: Payload = None

    def __post_init__(self) -> None:
        wanted = PAYLOADS[self.screen]
        if (wanted is None and self.payload is not None) or (
            wanted is not None and not isinstance(self.payload, wanted)
        ):
            raise TypeError(
                f"{self.screen.name} shows {getattr(wanted, '__name__', 'nothing')}, "
                f"not {type(self.payload).__name__}"
            )
