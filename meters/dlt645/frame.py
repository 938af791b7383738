"""The DL/T 645-2007 frame (the standard's 帧格式): the link layer, and nothing above it.

On the wire::

    FE FE FE FE   68  A0 A1 A2 A3 A4 A5  68  C  L  DATA (L bytes)  CS  16
    wake-up       start  address (BCD,   start ctrl len  each byte    sum  end
    (0-4, optional)      low byte first)                 +33H

- the address is the meter's 12-digit number from its nameplate, two BCD digits a byte, *lowest
  byte first* (meter 000012345678 is sent ``78 56 34 12 00 00``);
- every DATA byte is sent plus 33H (modulo 256), and the receiver subtracts it again
  (the standard's 加33H / 减33H);
- CS is the sum, modulo 256, of every byte from the first 68H to the last DATA byte;
- the FE bytes wake a meter's receiver up; they are not part of the frame or its checksum, and
  a meter may or may not send them before its reply.

Checked against DL/T 645-2007 as quoted in public implementations (the ``dlt645`` PyPI package
3.2.0, ``protocol/protocol.py``) and worked examples (see tests/unit/test_dlt645_frame.py).

:func:`encode` and :func:`decode` work on whole frames; :class:`FrameReader` finds frames in a
byte stream (a serial line, a TCP socket). Whatever does not decode is a :class:`DltError` that
says what is wrong with which byte.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from meters.errors import MeterProtocolError

PREAMBLE_BYTE = 0xFE  # 前导字节: wakes the receiver up, sent before a frame
PREAMBLE_LEN = 4  # how many a master sends (the standard: up to 4)
FRAME_START = 0x68  # 帧起始符, twice: before and after the address
FRAME_END = 0x16  # 结束符
DATA_OFFSET = 0x33  # 数据域加33H: every data byte is sent +33H
ADDRESS_LEN = 6  # 地址域 A0..A5, 12 BCD digits
ADDRESS_DIGITS = 2 * ADDRESS_LEN
MAX_DATA_LEN = 200  # 数据域长度 L: at most 200 bytes (读数据时 L≤200)
#: 68 A0..A5 68 C L: the bytes before the data field; the frame is this + L + CS + 16
HEADER_LEN = 10
MIN_FRAME_LEN = HEADER_LEN + 2
BROADCAST_ADDRESS = "999999999999"  # 广播地址: broadcast time set and freeze; nobody answers
WILDCARD_ADDRESS = "AAAAAAAAAAAA"  # AAH in every byte: "whoever is on the line" (读通信地址)

# The control code C (控制码): D7 direction, D6 abnormal reply, D5 more frames, D4..D0 function.
CONTROL_REPLY = 0x80  # D7 传送方向: 0 from the master, 1 a reply from the meter
CONTROL_ABNORMAL = 0x40  # D6 从站应答标志: 1 the meter refuses (异常应答), DATA is the error byte
CONTROL_MORE = 0x20  # D5 后续帧标志: more frames follow (long data, not used here)
FUNCTION_MASK = 0x1F  # D4..D0 功能码


class DltError(MeterProtocolError):
    """A DL/T 645 frame that does not decode, or a reply that does not answer the request."""

    code = "dlt645_frame"


class Function(enum.IntEnum):
    """The function code (D4..D0 of the control code) of DL/T 645-2007."""

    BROADCAST_TIME = 0x08  # 广播校时
    READ_DATA = 0x11  # 读数据
    READ_FOLLOWING = 0x12  # 读后续数据
    READ_ADDRESS = 0x13  # 读通信地址
    WRITE_DATA = 0x14  # 写数据
    WRITE_ADDRESS = 0x15  # 写通信地址
    FREEZE = 0x16  # 冻结命令
    CHANGE_BAUD = 0x17  # 更改通信速率
    CHANGE_PASSWORD = 0x18  # 修改密码
    CLEAR_DEMAND = 0x19  # 最大需量清零
    CLEAR_METER = 0x1A  # 电表清零
    CLEAR_EVENTS = 0x1B  # 事件清零
    REMOTE_CONTROL = 0x1C  # 跳合闸、报警、保电 (relay trip/close, alarm, keep power)


@dataclass(frozen=True)
class Address:
    """A meter's communication address (通信地址): 12 digits, as on its nameplate."""

    digits: str

    def __post_init__(self) -> None:
        d = self.digits
        if d.upper() == WILDCARD_ADDRESS:
            object.__setattr__(self, "digits", WILDCARD_ADDRESS)
            return
        if not (d.isascii() and d.isdigit()) or len(d) != ADDRESS_DIGITS:
            raise DltError(
                f"a DL/T 645 meter address is {ADDRESS_DIGITS} digits (the number on the meter's "
                f"nameplate), not {d!r}"
            )

    @classmethod
    def parse(cls, text: str) -> Address:
        """``"12345678"`` -> ``000012345678``: a shorter number is padded with zeros in front, as
        the standard pads the high bytes (高位用0补足)."""
        text = text.strip()
        if text.isascii() and text.isdigit() and len(text) < ADDRESS_DIGITS:
            text = text.zfill(ADDRESS_DIGITS)
        return cls(text)

    def to_bytes(self) -> bytes:
        """The six address bytes as sent: BCD, lowest byte first."""
        return bytes.fromhex(self.digits)[::-1]

    @classmethod
    def from_bytes(cls, raw: bytes) -> Address:
        if len(raw) != ADDRESS_LEN:
            raise DltError(f"an address is {ADDRESS_LEN} bytes, got {len(raw)}")
        text = raw[::-1].hex().upper()
        if text != WILDCARD_ADDRESS and not text.isdigit():
            raise DltError(f"address bytes {raw.hex(' ').upper()} are not BCD digits")
        return cls(text)

    def __str__(self) -> str:
        return self.digits


