"""DL/T 645-2007 application layer: reading data by data identifier, and the remote control of the
relay, with the meter's normal and abnormal replies. Builds and parses frames; sends nothing.

Read data (读数据, control code 11H): the request's data field is the 4-byte data identifier DI,
sent DI0 first (DI 02 01 01 00, written DI3 DI2 DI1 DI0, goes out ``00 01 01 02``). The normal
reply (91H) repeats the DI and appends the value; the abnormal reply (D1H) carries one error byte.

Values are BCD, lowest byte first, with a fixed number of decimals (the standard's formats
XXXXXX.XX, XXX.X, XX.XXXX ...); for signed quantities the top bit of the highest byte is the sign
(最高位为符号位). Status words are bit fields, not BCD. Values are kept as integer counts of the
format's last digit (an energy of 000123.45 kWh is 12345, in units of 0.01 kWh), so nothing is
rounded here.

Remote control (远程控制, control code 1CH), plain-text form::

    PA P0 P1 P2   C0 C1 C2 C3   N1   N2   N3..N8
    password      operator      cmd  00   valid until ss mm hh DD MM YY (BCD)

N1 = 1AH trip (拉闸), 1BH close allowed (合闸允许: the tenant closes it at the meter), 1CH close
(直接合闸), 2AH/2BH alarm on/off, 3AH/3BH keep power on/off. The normal reply (9CH) has no data;
the abnormal reply (DCH) one error byte. Meters with a State Grid ESAM want N1..N8 encrypted
(password level 98H): that needs the utility's keys and is not done here.

Sources: DL/T 645-2007 (data identifiers: its appendix A) as quoted by the ``dlt645`` PyPI
package 3.2.0 (``config/variable_types.py``, ``model/types/dlt645_type.py``); the remote-control
frame as documented in LoverITer/energy-management-sys_communication-sub-sys
(``enums/ElectricMeterController.java``); status word 3 bit 4 "relay state (0 on, 1 off)" as
concentrator firmware reads it (继电器状态(0通，1断)).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from meters.dlt645.frame import WILDCARD_ADDRESS, Address, DltError, Frame, Function
from meters.errors import MeterProtocolError

DI_LEN = 4  # 数据标识 DI0..DI3
PASSWORD_LEN = 4  # PA P0 P1 P2
OPERATOR_LEN = 4  # 操作者代码 C0..C3
CONTROL_DATA_LEN = 8  # N1..N8
CONTROL_RESERVED = 0x00  # N2: 保留, 00H
SIGN_BIT = 0x80  # 最高位为符号位: the top bit of the highest byte
BCD_DIGIT_MAX = 9


@dataclass(frozen=True)
class DataItem:
    """A data identifier and the format of its value."""

    di: int  # DI3 DI2 DI1 DI0 as the standard writes it, e.g. 0x02010100
    name: str  # the standard's name, and in English
    length: int  # bytes of the value
    decimals: int  # BCD digits after the point
    unit: str
    signed: bool = False  # top bit of the highest byte is the sign
    binary: bool = False  # a bit field (status word), not BCD

    @property
    def di_bytes(self) -> bytes:
        """The DI as sent: DI0 first."""
        return self.di.to_bytes(DI_LEN, "little")

    @property
    def label(self) -> str:
        return f"DI {format_di(self.di)} ({self.name})"

    @property
    def max_count(self) -> int:
        """The largest value the format holds, in units of its last digit."""
        if self.binary:
            return (1 << (8 * self.length)) - 1
        if self.signed:  # the highest digit shares its byte with the sign bit: 0..7
            return 8 * 10 ** (2 * self.length - 1) - 1
        return 10 ** (2 * self.length) - 1

    def decode(self, raw: bytes) -> int:
        """The value's bytes (lowest first) -> an integer count of the format's last digit."""
        if len(raw) != self.length:
            raise DltError(f"{self.label}: {len(raw)} value bytes, the format has {self.length}")
        if self.binary:
            return int.from_bytes(raw, "little")
        negative = self.signed and bool(raw[-1] & SIGN_BIT)
        if negative:
            raw = raw[:-1] + bytes([raw[-1] & ~SIGN_BIT & 0xFF])
        digits = raw[::-1].hex()
        if not digits.isdigit():
            raise DltError(f"{self.label}: value bytes {raw.hex(' ').upper()} are not BCD digits")
        count = int(digits)
        return -count if negative else count

    def encode(self, count: int) -> bytes:
        """An integer count of the format's last digit -> the value's bytes (the simulator)."""
        if abs(count) > self.max_count or (count < 0 and not self.signed):
            low = -self.max_count if self.signed else 0
            raise DltError(
                f"{self.label}: {count} does not fit the format ({low}..{self.max_count} units of "
                f"10^-{self.decimals} {self.unit})"
            )
        if self.binary:
            return count.to_bytes(self.length, "little")
        raw = bytes.fromhex(f"{abs(count):0{2 * self.length}d}")[::-1]
        if count < 0:
            raw = raw[:-1] + bytes([raw[-1] | SIGN_BIT])
        return raw


def format_di(di: int) -> str:
    """``0x02010100`` -> ``"02 01 01 00"``, the way the standard's tables write a DI."""
    return di.to_bytes(DI_LEN, "big").hex(" ").upper()


