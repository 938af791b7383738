"""An NFC Forum Type 2 tag (Ultralight / NTAG) for nfcpy's ``udp`` reader driver.

nfcpy's udp driver (``nfc/clf/udp.py``, device path ``udp:host:port``) is a simulated RF link: each
frame is one datagram ``b"<brty> <hex>"`` (e.g. ``b"106A 26"`` -> ``b"106A 4400"``), without CRC;
``RFOFF`` means the reader switched its field off. nfcpy only emulates Type 3 tags itself, so this
module is the tag side for Type 2: it runs ISO 14443-3 A anti-collision as a 7-byte-UID tag
(ATQA 44 00, cascade level 1 and 2, SAK 00) and hands every frame after selection to a native
``exchange(frame) -> frame`` object (:class:`cardlib.emulator.ultralight.EmulatedUltralight`).

Like a real Type 2 tag, it goes silent and back to IDLE after a NAK, an unknown command or HLTA,
and only a new REQA/WUPA wakes it (nfcpy re-senses after those). Each activation is a power-up for
the card model (its authentication state is lost). :meth:`T2TResponder.remove` takes the tag out of
the field; a card model raising :class:`~cardlib.emulator.tear.Torn` does the same by itself.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import socket
import threading
from binascii import hexlify, unhexlify
from functools import reduce
from typing import Protocol

from cardlib.emulator.tear import Torn

log = logging.getLogger(__name__)

_BRTY = b"106A"
_SENS_RES = bytes.fromhex("4400")  # ATQA 0x0044: double-size UID, bit-frame anticollision
_SAK_CASCADE = bytes.fromhex("04")  # UID not complete
_SAK_T2T = bytes.fromhex("00")  # complete, Type 2 tag (no ISO-DEP)
_CASCADE_TAG = 0x88


class NativeType2(Protocol):
    """What the responder needs from a card model."""

    def exchange(self, frame: bytes) -> bytes: ...


class _State(enum.Enum):
    REMOVED = "removed"  # out of the field: answers nothing
    IDLE = "idle"
    READY1 = "ready1"  # answered REQA; waiting for cascade level 1
    READY2 = "ready2"  # CL1 selected; waiting for cascade level 2
    ACTIVE = "active"  # selected: Type 2 commands go to the card model


def _bcc(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


class T2TResponder:
    """Serves one Type 2 tag on a UDP port of 127.0.0.1 from a daemon thread."""

    def __init__(
        self,
        tag: NativeType2,
        uid: bytes | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """``tag``: the card model; ``uid``: its 7-byte UID (default ``tag.uid``); ``port`` 0
        picks a free port (see :attr:`port` and :attr:`path`)."""
        uid = bytes(uid if uid is not None else getattr(tag, "uid", b""))
        if len(uid) != 7:
            raise ValueError(f"a Type 2 tag needs a 7-byte UID, got {uid.hex() or 'none'}")
        self.tag = tag
        self.uid = uid
        self._cl1 = bytes((_CASCADE_TAG,)) + uid[:3]
        self._cl1 += bytes((_bcc(self._cl1),))
        self._cl2 = uid[3:7] + bytes((_bcc(uid[3:7]),))
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self._lock = threading.Lock()
        self._state = _State.IDLE
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()
        #: Type 2 commands handed to the card model (for tests)
        self.commands = 0
        self._remove_after: int | None = None

    @property
    def path(self) -> str:
        """The nfcpy device path of this tag's reader: ``udp:127.0.0.1:<port>``."""
        return f"udp:{self.host}:{self.port}"

    @property
    def in_field(self) -> bool:
        return self._state is not _State.REMOVED

    def start(self) -> T2TResponder:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._serve, name=f"t2t-udp-{self.port}", daemon=True
            )
            self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        # Wakes the thread out of recvfrom (a datagram to ourselves), then let it finish.
        with contextlib.suppress(OSError):
            self._sock.sendto(b"", (self.host, self.port))
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        self._sock.close()

    def __enter__(self) -> T2TResponder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def remove(self) -> None:
        """Take the tag out of the field: it answers nothing until :meth:`insert`."""
        with self._lock:
            self._state = _State.REMOVED

    def remove_after(self, commands: int) -> None:
        """Take the tag out of the field once ``commands`` more Type 2 commands were answered: the
        next one is never executed, as a card pulled away between two commands."""
        with self._lock:
            self._remove_after = commands

    def insert(self) -> None:
        """Put the tag (back) in the field; a torn card model is re-inserted first."""
        with self._lock:
            if getattr(self.tag, "in_field", True) is False:
                self.tag.reinsert()  # type: ignore[attr-defined]
            self._state = _State.IDLE
            self._remove_after = None

    # -- the RF link ---------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                datagram, addr = self._sock.recvfrom(1024)
            except OSError:
                break
            if self._closed.is_set():
                break
            with self._lock:
                reply = self._handle(datagram)
            if reply is not None:
                try:
                    self._sock.sendto(b"%s %s" % (_BRTY, hexlify(reply)), addr)
                except OSError as error:  # the reader went away; the next frame may come anyway
                    log.debug("t2t responder could not answer %s: %s", addr, error)

    def _handle(self, datagram: bytes) -> bytes | None:
        if datagram.startswith(b"RFOFF"):
            if self._state is not _State.REMOVED:
                self._state = _State.IDLE  # field off: the tag loses power
            return None
        try:
            brty, hexdata = datagram.split()
            frame = unhexlify(hexdata)
        except ValueError:
            return None
        if brty != _BRTY or not frame:
            return None  # other technologies and bit rates: a Type 2 tag does not hear them
        state = self._state
        if state is _State.REMOVED:
            return None
        if frame in (b"\x26", b"\x52"):  # REQA / WUPA (HALT is treated as IDLE: see module doc)
            self._state = _State.READY1
            power_on = getattr(self.tag, "power_on", None)
            if power_on is not None:
                power_on()
            return _SENS_RES
        if state is _State.READY1:
            if frame == b"\x93\x20":
                return self._cl1
            if frame == b"\x93\x70" + self._cl1:
                self._state = _State.READY2
                return _SAK_CASCADE
        elif state is _State.READY2:
            if frame == b"\x95\x20":
                return self._cl2
            if frame == b"\x95\x70" + self._cl2:
                self._state = _State.ACTIVE
                return _SAK_T2T
        elif state is _State.ACTIVE:
            return self._command(frame)
        self._state = _State.IDLE  # anything unexpected: back to IDLE, silently
        return None

    def _command(self, frame: bytes) -> bytes | None:
        if frame == b"\x50\x00":  # HLTA: no answer
            self._state = _State.IDLE
            return None
        if self._remove_after is not None:
            if self._remove_after <= 0:
                self._state = _State.REMOVED
                return None
            self._remove_after -= 1
        self.commands += 1
        try:
            response = bytes(self.tag.exchange(frame))
        except Torn:
            log.debug("tag torn away during %s", frame.hex())
            self._state = _State.REMOVED
            return None
        except Exception as error:  # a command the model rejects: a real tag goes mute
            log.debug("tag model rejected %s: %r", frame.hex(), error)
            self._state = _State.IDLE
            return None
        if not response:
            self._state = _State.IDLE
            return None
        if len(response) == 1 and response[0] != 0x0A:  # NAK: answered, then IDLE
            self._state = _State.IDLE
        return response
