"""The DL/T 645-2007 frame codec against worked frames published by others, and every way a frame
can be wrong.

Published frames used here (each checked by hand: checksum = sum of 68H..data modulo 256):

- "DLT645-2007 规约 常见报文解析" (2012, by "legend"; reposted at
  https://hwhale.com/article/138066 from wenku.baidu.com/view/cc10838283d049649b66580d): meter
  000000000161, read forward active energy (DI 00 01 00 00) -> 000000.26 kWh, reverse active
  energy (00 02 00 00) -> 1.26 kWh, phase A voltage (02 01 01 00) -> 100.1 V.
- https://luatdoc.papapoi.com/572: meter 12345678, read forward active energy, with the four FE
  wake-up bytes a master sends.
- https://www.myaiappgames.com/archives/1280: the same read to the wildcard address AAAAAAAAAAAA.
"""

from __future__ import annotations

import re

import pytest

from meters.dlt645.frame import (
    CONTROL_REPLY,
    Address,
    DltError,
    Frame,
    FrameReader,
    Function,
    decode,
    encode,
    scramble,
    unscramble,
)

WENKU = Address("000000000161")


def _hex(text: str) -> bytes:
    return bytes.fromhex(text)


# (source, address, control, data as meant, bytes on the wire)
PUBLISHED = [
    (
        "wenku: read forward active energy",
        WENKU,
        0x11,
        _hex("00 00 01 00"),
        _hex("68 61 01 00 00 00 00 68 11 04 33 33 34 33 14 16"),
    ),
    (
        "wenku: reply 000000.26 kWh",
        WENKU,
        0x91,
        _hex("00 00 01 00 26 00 00 00"),
        _hex("68 61 01 00 00 00 00 68 91 08 33 33 34 33 59 33 33 33 8A 16"),
    ),
    (
        "wenku: reply reverse energy 1.26 kWh",
        WENKU,
        0x91,
        _hex("00 00 02 00 26 01 00 00"),
        _hex("68 61 01 00 00 00 00 68 91 08 33 33 35 33 59 34 33 33 8C 16"),
    ),
    (
        "wenku: read phase A voltage",
        WENKU,
        0x11,
        _hex("00 01 01 02"),
        _hex("68 61 01 00 00 00 00 68 11 04 33 34 34 35 17 16"),
    ),
    (
        "wenku: reply 100.1 V",
        WENKU,
        0x91,
        _hex("00 01 01 02 01 10"),
        _hex("68 61 01 00 00 00 00 68 91 06 33 34 34 35 34 43 10 16"),
    ),
    (
        "myaiappgames: read to the wildcard address",
        Address("AAAAAAAAAAAA"),
        0x11,
        _hex("00 00 01 00"),
        _hex("68 AA AA AA AA AA AA 68 11 04 33 33 34 33 AE 16"),
    ),
]


@pytest.mark.parametrize(
    ("address", "control", "data", "wire"),
    [p[1:] for p in PUBLISHED],
    ids=[p[0] for p in PUBLISHED],
)
def test_published_frames_encode_and_decode_byte_for_byte(
    address: Address, control: int, data: bytes, wire: bytes
) -> None:
    frame = Frame(address, control, data)
    assert encode(frame, preamble=0) == wire
    assert decode(wire) == frame
    assert decode(b"\xfe\xfe\xfe\xfe" + wire) == frame  # the wake-up bytes are not the frame


def test_a_masters_request_with_its_wake_up_bytes_as_published() -> None:
    # luatdoc: "读当前正向有功总电量(假设表号为12345678) FEFEFEFE6878563412000068110433333433C616"
    frame = Frame.request(Address.parse("12345678"), Function.READ_DATA, _hex("00 00 01 00"))
    assert encode(frame) == _hex("FEFEFEFE6878563412000068110433333433C616")


def test_the_address_is_bcd_lowest_byte_first() -> None:
    a = Address.parse("12345678")
    assert a.digits == "000012345678"
    assert a.to_bytes() == _hex("78 56 34 12 00 00")
    assert Address.from_bytes(_hex("78 56 34 12 00 00")) == a
    assert Address.parse("aaaaaaaaaaaa").digits == "AAAAAAAAAAAA"


def test_data_bytes_are_sent_plus_33h_modulo_256() -> None:
    assert scramble(bytes([0x00, 0x01, 0xCC, 0xCD, 0xFF])) == bytes([0x33, 0x34, 0xFF, 0x00, 0x32])
    assert unscramble(scramble(bytes(range(256)))) == bytes(range(256))