# The data identifiers the driver reads (DL/T 645-2007 appendix A).
COMBINED_ACTIVE_ENERGY = DataItem(
    0x00000000, "组合有功总电能, combined active energy, total", 4, 2, "kWh", signed=True
)
FORWARD_ACTIVE_ENERGY = DataItem(
    0x00010000, "正向有功总电能, forward active energy, total", 4, 2, "kWh"
)
PHASE_A_VOLTAGE = DataItem(0x02010100, "A相电压, phase A voltage", 2, 1, "V")
PHASE_A_CURRENT = DataItem(0x02020100, "A相电流, phase A current", 3, 3, "A", signed=True)
ACTIVE_POWER = DataItem(
    0x02030000, "瞬时总有功功率, instantaneous active power, total", 3, 4, "kW", signed=True
)
STATUS_WORD_3 = DataItem(0x04000503, "电表运行状态字3, meter status word 3", 2, 0, "", binary=True)
DATA_ITEMS = {
    item.di: item
    for item in (
        COMBINED_ACTIVE_ENERGY,
        FORWARD_ACTIVE_ENERGY,
        PHASE_A_VOLTAGE,
        PHASE_A_CURRENT,
        ACTIVE_POWER,
        STATUS_WORD_3,
    )
}


class Status3(enum.IntFlag):
    """Bits of meter status word 3 (电表运行状态字3) the driver uses."""

    RELAY_OPEN = 1 << 4  # bit4 继电器状态: 0 on (通), 1 off (断)
    RELAY_COMMAND_OPEN = 1 << 6  # bit6 继电器命令状态: 0 on, 1 off
    PRE_TRIP_ALARM = 1 << 7  # bit7 预跳闸报警状态


class ErrorBit(enum.IntFlag):
    """The error byte (错误信息字 ERR) of an abnormal reply."""

    OTHER = 1 << 0  # 其他错误
    NO_DATA = 1 << 1  # 无请求数据
    UNAUTHORISED = 1 << 2  # 密码错/未授权
    BAUD_UNCHANGEABLE = 1 << 3  # 通信速率不能更改
    TOO_MANY_YEAR_ZONES = 1 << 4  # 年时区数超
    TOO_MANY_DAY_PERIODS = 1 << 5  # 日时段数超
    TOO_MANY_TARIFFS = 1 << 6  # 费率数超


KNOWN_ERROR_BITS = 0x7F  # bit7 of the error byte is reserved (保留)
ERROR_TEXT = {
    ErrorBit.OTHER: "other error (其他错误)",
    ErrorBit.NO_DATA: "no such data (无请求数据)",
    ErrorBit.UNAUTHORISED: "wrong password or not authorised (密码错/未授权)",
    ErrorBit.BAUD_UNCHANGEABLE: "the baud rate cannot be changed (通信速率不能更改)",
    ErrorBit.TOO_MANY_YEAR_ZONES: "too many year time zones (年时区数超)",
    ErrorBit.TOO_MANY_DAY_PERIODS: "too many daily periods (日时段数超)",
    ErrorBit.TOO_MANY_TARIFFS: "too many tariffs (费率数超)",
}


