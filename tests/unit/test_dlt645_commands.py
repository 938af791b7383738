"""DL/T 645-2007 commands: values by data identifier (BCD, sign bit, status words), the remote
control frame, and the meter's normal and abnormal replies -- plus the driver's exchange over a
scripted transport (an echoing adapter, a damaged reply, silence)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from meters.base import RelayState
from meters.dlt645 import commands
from meters.dlt645.commands import (
    ACTIVE_POWER,
    COMBINED_ACTIVE_ENERGY,
    FORWARD_ACTIVE_ENERGY,
    PHASE_A_VOLTAGE,
    STATUS_WORD_3,
    ControlCommand,
    DltRefusal,
    Password,
    RemoteControl,
)
from meters.dlt645.driver import Dlt645Bus, in_units
from meters.dlt645.frame import Address, DltError, Frame, FrameReader, decode, encode
from meters.dlt645.transport import Transport
from meters.errors import MeterUnreachableError

METER = Address("000000000161")
VALID_UNTIL = dt.datetime(2026, 11, 24, 12, 30, 5)


# -- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "raw", "count"),
    [
        (FORWARD_ACTIVE_ENERGY, "26 00 00 00", 26),  # 000000.26 kWh (the wenku trace)
        (COMBINED_ACTIVE_ENERGY, "45 23 01 00", 12345),  # 000123.45 kWh
        (COMBINED_ACTIVE_ENERGY, "45 23 01 80", -12345),  # sign bit: -123.45 kWh
        (PHASE_A_VOLTAGE, "01 10", 1001),  # 100.1 V (the wenku trace)
        (ACTIVE_POWER, "45 23 01", 12345),  # 01.2345 kW
        (ACTIVE_POWER, "45 23 81", -12345),  # power flowing back
        (STATUS_WORD_3, "10 00", 0x10),  # a bit field, not BCD: relay open
    ],
)
def test_values_are_bcd_lowest_byte_first_with_a_sign_bit(item, raw: str, count: int) -> None:
    assert item.decode(bytes.fromhex(raw)) == count
    assert item.encode(count) == bytes.fromhex(raw)


def test_values_in_project_units_energy_exact_power_rounded() -> None:
    assert in_units(26, FORWARD_ACTIVE_ENERGY, 1000) == 260  # 0.26 kWh = 260 Wh
    assert in_units(1001, PHASE_A_VOLTAGE, 10) == 1001  # 100.1 V = 1001 dV
    assert in_units(12346, ACTIVE_POWER, 1000) == 1235  # 1.2346 kW = 1234.6 W -> 1235 W
    assert in_units(-12346, ACTIVE_POWER, 1000) == -1235


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (
            lambda: PHASE_A_VOLTAGE.decode(bytes.fromhex("0A 10")),
            "DI 02 01 01 00 (A相电压, phase A voltage): value bytes 0A 10 are not BCD digits",
        ),
        (lambda: PHASE_A_VOLTAGE.decode(b"\x01"), "1 value bytes, the format has 2"),
        (lambda: PHASE_A_VOLTAGE.encode(-1), "-1 does not fit the format (0..9999"),
        (lambda: COMBINED_ACTIVE_ENERGY.encode(80_000_000), "does not fit the format"),
        (lambda: Password(code="12345"), "a password is 6 hex digits"),
        (lambda: Password(level=256), "a password level is one byte"),
        (
            lambda: RemoteControl(ControlCommand.TRIP, Password(), "0000", VALID_UNTIL),
            "an operator code is 8 hex digits",
        ),
        (
            lambda: RemoteControl(
                ControlCommand.TRIP, Password(), "00000000", dt.datetime(2100, 1, 1)
            ),
            "must be in 2000..2099",
        ),
    ],
    ids=[
        "not-bcd",
        "short",
        "negative-voltage",
        "energy-too-big",
        "password",
        "level",
        "operator",
        "year",
    ],
)
def test_a_bad_value_says_what_is_wrong(make, needle: str) -> None:
    with pytest.raises(DltError, match=re.escape(needle)):
        make()


# -- read data -----------------------------------------------------------------------------------


def test_a_read_asks_for_the_di_lowest_byte_first() -> None:
    request = commands.read_request(METER, PHASE_A_VOLTAGE)
    assert (request.control, request.data) == (0x11, bytes.fromhex("00 01 01 02"))
    assert commands.parse_read_request(request) == 0x02010100


def test_the_normal_reply_gives_the_value() -> None:
    reply = decode(bytes.fromhex("68 61 01 00 00 00 00 68 91 06 33 34 34 35 34 43 10 16"))
    assert commands.parse_read_reply(reply, METER, PHASE_A_VOLTAGE) == 1001


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (0x01, "other error (其他错误)"),
        (0x02, "no such data (无请求数据)"),
        (0x04, "wrong password or not authorised (密码错/未授权)"),
        (0x06, "no such data (无请求数据); wrong password or not authorised (密码错/未授权)"),
        (0x80, "reserved bits 80H"),
    ],
)
def test_the_abnormal_reply_is_a_refusal_in_words(error: int, text: str) -> None:
    reply = Frame(METER, 0xD1, bytes([error]))
    with pytest.raises(DltRefusal) as err:
        commands.parse_read_reply(reply, METER, PHASE_A_VOLTAGE)
    assert err.value.error_byte == error
    assert err.value.message == (
        f"meter 000000000161 DI 02 01 01 00 (A相电压, phase A voltage): the meter refused: {text}"
    )


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (
            Frame(METER, 0x91, bytes.fromhex("00 00 01 00 26 00 00 00")),
            "reply is for DI 00 01 00 00",
        ),
        (Frame(Address("000000000162"), 0x91, b""), "the reply comes from meter 000000000162"),
        (Frame(METER, 0x11, bytes.fromhex("00 01 01 02")), "got a request frame (C = 11H)"),
        (Frame(METER, 0x9C, b""), "the reply's function is 1CH, the request's 11H"),
        (Frame(METER, 0xD1, b"\x01\x02"), "an abnormal reply carries 1 error byte, not 2"),
    ],
    ids=["other-di", "other-meter", "not-a-reply", "other-function", "long-error"],
)
def test_a_reply_that_does_not_answer_the_read_is_refused(reply: Frame, needle: str) -> None:
    with pytest.raises(DltError, match=re.escape(needle)):
        commands.parse_read_reply(reply, METER, PHASE_A_VOLTAGE)


# -- remote control ------------------------------------------------------------------------------


def test_the_remote_control_frame_layout() -> None:
    order = RemoteControl(ControlCommand.TRIP, Password(0x02, "123456"), "12345678", VALID_UNTIL)
    request = commands.remote_control_request(METER, order)
    assert request.control == 0x1C and len(request.data) == 16
    # PA P0 P1 P2 | C0..C3 | N1 N2 | ss mm hh DD MM YY
    assert request.data == bytes.fromhex("02 56 34 12  78 56 34 12  1A 00  05 30 12 24 11 26")
    assert commands.parse_remote_control_request(decode(encode(request))) == order


def test_the_remote_control_replies() -> None:
    commands.parse_remote_control_reply(Frame(METER, 0x9C), METER, ControlCommand.CLOSE)
    with pytest.raises(DltRefusal, match=re.escape("close: the meter refused: wrong password")):
        commands.parse_remote_control_reply(
            Frame(METER, 0xDC, b"\x04"), METER, ControlCommand.CLOSE
        )
    with pytest.raises(DltError, match="carries 2 data bytes, not 0"):
        commands.parse_remote_control_reply(
            Frame(METER, 0x9C, b"\x00\x00"), METER, ControlCommand.TRIP
        )


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (bytes(15), "a remote control carries 16 data bytes, not 15"),
        (
            bytes(8) + bytes([0x99, 0]) + bytes.fromhex("05 30 12 24 11 26"),
            "unknown remote control command N1 = 99H",
        ),
        (
            bytes(8) + bytes([0x1A, 0]) + bytes.fromhex("05 30 12 24 1A 26"),
            "1AH is not two BCD digits",
        ),
        (bytes(8) + bytes([0x1A, 0]) + bytes.fromhex("05 30 12 31 02 26"), "is not a date"),
    ],
    ids=["short", "unknown-command", "not-bcd", "31-february"],
)
def test_a_malformed_remote_control_is_refused(data: bytes, needle: str) -> None:
    with pytest.raises(DltError, match=re.escape(needle)):
        commands.parse_remote_control_request(Frame(METER, 0x1C, data))


# -- the driver's exchange, over a scripted transport -------------------------------------------


class Scripted(Transport):
    """A transport that answers each write with prepared bytes, in chunks."""

    def __init__(self, answer) -> None:
        self.name = "dlt645+tcp://scripted:1"
        self.answer = answer  # request bytes -> list of chunks
        self.chunks: list[bytes] = []
        self.sent: list[bytes] = []

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def write(self, data: bytes) -> None:
        self.sent.append(data)
        self.chunks = list(self.answer(data))

    def read(self, timeout: float) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""

    def discard_input(self) -> None:
        pass


def _reply_to(request_bytes: bytes, data: bytes, *, damage: bool = False) -> bytes:
    request = FrameReader().feed(request_bytes)
    assert request is not None
    raw = bytearray(encode(Frame(request.address, request.control | 0x80, data)))
    if damage:
        raw[-2] ^= 0xFF
    return bytes(raw)


def test_an_echoed_request_and_wake_up_bytes_before_the_reply_are_skipped() -> None:
    def echo_then_reply(sent: bytes) -> list[bytes]:
        reply = _reply_to(sent, bytes.fromhex("03 05 00 04 10 00"))  # status word 3: relay open
        return [sent[:7], sent[7:], reply[:3], reply[3:]]  # our own bytes back first

    transport = Scripted(echo_then_reply)
    meter = Dlt645Bus(transport, timeout=0.2).meter("161")
    assert meter.read_relay() is RelayState.OPEN
    assert transport.sent[0].startswith(b"\xfe\xfe\xfe\xfe\x68\x61\x01")  # wake-up bytes first


def test_a_damaged_reply_is_reported_as_damaged_not_as_silence() -> None:
    transport = Scripted(
        lambda sent: [_reply_to(sent, bytes.fromhex("03 05 00 04 10 00"), damage=True)]
    )
    with pytest.raises(DltError, match="the reply from meter 000000000161 was damaged: checksum"):
        Dlt645Bus(transport, timeout=0.2).meter("161").read_relay()


def test_silence_is_unreachable_with_a_hint() -> None:
    transport = Scripted(lambda sent: [])
    with pytest.raises(
        MeterUnreachableError, match=r"no answer from meter 000000000161 .*within 0\.2 s"
    ):
        Dlt645Bus(transport, timeout=0.2).meter("161").read_relay()


def test_the_driver_sends_the_configured_password_and_validity() -> None:
    def ack(sent: bytes) -> list[bytes]:
        return (
            [_reply_to(sent, b"")]
            if b"\x68\x1c" in sent
            else [_reply_to(sent, bytes.fromhex("03 05 00 04 10 00"))]
        )

    transport = Scripted(ack)
    bus = Dlt645Bus(
        transport,
        timeout=0.2,
        password=Password(0x04, "654321"),
        operator="0000ABCD",
        validity=dt.timedelta(minutes=2),
        meter_clock=lambda: dt.datetime(2026, 11, 24, 23, 59, 0),
    )
    assert bus.meter("161").set_relay(False) is RelayState.OPEN
    order = commands.parse_remote_control_request(decode(transport.sent[0]))
    assert order == RemoteControl(
        ControlCommand.TRIP, Password(0x04, "654321"), "0000ABCD", dt.datetime(2026, 11, 25, 0, 1)
    )
