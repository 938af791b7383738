"""EMVCo QR framing: TLV data objects, the CRC-16 that closes a payload, and amounts written in
a currency's minor-unit exponent. The typed payload on top of it is :mod:`kiosk.payments.emvco`.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable, Mapping

from kiosk.money import AmountError, exponent
from kiosk.payments.provider import PaymentError


class EmvcoError(PaymentError):
    """A payload (or the fields to build one) breaks the EMVCo rules; ``tag`` names the object."""

    code = "emvco_invalid"

    def __init__(self, message: str, *, tag: str | None = None) -> None:
        super().__init__(message)
        self.tag = tag


class EmvcoCrcError(EmvcoError):
    """The checksum does not match: the code was damaged or mistyped."""

    code = "emvco_bad_crc"


# --- TLV framing ------
ID_CHARS = 2
LENGTH_CHARS = 2
MAX_VALUE_CHARS = 99  # the length field has two digits

TAG_TRANSACTION_AMOUNT = "54"  # Transaction Amount, ans <= 13, C
TAG_CRC = "63"  # CRC, ans 4, M, last
CRC_CHARS = 4
CRC_HEADER = TAG_CRC + f"{CRC_CHARS:02d}"  # "6304": part of the data the CRC covers
CRC_INITIAL = 0xFFFF  # CRC-16/CCITT-FALSE preset; binascii.crc_hqx uses poly 0x1021
MAX_AMOUNT = 13
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]+))?")


# --- CRC and TLV ------
def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE of ``data`` (UTF-8) as 4 upper-case hex digits."""
    return f"{binascii.crc_hqx(data.encode('utf-8'), CRC_INITIAL):04X}"


def encode_tlv(tag: str, value: str) -> str:
    """One data object. Raises :class:`EmvcoError` for a bad id or a value of 0 or > 99 chars."""
    if len(tag) != ID_CHARS or not tag.isdigit():
        raise EmvcoError(f"Data object id '{tag}' is not two digits.", tag=tag)
    if not 1 <= len(value) <= MAX_VALUE_CHARS:
        raise EmvcoError(
            f"Data object {tag} is {len(value)} characters long; EMVCo allows 1 to "
            f"{MAX_VALUE_CHARS}.",
            tag=tag,
        )
    return f"{tag}{len(value):0{LENGTH_CHARS}d}{value}"


def decode_tlv(text: str, *, where: str = "payload") -> list[tuple[str, str]]:
    """Split ``text`` into (id, value) pairs, in order. Raises :class:`EmvcoError` on a truncated
    object, a non-numeric id or length, an empty value or an id that appears twice."""
    objects: list[tuple[str, str]] = []
    seen: set[str] = set()
    pos = 0
    header = ID_CHARS + LENGTH_CHARS
    while pos < len(text):
        tag = text[pos : pos + ID_CHARS]
        length_text = text[pos + ID_CHARS : pos + header]
        if len(tag) < ID_CHARS or len(length_text) < LENGTH_CHARS:
            raise EmvcoError(f"The {where} ends in the middle of a data object at {pos}.")
        if not (tag.isdigit() and tag.isascii()):
            raise EmvcoError(f"The {where} has a non-numeric id '{tag}' at {pos}.")
        if not (length_text.isdigit() and length_text.isascii()):
            raise EmvcoError(
                f"Data object {tag} in the {where} has a non-numeric length '{length_text}'.",
                tag=tag,
            )
        length = int(length_text)
        if length == 0:
            raise EmvcoError(f"Data object {tag} in the {where} is empty.", tag=tag)
        value = text[pos + header : pos + header + length]
        if len(value) < length:
            raise EmvcoError(
                f"Data object {tag} in the {where} says {length} characters but only "
                f"{len(value)} are left.",
                tag=tag,
            )
        if tag in seen:
            raise EmvcoError(f"Data object {tag} appears twice in the {where}.", tag=tag)
        seen.add(tag)
        objects.append((tag, value))
        pos += header + length
    return objects


def _ordered(objects: Mapping[str, str], order: Iterable[str]) -> str:
    """Serialise ``objects`` in ``order`` first (the order a parsed payload had), then by id."""
    rank = {tag: i for i, tag in enumerate(order)}
    tags = sorted(objects, key=lambda t: (rank.get(t, len(rank)), t))
    return "".join(encode_tlv(tag, objects[tag]) for tag in tags)


# --- Amounts ------
def format_amount(minor: int, currency: int, *, tag: str = TAG_TRANSACTION_AMOUNT) -> str:
    """Minor units -> "123.45" with the currency's number of decimals (exact, integer maths)."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise EmvcoError(f"Amount {minor!r} is not an integer number of minor units.", tag=tag)
    if minor <= 0:
        raise EmvcoError("An amount in a QR code must be more than zero.", tag=tag)
    digits = _exponent(currency, tag)
    whole, frac = divmod(minor, 10**digits)
    text = f"{whole}.{frac:0{digits}d}" if digits else str(whole)
    if len(text) > MAX_AMOUNT:
        raise EmvcoError(f"Amount {text} is longer than {MAX_AMOUNT} characters.", tag=tag)
    return text


def parse_amount(text: str, currency: int, *, tag: str = TAG_TRANSACTION_AMOUNT) -> int:
    """ "123.45" -> minor units. Fewer decimals than the currency has are accepted ("10" is 10.00);
    more are an error, never a rounding."""
    match = _AMOUNT.fullmatch(text)
    if len(text) > MAX_AMOUNT or not match:
        raise EmvcoError(f"Amount '{text}' is not digits with an optional '.'.", tag=tag)
    digits = _exponent(currency, tag)
    whole, frac = match.group(1), match.group(2) or ""
    if len(frac) > digits:
        raise EmvcoError(
            f"Amount '{text}' has more than {digits} decimals for currency {currency}.", tag=tag
        )
    minor = int(whole) * 10**digits + int(frac.ljust(digits, "0") or "0")
    if minor <= 0:
        raise EmvcoError("An amount in a QR code must be more than zero.", tag=tag)
    return minor


def _exponent(currency: int, tag: str) -> int:
    try:
        return exponent(currency)
    except AmountError as exc:
        raise EmvcoError(str(exc), tag=tag) from None