def error_message(error_byte: int) -> str:
    """The error byte in words: ``"no such data (无请求数据)"``; bits may combine."""
    texts = [text for bit, text in ERROR_TEXT.items() if error_byte & bit]
    unknown = error_byte & ~KNOWN_ERROR_BITS & 0xFF
    if unknown:
        texts.append(f"reserved bits {unknown:02X}H")
    return "; ".join(texts) or "no error bit set (00H)"


class DltRefusal(MeterProtocolError):
    """The meter answered with an abnormal reply (异常应答): it understood and said no."""

    code = "dlt645_refused"

    def __init__(self, message: str, *, error_byte: int) -> None:
        super().__init__(message)
        self.error_byte = error_byte
        self.errors = ErrorBit(error_byte & KNOWN_ERROR_BITS)


# -- read data ---------------------------------------------------------------------------------


def read_request(address: Address, item: DataItem) -> Frame:
    return Frame.request(address, Function.READ_DATA, item.di_bytes)


def parse_read_reply(
    reply: Frame, address: Address, item: DataItem, what: str | None = None
) -> int:
    """The value in the meter's reply to ``read_request(address, item)``; ``what`` starts the
    error messages (default: the meter and the DI)."""
    what = what or f"meter {address} {item.label}"
    _check_reply(reply, address, Function.READ_DATA, what)
    if reply.is_abnormal:
        raise _refusal(reply, what)
    if reply.data[:DI_LEN] != item.di_bytes:
        got = int.from_bytes(reply.data[:DI_LEN], "little")
        raise DltError(f"{what}: the reply is for DI {format_di(got)}")
    return item.decode(reply.data[DI_LEN:])


def parse_read_request(request: Frame) -> int:
    """The DI a read request asks for (the simulator)."""
    if len(request.data) != DI_LEN:
        raise DltError(f"a read request carries a {DI_LEN}-byte DI, not {len(request.data)} bytes")
    return int.from_bytes(request.data, "little")


# -- remote control ----------------------------------------------------------------------------


class ControlCommand(enum.IntEnum):
    """N1 of a remote control frame (控制命令类型)."""

    TRIP = 0x1A  # 拉闸 / 跳闸: open the relay, supply cut
    CLOSE_ALLOWED = 0x1B  # 合闸允许: the tenant may close it with the meter's button
    CLOSE = 0x1C  # 直接合闸: close at once
    ALARM = 0x2A  # 报警
    ALARM_OFF = 0x2B  # 报警解除
    KEEP_POWER = 0x3A  # 保电: never trip until released
    KEEP_POWER_OFF = 0x3B  # 保电解除


@dataclass(frozen=True)
class Password:
    """PA P0 P1 P2: a password level (密码权限) and a 6-digit password, from the meter's vendor."""

    level: int = 0x03  # plain-text remote control without an ESAM (不带安全认证密级为03H)
    code: str = "000000"

    def __post_init__(self) -> None:
        if not 0 <= self.level <= 0xFF:
            raise DltError(f"a password level is one byte (00..FF), not {self.level}")
        if len(self.code) != 2 * (PASSWORD_LEN - 1) or not _is_hex(self.code):
            raise DltError(f"a password is 6 hex digits, not {self.code!r}")

    def to_bytes(self) -> bytes:
        """PA, then P0 P1 P2 lowest byte first."""
        return bytes([self.level]) + bytes.fromhex(self.code)[::-1]

    @classmethod
    def from_bytes(cls, raw: bytes) -> Password:
        return cls(raw[0], raw[1:PASSWORD_LEN][::-1].hex().upper())