@dataclass(frozen=True)
class Frame:
    """One frame, its data field as meant (the +33H already taken off)."""

    address: Address
    control: int
    data: bytes = b""

    def __post_init__(self) -> None:
        if not 0 <= self.control <= 0xFF:
            raise DltError(f"a control code is one byte, not {self.control}")
        if len(self.data) > MAX_DATA_LEN:
            raise DltError(
                f"a data field of {len(self.data)} bytes; DL/T 645-2007 allows at most "
                f"{MAX_DATA_LEN}"
            )

    @classmethod
    def request(cls, address: Address, function: Function, data: bytes = b"") -> Frame:
        """A frame from the master (D7 = 0)."""
        return cls(address, int(function), data)

    @property
    def function(self) -> int:
        return self.control & FUNCTION_MASK

    @property
    def is_reply(self) -> bool:
        return bool(self.control & CONTROL_REPLY)

    @property
    def is_abnormal(self) -> bool:
        return bool(self.control & CONTROL_ABNORMAL)

    @property
    def has_more(self) -> bool:
        return bool(self.control & CONTROL_MORE)


def checksum(body: bytes) -> int:
    """CS: the sum modulo 256 of the bytes from the first 68H to the end of the data field."""
    return sum(body) & 0xFF


def scramble(data: bytes) -> bytes:
    """The data field as sent: every byte +33H."""
    return bytes((b + DATA_OFFSET) & 0xFF for b in data)


def unscramble(data: bytes) -> bytes:
    """The data field as meant: every byte -33H."""
    return bytes((b - DATA_OFFSET) & 0xFF for b in data)


def encode(frame: Frame, *, preamble: int = PREAMBLE_LEN) -> bytes:
    """The bytes on the wire, ``preamble`` FE bytes first (0-4)."""
    if not 0 <= preamble <= PREAMBLE_LEN:
        raise DltError(f"a frame is preceded by 0 to {PREAMBLE_LEN} FE bytes, not {preamble}")
    body = (
        bytes([FRAME_START])
        + frame.address.to_bytes()
        + bytes([FRAME_START, frame.control, len(frame.data)])
        + scramble(frame.data)
    )
    return bytes([PREAMBLE_BYTE]) * preamble + body + bytes([checksum(body), FRAME_END])