def test_the_control_code_says_direction_refusal_and_function() -> None:
    reply = decode(PUBLISHED[1][4])
    assert reply.is_reply and not reply.is_abnormal and not reply.has_more
    assert reply.function == Function.READ_DATA
    refused = Frame(WENKU, 0xD1, b"\x02")  # D7 reply, D6 abnormal, function 11H
    assert refused.is_reply and refused.is_abnormal and refused.function == Function.READ_DATA
    assert Frame.request(WENKU, Function.REMOTE_CONTROL).control == 0x1C
    assert not (Frame.request(WENKU, Function.REMOTE_CONTROL).control & CONTROL_REPLY)


# -- what is wrong with a frame, said ---------------------------------------------------------

GOOD = PUBLISHED[1][4]  # the 0.26 kWh reply: 20 bytes, L = 8


def _with(raw: bytes, index: int, value: int, *, fix_checksum: bool = False) -> bytes:
    out = bytearray(raw)
    out[index] = value
    if fix_checksum:
        out[-2] = sum(out[:-2]) & 0xFF
    return bytes(out)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (_with(GOOD, -2, 0x8B), "checksum 8BH, but the bytes add up to 8AH"),
        (_with(GOOD, 14, 0x5A), "checksum 8AH, but the bytes add up to 8BH"),  # a data bit flipped
        (_with(GOOD, -1, 0x17), "does not end with 16H"),
        (_with(GOOD, 9, 0x07), "does not end with 16H"),  # L one short of the data
        (_with(GOOD, 9, 0xC9), "L says 201 data bytes; DL/T 645-2007 allows at most 200"),
        (_with(GOOD, 7, 0x69), "the second start byte (after the address) is 69H, not 68H"),
        (_with(GOOD, 0, 0x69), "a frame starts with 68H, not 69H"),
        (GOOD[:15], "a frame of 15 bytes is too short"),
        (GOOD + b"\x00", "1 bytes after the end of the frame"),
        (
            _with(GOOD, 1, 0x6A, fix_checksum=True),
            "address bytes 6A 01 00 00 00 00 are not BCD digits",
        ),
        (b"", "a frame of 0 bytes is too short"),
    ],
    ids=[
        "checksum",
        "data-bit",
        "end-byte",
        "length-short",
        "length-too-long",
        "second-68",
        "first-68",
        "truncated",
        "trailing",
        "address-not-bcd",
        "empty",
    ],
)
def test_a_bad_frame_is_refused_with_what_is_wrong(raw: bytes, needle: str) -> None:
    with pytest.raises(DltError, match=re.escape(needle)):
        decode(raw)


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: Address("1234567890123"), "12 digits (the number on the meter's nameplate)"),
        (lambda: Address.parse("12-34"), "not '12-34'"),
        (lambda: Address.from_bytes(b"\x01\x02"), "an address is 6 bytes, got 2"),
        (lambda: Frame(WENKU, 0x11, bytes(201)), "at most 200"),
        (lambda: Frame(WENKU, 0x111), "one byte"),
        (lambda: encode(Frame(WENKU, 0x11), preamble=5), "0 to 4 FE bytes"),
    ],
    ids=["13-digits", "not-digits", "address-bytes", "data-too-long", "control", "preamble"],
)
def test_a_frame_that_cannot_be_built_says_why(make, needle: str) -> None:
    with pytest.raises(DltError, match=re.escape(needle)):
        make()


# -- frames out of a byte stream ---------------------------------------------------------------


def test_the_reader_finds_a_frame_fed_byte_by_byte_after_noise_and_wake_up_bytes() -> None:
    reader = FrameReader()
    stream = b"\x00\x68\x12\x16" + b"\xfe" * 4 + GOOD  # noise with a stray 68H, then the frame
    frames = [f for f in (reader.feed(bytes([b])) for b in stream) if f is not None]
    assert frames == [decode(GOOD)]
    assert reader.pending == b""


def test_the_reader_returns_back_to_back_frames_one_at_a_time() -> None:
    reader = FrameReader()
    first, second = PUBLISHED[0][4], PUBLISHED[4][4]
    assert reader.feed(first + second) == decode(first)
    assert reader.feed(b"") == decode(second)
    assert reader.feed(b"") is None


def test_the_reader_skips_a_damaged_frame_and_keeps_what_was_wrong() -> None:
    reader = FrameReader()
    assert reader.feed(_with(GOOD, -2, 0x00)) is None
    assert reader.last_error is not None and "checksum 00H" in reader.last_error.message
    assert reader.feed(PUBLISHED[4][4]) == decode(PUBLISHED[4][4])  # the next one is read


def test_the_reader_waits_for_the_rest_of_a_frame() -> None:
    reader = FrameReader()
    assert reader.feed(GOOD[:12]) is None
    assert reader.feed(GOOD[12:]) == decode(GOOD)
