"""Receipts: the record, its text at printer widths (with Chinese), the signed QR link, and ESC/POS
output through python-escpos's File and Dummy printers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from escpos.printer import Dummy, File, Network

from kiosk.receipts import Receipt, ReceiptError, ReceiptItem, items_from_quote, mask_uid
from kiosk.receipts.escpos import ReceiptPrinterError, print_receipt
from kiosk.receipts.qr import ReceiptLinkError, attach_link, link_for, verify_link
from kiosk.receipts.text import (
    WIDTH_58MM,
    WIDTH_80MM,
    display_width,
    render_lines,
    render_text,
    wrap,
)
from kiosk.tariffs import FlatRate, ServiceFee, Tariff, Utility, quote

KEY = bytes(range(32))
BASE = "https://manage.example.org/receipts/verify"
ISSUED = dt.datetime(2025, 3, 5, 6, 7, 8, tzinfo=dt.UTC)
GS = b"\x1d"


def make_receipt(**changes: object) -> Receipt:
    t = Tariff(
        "ELEC-STD",
        3,
        "标准电价",
        Utility.ELECTRICITY,
        156,
        "Asia/Shanghai",
        FlatRate(Decimal("86")),
        (ServiceFee(200),),
    )
    q = quote(t, 10_000, at=ISSUED)
    fields: dict[str, object] = dict(
        receipt_no="R-000123",
        kiosk_id="K-LOBBY-01",
        site_name="阳光大厦 Sunrise Tower 一号楼大堂自助缴费",
        issued_at=ISSUED,
        display_tz="Asia/Shanghai",
        tenant="张三 1203室 Zhang San Trading Co.",
        card_serial="00012345",
        card_uid_masked=mask_uid(bytes.fromhex("04A1B2C3D4E5F6")),
        items=items_from_quote(q, "电费充值 Electricity credit"),
        total=q.amount_paid,
        currency=156,
        payment_method="simulator",
        provider_ref="SIM-20250305-000123-ABCDEFGHIJKL",
        tariff_code=t.code,
        tariff_version=t.version,
        balance_after=25_000,
        pending_after=0,
    )
    fields.update(changes)
    return Receipt(**fields)  # type: ignore[arg-type]


def test_cjk_characters_count_two_columns() -> None:
    assert display_width("电费") == 4
    assert display_width("abc") == 3
    assert display_width("e\u0301") == 1  # e + combining acute accent
    lines = wrap("阳光大厦一号楼大堂自助缴费机", 10)
    assert lines == ["阳光大厦一", "号楼大堂自", "助缴费机"]
    assert wrap("Sunrise Tower lobby", 10) == ["Sunrise", "Tower", "lobby"]  # at spaces
    assert wrap("Tower 阳光大厦", 9) == ["Tower 阳", "光大厦"]  # a CJK char never split in half
    assert wrap("https://x.example/abcdef", 10) == ["https://x.", "example/ab", "cdef"]


@pytest.mark.parametrize("width", [WIDTH_58MM, WIDTH_80MM])
def test_every_line_fits_the_paper_with_chinese_text(width: int) -> None:
    receipt = attach_link(make_receipt(), BASE, KEY)
    lines = render_lines(receipt, width)
    assert all(display_width(line) <= width for line in lines), [
        (display_width(line), line) for line in lines if display_width(line) > width
    ]
    text = render_text(receipt, width)
    # nothing was lost by wrapping: the Chinese words, the amounts, the link (rejoined)
    assert "阳光大厦" in text and "张三" in text and "电费充值" in text
    assert "100.00 CNY" in text and "98.00 CNY" in text and "2.00 CNY" in text
    assert "113.9 kWh" in text  # 98.00 CNY at 0.86 CNY/kWh = 113.95…, floored
    assert "2025-03-05 14:07 +08:00" in text  # shown in the kiosk's zone
    assert "ELEC-STD v3" in text and "**********E5F6" in text
    start = lines.index("Verify this receipt:") + 1
    assert "".join(lines[start:]) == receipt.verify_url


def test_narrow_paper_puts_amounts_flush_right() -> None:
    lines = render_lines(make_receipt(), WIDTH_58MM)
    total = next(line for line in lines if line.startswith("TOTAL"))
    assert total.endswith("100.00 CNY") and display_width(total) == WIDTH_58MM
    # a description too long for one line wraps; its amount stays flush right after it
    item = lines.index("电费充值 Electricity credit")  # 27 columns: no room for the amount
    assert lines[item + 1] == " " * 23 + "98.00 CNY"
    assert lines[item + 2] == "  113.9 kWh"


def test_items_must_add_up_to_the_total() -> None:
    with pytest.raises(ReceiptError, match="items add up to 10000, not the total 9999"):
        make_receipt(total=9_999)
    with pytest.raises(ReceiptError, match="aware"):
        make_receipt(issued_at=dt.datetime(2025, 3, 5))
    with pytest.raises(ReceiptError, match="units"):
        ReceiptItem("credit", 100, units=1_000)


def test_pending_credit_is_printed_with_what_to_do() -> None:
    text = render_text(make_receipt(pending_after=9_800, balance_after=15_200))
    assert "Pending" in text and "98.00 CNY" in text
    assert "Tap your card at any kiosk" in text


def test_mask_uid_keeps_only_the_last_digits() -> None:
    assert mask_uid(bytes.fromhex("04A1B2C3")) == "****B2C3"
    assert mask_uid("04:a1:b2:c3:d4:e5:f6") == "**********E5F6"


# --- QR link --------------------------------------------------------------------------------


def _tamper(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_link_verifies_and_says_what_the_receipt_says() -> None:
    receipt = make_receipt()
    url = link_for(receipt, BASE, KEY)
    assert url.startswith(BASE + "?") and "r=R-000123" in url
    link = verify_link(url, KEY)
    assert (link.receipt_no, link.kiosk_id, link.total, link.currency) == (
        "R-000123",
        "K-LOBBY-01",
        10_000,
        156,
    )
    assert link.issued_at == ISSUED
    head, signature = url.split("&s=")
    assert verify_link(f"{head}&s={signature.lower()}", KEY) == link  # base32 read in any case


@pytest.mark.parametrize(
    ("name", "value"),
    [("t", "1000000"), ("r", "R-000124"), ("k", "K-OTHER"), ("at", "1"), ("s", "AAAAAAAAAAAAAAAA")],
)
def test_a_tampered_link_does_not_verify(name: str, value: str) -> None:
    url = link_for(make_receipt(), BASE, KEY)
    with pytest.raises(ReceiptLinkError, match="not issued by us, or it has been altered"):
        verify_link(_tamper(url, name, value), KEY)


def test_links_need_the_right_key_and_all_their_fields() -> None:
    url = link_for(make_receipt(), BASE, KEY)
    with pytest.raises(ReceiptLinkError, match="altered"):
        verify_link(url, bytes(32))
    with pytest.raises(ReceiptLinkError, match="'s' is missing"):
        verify_link(url.split("&s=")[0], KEY)
    with pytest.raises(ReceiptLinkError, match="repeated"):
        verify_link(url + "&t=1", KEY)
    with pytest.raises(ReceiptError, match="at least 16 bytes"):
        link_for(make_receipt(), BASE, b"short")
    with pytest.raises(ReceiptError, match="http"):
        link_for(make_receipt(), "javascript:alert(1)", KEY)


# --- ESC/POS --------------------------------------------------------------------------------


def _qr_payload(data: bytes) -> bytes:
    """The content of the GS ( k 'store data' command (cn=49 '1', fn=80 'P', m=48 '0')."""
    start = data.index(GS + b"(k", data.index(b"1P0") - 7)
    length = data[start + 3] + 256 * data[start + 4]
    return data[start + 5 + 3 : start + 5 + length]


def test_file_printer_gets_text_a_native_qr_and_a_cut(tmp_path: Path) -> None:
    receipt = attach_link(make_receipt(), BASE, KEY)
    out = tmp_path / "lp0"
    printer = File(str(out))
    print_receipt(printer, receipt)
    printer.close()
    data = out.read_bytes()
    assert b"TOTAL" in data and b"100.00 CNY" in data and b"R-000123" in data
    assert "阳光大厦".encode("gb18030") in data  # Chinese lines go to the printer in GB18030
    assert GS + b"(k" in data  # native QR
    assert _qr_payload(data) == receipt.verify_url.encode()  # type: ignore[union-attr]
    assert GS + b"V" in data and data.rindex(GS + b"V") > data.rindex(GS + b"(k")  # cut last


def test_dummy_printer_and_no_qr_without_a_link() -> None:
    printer = Dummy()
    print_receipt(printer, make_receipt(), width=WIDTH_80MM)
    data = printer.output
    assert b"Paid by" in data and b"simulator" in data
    assert GS + b"(k" not in data
    assert data.endswith(GS + b"V\x00")


def test_a_printer_that_cannot_be_opened_is_a_printer_error(tmp_path: Path) -> None:
    printer = File(str(tmp_path / "no-such-dir" / "lp0"))
    with pytest.raises(ReceiptPrinterError, match="not connected or not switched on") as caught:
        print_receipt(printer, make_receipt())
    assert caught.value.code == "printer_error"


def test_a_network_printer_that_refuses_is_a_printer_error() -> None:
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    printer = Network("127.0.0.1", port=port, timeout=2)
    with pytest.raises(ReceiptPrinterError, match="Check its cable and power"):
        print_receipt(printer, make_receipt())


def test_a_printer_failing_mid_receipt_names_the_receipt() -> None:
    class Broken(Dummy):
        def _raw(self, msg: bytes) -> None:
            if b"TOTAL" in msg:
                raise BrokenPipeError("connection reset by peer")
            super()._raw(msg)

    with pytest.raises(ReceiptPrinterError, match="while printing receipt R-000123.*reprint"):
        print_receipt(Broken(), make_receipt())


def test_receipt_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_receipt().total = 1  # type: ignore[misc]