def decode(raw: bytes) -> Frame:
    """Exactly one frame (FE bytes in front allowed, nothing after it); DltError otherwise."""
    start = 0
    while start < len(raw) and raw[start] == PREAMBLE_BYTE:
        start += 1
    frame, used = _decode_at(raw, start)
    if frame is None:
        raise DltError(
            f"a frame of {len(raw) - start} bytes is too short: it needs at least "
            f"{MIN_FRAME_LEN} (68 A0..A5 68 C L CS 16) plus its L data bytes"
        )
    if used != len(raw):
        raise DltError(f"{len(raw) - used} bytes after the end of the frame (16H)")
    return frame


def _decode_at(raw: bytes, start: int) -> tuple[Frame | None, int]:
    """The frame beginning at ``raw[start]`` and the offset just after it; (None, 0) while it is
    incomplete. Anything wrong with a complete frame is a DltError naming the field."""
    if len(raw) - start < HEADER_LEN:
        if start < len(raw) and raw[start] != FRAME_START:
            raise DltError(f"a frame starts with 68H, not {raw[start]:02X}H")
        return None, 0
    if raw[start] != FRAME_START:
        raise DltError(f"a frame starts with 68H, not {raw[start]:02X}H")
    if raw[start + 7] != FRAME_START:
        raise DltError(
            f"the second start byte (after the address) is {raw[start + 7]:02X}H, not 68H"
        )
    length = raw[start + HEADER_LEN - 1]
    if length > MAX_DATA_LEN:
        raise DltError(f"L says {length} data bytes; DL/T 645-2007 allows at most {MAX_DATA_LEN}")
    end = start + HEADER_LEN + length + 2
    if len(raw) < end:
        return None, 0
    body = raw[start : end - 2]
    cs, last = raw[end - 2], raw[end - 1]
    if last != FRAME_END:
        raise DltError(
            f"the frame does not end with 16H where L = {length} says it does (got {last:02X}H): "
            "L and the data do not agree"
        )
    if cs != checksum(body):
        raise DltError(
            f"checksum {cs:02X}H, but the bytes add up to {checksum(body):02X}H: the frame was "
            "damaged on the line (noise, wiring, or the wrong baud rate or parity)"
        )
    address = Address.from_bytes(raw[start + 1 : start + 7])
    return Frame(address, raw[start + 8], unscramble(body[HEADER_LEN:])), end


class FrameReader:
    """Frames out of a byte stream fed in pieces (as a serial line or a socket delivers them).

    A frame is recognised by its two 68H seven bytes apart. Bytes before it -- FE wake-up bytes,
    line noise, a 68H that is not followed by another seven bytes on -- are skipped. A candidate
    that is complete but wrong (checksum, end byte, length) is skipped too, and kept as
    :attr:`last_error`: a caller that gets no good frame can say its reply was damaged instead of
    "no answer".
    """

    def __init__(self) -> None:
        self._buffer = b""
        self.last_error: DltError | None = None

    def feed(self, data: bytes) -> Frame | None:
        """Add ``data``; return the first complete frame (keeping what follows it), or None."""
        buf = self._buffer + data
        while True:
            start = buf.find(bytes([FRAME_START]))
            if start < 0:
                self._buffer = b""
                return None
            buf = buf[start:]
            if len(buf) >= HEADER_LEN and buf[7] != FRAME_START:
                buf = buf[1:]  # a 68H inside noise: look further on
                continue
            try:
                frame, used = _decode_at(buf, 0)
            except DltError as exc:
                self.last_error = exc
                buf = buf[1:]  # resynchronise after the damaged frame
                continue
            if frame is None:
                self._buffer = buf
                return None
            self._buffer = buf[used:]
            return frame

    @property
    def pending(self) -> bytes:
        """Bytes received but not yet part of a frame."""
        return self._buffer
