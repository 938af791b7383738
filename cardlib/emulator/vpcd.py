"""Serve one emulated card to a real pcscd through vsmartcard's virtual reader (vpcd).

vpcd is a pcscd reader driver that listens on TCP (port 0x8C7B = 35963 for slot 0). A "card" is
whoever is connected to that port: connecting inserts it, closing the socket removes it. vpcd starts
every exchange; each message is a 2-byte big-endian length and a payload. A 1-byte payload is a
control code (00 power off, 01 power on, 02 reset -- none answered -- and 04 get ATR, answered with
the ATR); anything longer is a C-APDU answered with its R-APDU (research/cards.md §7).

Everything above pcscd (pyscard, :class:`cardlib.reader.pcsc.PcscReader`, the card drivers) then
runs for real against an :class:`~cardlib.emulator.base.EmulatedCard`. When the card raises
:class:`~cardlib.emulator.tear.Torn` the link closes its socket without answering: to pcscd that is
a card pulled out in the middle of a command.

Not for production: vpcd listens on every interface.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time

from cardlib.emulator.base import EmulatedCard
from cardlib.emulator.tear import Torn
from cardlib.errors import ReaderError

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 0x8C7B  # 35963: vpcd slot 0 (/etc/reader.conf.d/vpcd); slot 1 is 35964

_POWER_OFF = 0x00
_POWER_ON = 0x01
_RESET = 0x02
_GET_ATR = 0x04

_SW_EMULATOR_BUG = bytes.fromhex("6F00")  # ISO 7816-4: no precise diagnosis

# Linux only; elsewhere the link still works, just ~40 ms slower per APDU.
_TCP_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


class VpcdLink:
    """One vpcd slot with (at most) one emulated card in it.

    ``insert(card)`` connects to vpcd and serves the card from a daemon thread until ``remove()``,
    the card tears (:class:`Torn`), or pcscd goes away. A link can be used for many insertions.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        connect_timeout: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._card: EmulatedCard | None = None
        #: set while a card is connected to vpcd; cleared when it is removed or torn away
        self._inserted = threading.Event()
        #: APDUs answered since the last insert (for tests and the benchmark)
        self.apdus = 0
        #: True when the last insertion ended because the card tore (Torn), not by remove()
        self.torn = False

    # -- public API ---------------------------------------------------------------------------

    @property
    def card(self) -> EmulatedCard | None:
        """The card currently in the slot, or None."""
        return self._card if self._inserted.is_set() else None

    @property
    def inserted(self) -> bool:
        return self._inserted.is_set()

    def insert(self, card: EmulatedCard) -> None:
        """Put ``card`` into the virtual reader (connect to vpcd); pcscd sees it shortly after.

        A card that was torn away is put back first (:meth:`EmulatedCard.reinsert`). Raises
        :class:`~cardlib.errors.ReaderError` when vpcd does not accept the connection within
        ``connect_timeout`` seconds.
        """
        self.remove()
        if not card.in_field:
            card.reinsert()
        sock = self._connect()
        with self._lock:
            self._sock = sock
            self._card = card
            self.apdus = 0
            self.torn = False
            self._inserted.set()
            self._thread = threading.Thread(
                target=self._serve, args=(sock, card), name=f"vpcd-{self.port}", daemon=True
            )
            self._thread.start()

    def remove(self) -> None:
        """Take the card out (close the socket): pcscd reports it removed. Idempotent."""
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = None
            self._thread = None
        if sock is not None:
            # shutdown wakes the serving thread out of recv(); close alone would not on Linux.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
        if sock is not None:
            sock.close()
        self._inserted.clear()

    def wait_removed(self, timeout: float) -> bool:
        """Block until the card is out of the slot (removed or torn); return whether it is."""
        deadline = time.monotonic() + timeout
        while self._inserted.is_set():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)
        return True

    def close(self) -> None:
        self.remove()

    def __enter__(self) -> VpcdLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the connection -----------------------------------------------------------------------

    def _connect(self) -> socket.socket:
        """Connect to vpcd, retrying while pcscd is still starting (it loads the driver late)."""
        deadline = time.monotonic() + self.connect_timeout
        last: OSError | None = None
        while True:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                sock.connect((self.host, self.port))
            except OSError as error:
                sock.close()
                last = error
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
                continue
            sock.settimeout(None)
            # vpcd writes length and payload as two segments: without NODELAY here and QUICKACK
            # before each recv, Nagle and delayed ACK cost ~40 ms per APDU (research §7).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        raise ReaderError(
            f"Could not connect to the virtual card reader (vpcd) at {self.host}:{self.port}"
            f" within {self.connect_timeout:g} s ({last}): is pcscd running with the"
            " vsmartcard-vpcd driver installed? Run `make setup`, then start pcscd."
        )

    def _serve(self, sock: socket.socket, card: EmulatedCard) -> None:
        torn = False
        try:
            while True:
                payload = _recv_message(sock)
                if payload is None:
                    log.debug("vpcd on port %d closed the connection", self.port)
                    break
                if len(payload) == 1:
                    reply = self._control(card, payload[0])
                else:
                    try:
                        reply = card.process(payload)
                    except Torn:
                        # A card pulled mid-command answers nothing: drop the link at once.
                        log.debug("card torn away during %s", payload.hex())
                        torn = True
                        break
                    except Exception:  # an emulator bug must not hang pcscd waiting for an answer
                        log.exception("emulated card failed on APDU %s", payload.hex())
                        reply = _SW_EMULATOR_BUG
                    self.apdus += 1
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError as error:
            log.debug("vpcd link on port %d ended: %s", self.port, error)
        finally:
            with self._lock:
                if self._sock is sock:  # ended by itself (torn, pcscd gone), not by remove()
                    self._sock = None
                    self._thread = None
                    self.torn = torn
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                    self._inserted.clear()

    @staticmethod
    def _control(card: EmulatedCard, code: int) -> bytes | None:
        if code == _GET_ATR:
            return bytes(card.atr)
        if code == _POWER_OFF:
            card.power_off()
        elif code in (_POWER_ON, _RESET):
            card.power_on()
        else:
            log.warning("unknown vpcd control code %02X ignored", code)
        return None


def _recv_message(sock: socket.socket) -> bytes | None:
    header = _recv_exactly(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _recv_exactly(sock, length)


def _recv_exactly(sock: socket.socket, n: int) -> bytes | None:
    """n bytes from the socket, or None when the peer closed it."""
    buf = bytearray()
    while len(buf) < n:
        if _TCP_QUICKACK is not None:
            # QUICKACK is not sticky: the kernel clears it again, so it is set before every recv.
            sock.setsockopt(socket.IPPROTO_TCP, _TCP_QUICKACK, 1)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)
