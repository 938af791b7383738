"""The session's vocabulary: views carry the payload of their screen, every message key formats
with the placeholders of its template, card errors map to keys, and the configuration builds the
session the UI gets (presets, timeouts, printer)."""

from __future__ import annotations

import string

import pytest

from cardlib import errors
from cardlib.service import IssueNotFinishedError
from kiosk.config import PrinterConfig, SessionConfig
from kiosk.receipts.printer import EscposPrinter, open_printer
from kiosk.session.messages import MESSAGES, for_card_error, say
from kiosk.session.tenant import TenantSession
from kiosk.session.views import MessageView, Screen, Tone, View
from tests.unit.test_session_env import session_env


def test_a_view_carries_the_payload_of_its_screen():
    msg = MessageView(say("card_torn"), call_staff=False)
    assert View(Screen.MESSAGE, msg).payload is msg
    assert View(Screen.ATTRACT).payload is None
    with pytest.raises(TypeError, match="ACCOUNT shows AccountView"):
        View(Screen.ACCOUNT, msg)
    with pytest.raises(TypeError, match="ATTRACT shows nothing"):
        View(Screen.ATTRACT, msg)


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_formats_from_its_own_placeholders(key):
    template, tone = MESSAGES[key]
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    message = say(key, **{name: f"<{name}>" for name in names})
    assert message.template == template and message.tone is tone
    assert "{" not in message.text and set(message.args) == names
    assert message.text and message.text.strip() == message.text


@pytest.mark.parametrize(
    ("error", "key", "tone"),
    [
        (errors.BlankCardError(), "card_not_issued", Tone.WARNING),
        (IssueNotFinishedError(), "card_issue_unfinished", Tone.WARNING),
        (errors.ForeignCardError(), "card_other_site", Tone.WARNING),
        (errors.TamperedError(), "card_tampered", Tone.ERROR),
        (errors.ReplayError(), "card_old_copy", Tone.ERROR),
        (errors.TornWriteError(), "card_torn", Tone.WARNING),
        (errors.CardRemovedError(), "card_moved", Tone.WARNING),
        (errors.UnknownCardTypeError(), "card_unsupported", Tone.WARNING),
        (errors.ReaderError(), "reader_error", Tone.ERROR),
        (errors.CardError(), "card_unreadable", Tone.WARNING),
    ],
)
def test_card_errors_become_sentences_by_code(error, key, tone):
    message = for_card_error(error)
    assert (message.key, message.tone) == (key, tone)


def test_the_configuration_makes_the_session(tmp_path):
    with session_env(tmp_path) as env:
        config = env.kiosk.config
        config.session = SessionConfig(idle_timeout=30.0, card_away_timeout=90.0, presets=(5_00,))
        config.printer = PrinterConfig(kind="file", path=str(tmp_path / "lp0"), width=48)
        session = TenantSession.from_config(env.kiosk, env.reader, monotonic=env.mono)
        assert (session.idle_timeout, session.card_away_timeout) == (30.0, 90.0)
        assert session.presets == (5_00,) and session.receipt_width == 48
        assert isinstance(session.printer, EscposPrinter) and session.printer.width == 48
        session.close()


def test_no_printer_configured_is_none():
    assert open_printer(PrinterConfig()) is None
    network = open_printer(PrinterConfig(kind="network", host="192.0.2.1"))
    assert isinstance(network, EscposPrinter)


def test_tariff_prices_are_written_as_on_the_tariff_sheet():
    import datetime as dt
    from decimal import Decimal

    from kiosk.session.account import tariff_view
    from kiosk.tariffs import Block, FlatRate, ServiceFee, Tariff, TieredRate, Utility

    def tariff(rate, utility=Utility.ELECTRICITY):  # noqa: ANN001, ANN202
        return Tariff("T", 1, "Test", utility, 156, "Asia/Shanghai", rate, (ServiceFee(1_50),))

    now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    flat = tariff_view(tariff(FlatRate(Decimal("52.83"))), now)
    assert (flat.price_text, flat.fee, flat.fee_text) == ("0.5283 CNY/kWh", 1_50, "1.50 CNY")
    assert tariff_view(tariff(FlatRate(Decimal("350")), Utility.WATER), now).price_text == (
        "3.50 CNY/m³"
    )
    tiers = TieredRate((Block(200_000, Decimal("48.83")), Block(None, Decimal("78.83"))))
    assert tariff_view(tariff(tiers), now).price_text == (
        "0.4883 CNY/kWh block 1 (0-200 kWh); 0.7883 CNY/kWh block 2 (over 200 kWh)"
    )
