"""A receipt as plain text for a receipt printer's width: 32 columns on 58 mm paper, 48 on 80 mm.

Widths are counted in printer columns, not characters: a Chinese, Japanese or Korean character
(East Asian width W or F) takes two columns on a receipt printer as on a terminal, and a combining
mark none. Every line this module makes fits its width, so a long Chinese site name wraps instead
of being cut mid-character by the printer. Ambiguous-width characters count as one column; we keep
them off receipts (water is printed as "m3", not "m³") because printers disagree about them.
"""

from __future__ import annotations

import unicodedata

from kiosk.money import format_amount
from kiosk.receipts.model import Receipt, ReceiptItem
from kiosk.tariffs.model import Utility
from kiosk.tariffs.rounding import format_units

WIDTH_58MM = 32  # font A, 12-dot characters on a 384-dot line
WIDTH_80MM = 48  # font A on a 576-dot line
MIN_WIDTH = 24
RULE = "-"
INDENT = "  "
#: units as printed: ASCII only, because a line with CJK text goes to the printer in GB18030,
#: where "³" is a four-byte sequence few printer fonts have
PRINTED_UNITS = {Utility.ELECTRICITY: "kWh", Utility.WATER: "m3"}


def char_width(ch: str) -> int:
    """Printer columns one character takes: 2 for wide CJK, 0 for combining and control, else 1."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cc", "Cf", "Mn", "Me"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """Break ``text`` into lines of at most ``width`` columns: at the last space when there is
    one, after a wide character (CJK has no spaces and may break between any two), or anywhere
    in a word longer than the line (a URL)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for ch in paragraph:
            if display_width(line) + char_width(ch) <= width:
                line += ch
                continue
            if ch == " ":
                lines.append(line.rstrip())
                line = ""
                continue
            cut = _break_point(line)
            head, tail = (line, "") if cut is None else (line[:cut], line[cut:])
            lines.append(head.rstrip())
            line = tail.lstrip() + ch
            while display_width(line) > width:  # a tail that cannot fit: split it hard
                head, line = _split_at_width(line, width)
                lines.append(head)
        lines.append(line.rstrip())
    return lines


def _break_point(line: str) -> int | None:
    """Index after the last place a line may break, or None (then break where it is full)."""
    for i in range(len(line), 0, -1):
        if line[i - 1] == " " or char_width(line[i - 1]) == 2:
            return i
    return None


def _split_at_width(text: str, width: int) -> tuple[str, str]:
    used = 0
    for i, ch in enumerate(text):
        used += char_width(ch)
        if used > width:
            return text[:i], text[i:]
    return text, ""


def center(text: str, width: int) -> list[str]:
    return [" " * ((width - display_width(line)) // 2) + line for line in wrap(text, width)]


def columns(left: str, right: str, width: int) -> list[str]:
    """``left`` flush left and ``right`` flush right on one line when both fit; otherwise the
    left side wraps and the right goes flush right on the last line, or below it."""
    gap = width - display_width(left) - display_width(right)
    if gap >= 1:
        return [left + " " * gap + right]
    lines = wrap(left, width)
    last_gap = width - display_width(lines[-1]) - display_width(right)
    if last_gap >= 1:
        lines[-1] += " " * last_gap + right
        return lines
    for part in wrap(right, width):
        lines.append(" " * (width - display_width(part)) + part)
    return lines


def render_lines(receipt: Receipt, width: int = WIDTH_58MM) -> list[str]:
    """The receipt as printer lines, none wider than ``width`` columns."""
    if width < MIN_WIDTH:
        raise ValueError(f"a receipt needs at least {MIN_WIDTH} columns, got {width}")

    def money(minor: int) -> str:
        return format_amount(minor, receipt.currency)

    local = receipt.local_time
    offset = local.strftime("%z")
    lines = center(receipt.site_name, width)
    lines += columns("Receipt", receipt.receipt_no, width)
    lines += columns("Kiosk", receipt.kiosk_id, width)
    lines += columns("Time", f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}", width)
    if receipt.tenant:
        lines += columns("Tenant", receipt.tenant, width)
    lines += columns("Card", f"{receipt.card_serial} {receipt.card_uid_masked}".strip(), width)
    lines.append(RULE * width)
    for item in receipt.items:
        lines += _item_lines(item, money(item.amount), width)
    lines.append(RULE * width)
    lines += columns("TOTAL", money(receipt.total), width)
    lines += columns("Paid by", receipt.payment_method, width)
    if receipt.provider_ref:
        lines += columns("Payment ref", receipt.provider_ref, width)
    if receipt.tariff_ref:
        lines += columns("Tariff", receipt.tariff_ref, width)
    if receipt.balance_after is not None:
        lines += columns("Balance after", money(receipt.balance_after), width)
    if receipt.pending_after:
        lines += columns("Pending", money(receipt.pending_after), width)
        lines += wrap("Tap your card at any kiosk to load the pending credit.", width)
    if receipt.verify_url:
        lines.append("Verify this receipt:")
        lines += wrap(receipt.verify_url, width)
    return lines


def render_text(receipt: Receipt, width: int = WIDTH_58MM) -> str:
    """The receipt as one string, lines joined by newlines, ending with one."""
    return "\n".join(render_lines(receipt, width)) + "\n"


def _item_lines(item: ReceiptItem, amount: str, width: int) -> list[str]:
    lines = columns(item.description, amount, width)
    if item.units is not None and item.utility in PRINTED_UNITS:
        lines += wrap(f"{INDENT}{format_units(item.units)} {PRINTED_UNITS[item.utility]}", width)
    return lines
