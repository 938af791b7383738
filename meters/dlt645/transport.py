"""Byte transports for DL/T 645: a serial port (RS-485 adapter) or a TCP socket (an RS-485 to
Ethernet converter in transparent mode, or the simulator). They move bytes and know nothing of
frames; trouble opening or using them is a MeterUnreachableError naming the port."""

from __future__ import annotations

import abc
import socket
import time

import serial

from meters.errors import MeterUnreachableError
from meters.serialline import SerialLine

READ_CHUNK = 256
#: a serial read waits this long per try; set once at open, because re-setting a port's timeout
#: re-applies all its termios settings, which a pty at even parity refuses (EINVAL)
SERIAL_POLL_S = 0.02
#: the standard's byte format: 1 start bit, 8 data bits, even parity, 1 stop bit (11 bits a byte);
#: 2400 bps is the usual RS-485 default. The port here is a placeholder: addresses name their own.
DEFAULT_LINE = SerialLine("/dev/ttyUSB0", 2400, "E", 1)


class Transport(abc.ABC):
    """One open byte stream to a line of meters."""

    name: str  # "dlt645:///dev/ttyUSB0" or "dlt645+tcp://10.0.0.7:8899"
    line: SerialLine | None = None  # the serial settings, when the transport is a serial port

    @abc.abstractmethod
    def open(self) -> None:
        """Open if not open yet (every call may be the first after a failure)."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def write(self, data: bytes) -> None: ...

    @abc.abstractmethod
    def read(self, timeout: float) -> bytes:
        """What arrives within ``timeout`` seconds (at least one byte), or b"" if nothing does."""

    @abc.abstractmethod
    def discard_input(self) -> None:
        """Drop bytes already received: a late reply to an earlier request must not answer the
        next one."""


class SerialTransport(Transport):
    """A serial port through pyserial, framed as ``line`` says (DL/T 645 meters: 2400 8E1)."""

    def __init__(self, line: SerialLine) -> None:
        self.line = self.serial_line = line
        self.name = f"dlt645://{line.port}"
        self._port: serial.Serial | None = None

    def open(self) -> None:
        if self._port is not None:
            return
        try:
            self._port = serial.serial_for_url(
                self.serial_line.port,
                baudrate=self.serial_line.baudrate,
                bytesize=self.serial_line.bytesize,
                parity=self.serial_line.parity,
                stopbits=self.serial_line.stopbits,
                timeout=SERIAL_POLL_S,
                exclusive=True,  # two programs on one RS-485 line garble each other's frames
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise MeterUnreachableError(
                f"cannot open {self.serial_line.port} at {self.serial_line.settings}: {exc}"
            ) from exc

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None

    def _io(self) -> serial.Serial:
        if self._port is None:
            self.open()
        assert self._port is not None
        return self._port

    def write(self, data: bytes) -> None:
        try:
            self._io().write(data)
            self._io().flush()
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise MeterUnreachableError(f"{self.name}: write failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        port = self._io()
        deadline = time.monotonic() + timeout
        try:
            while True:
                data = port.read(max(port.in_waiting, 1))  # waits up to SERIAL_POLL_S
                if data or time.monotonic() >= deadline:
                    return data
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise MeterUnreachableError(f"{self.name}: read failed: {exc}") from exc

    def discard_input(self) -> None:
        try:
            self._io().reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise MeterUnreachableError(f"{self.name}: {exc}") from exc


class TcpTransport(Transport):
    """A TCP connection carrying the serial bytes unchanged (a transparent converter)."""

    def __init__(self, host: str, port: int, *, connect_timeout: float = 2.0) -> None:
        self.host = host
        self.port = port
        self.name = f"dlt645+tcp://{host}:{port}"
        self._connect_timeout = connect_timeout
        self._sock: socket.socket | None = None

    def open(self) -> None:
        if self._sock is not None:
            return
        try:
            self._sock = socket.create_connection(
                (self.host, self.port), timeout=self._connect_timeout
            )
        except OSError as exc:
            raise MeterUnreachableError(
                f"cannot connect to {self.host}:{self.port}: {exc}"
            ) from exc

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _io(self) -> socket.socket:
        if self._sock is None:
            self.open()
        assert self._sock is not None
        return self._sock

    def write(self, data: bytes) -> None:
        try:
            self._io().sendall(data)
        except OSError as exc:
            self.close()
            raise MeterUnreachableError(f"{self.name}: connection lost: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        sock = self._io()
        try:
            sock.settimeout(max(timeout, 0.001))
            data = sock.recv(READ_CHUNK)
        except TimeoutError:
            return b""
        except OSError as exc:
            self.close()
            raise MeterUnreachableError(f"{self.name}: connection lost: {exc}") from exc
        if not data:
            self.close()
            raise MeterUnreachableError(f"{self.name}: the other end closed the connection")
        return data

    def discard_input(self) -> None:
        sock = self._io()
        sock.setblocking(False)
        try:
            while sock.recv(READ_CHUNK):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:
            self.close()
            raise MeterUnreachableError(f"{self.name}: connection lost: {exc}") from exc
        finally:
            if self._sock is not None:
                sock.setblocking(True)