@dataclass(frozen=True)
class RemoteControl:
    """One remote control command, as a master sends it and a meter reads it."""

    command: ControlCommand
    password: Password
    operator: str  # 操作者代码: 8 hex digits the meter records with the command
    valid_until: dt.datetime  # 命令有效截止时间, in the meter's clock (naive local time)

    def __post_init__(self) -> None:
        if len(self.operator) != 2 * OPERATOR_LEN or not _is_hex(self.operator):
            raise DltError(f"an operator code is 8 hex digits, not {self.operator!r}")
        if not 2000 <= self.valid_until.year <= 2099:
            raise DltError(
                f"a command's end of validity must be in 2000..2099, not {self.valid_until}"
            )


def remote_control_request(address: Address, control: RemoteControl) -> Frame:
    t = control.valid_until
    when = bytes.fromhex(
        f"{t.second:02d}{t.minute:02d}{t.hour:02d}{t.day:02d}{t.month:02d}{t.year % 100:02d}"
    )  # ss mm hh DD MM YY, each byte two BCD digits
    data = (
        control.password.to_bytes()
        + bytes.fromhex(control.operator)[::-1]
        + bytes([control.command, CONTROL_RESERVED])
        + when
    )
    return Frame.request(address, Function.REMOTE_CONTROL, data)


def parse_remote_control_request(request: Frame) -> RemoteControl:
    """What a remote control request asks (the simulator); DltError if it is malformed."""
    want = PASSWORD_LEN + OPERATOR_LEN + CONTROL_DATA_LEN
    if len(request.data) != want:
        raise DltError(f"a remote control carries {want} data bytes, not {len(request.data)}")
    data = request.data
    n = data[PASSWORD_LEN + OPERATOR_LEN :]
    try:
        command = ControlCommand(n[0])
    except ValueError:
        raise DltError(f"unknown remote control command N1 = {n[0]:02X}H") from None
    ss, mm, hh, day, month, yy = (_bcd(b, "validity time") for b in n[2:])
    try:
        valid_until = dt.datetime(2000 + yy, month, day, hh, mm, ss)
    except ValueError as exc:
        raise DltError(f"the command's end of validity is not a date: {exc}") from None
    return RemoteControl(
        command=command,
        password=Password.from_bytes(data[:PASSWORD_LEN]),
        operator=data[PASSWORD_LEN : PASSWORD_LEN + OPERATOR_LEN][::-1].hex().upper(),
        valid_until=valid_until,
    )


def parse_remote_control_reply(
    reply: Frame, address: Address, command: ControlCommand, what: str | None = None
) -> None:
    """Nothing for the normal reply (9CH); DltRefusal for the abnormal one (DCH)."""
    what = what or f"meter {address} remote control {command.name.lower().replace('_', ' ')}"
    _check_reply(reply, address, Function.REMOTE_CONTROL, what)
    if reply.is_abnormal:
        raise _refusal(reply, what)
    if reply.data:
        raise DltError(f"{what}: the normal reply carries {len(reply.data)} data bytes, not 0")


# -- shared --------------------------------------------------------------------------------------


def _check_reply(reply: Frame, address: Address, function: Function, what: str) -> None:
    if not reply.is_reply:
        raise DltError(f"{what}: got a request frame (C = {reply.control:02X}H), not a reply")
    if reply.function != function:
        raise DltError(
            f"{what}: the reply's function is {reply.function:02X}H, the request's {function:02X}H"
        )
    if address.digits != reply.address.digits and address.digits != WILDCARD_ADDRESS:
        raise DltError(f"{what}: the reply comes from meter {reply.address}")


def _refusal(reply: Frame, what: str) -> DltRefusal:
    if len(reply.data) != 1:
        raise DltError(f"{what}: an abnormal reply carries 1 error byte, not {len(reply.data)}")
    error = reply.data[0]
    return DltRefusal(f"{what}: the meter refused: {error_message(error)}", error_byte=error)


def _bcd(byte: int, what: str) -> int:
    high, low = byte >> 4, byte & 0x0F
    if high > BCD_DIGIT_MAX or low > BCD_DIGIT_MAX:
        raise DltError(f"{what}: {byte:02X}H is not two BCD digits")
    return 10 * high + low


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)
