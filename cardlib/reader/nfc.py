"""nfcpy readers (PN53x boards, SCL3711, Sony RC-S380, and nfcpy's simulated ``udp`` link) for
NFC Forum Type 2 tags: MIFARE Ultralight, Ultralight EV1, NTAG21x.

The card drivers above speak PC/SC part 3 pseudo-APDUs, as to an ACS reader. :class:`NfcConnection`
translates them into native Type 2 frames sent with ``ContactlessFrontend.exchange``:

=================================  ========================================================
pseudo-APDU                        Type 2 tag
=================================  ========================================================
GET UID      FF CA 00 00 00        the tag's 7-byte identifier (from anti-collision)
READ BINARY  FF B0 00 pp Le        READ 30 pp -> 16 bytes; the first Le (1..16) returned
UPDATE BIN.  FF D6 00 pp 04 dddd   WRITE A2 pp dddd -> ACK 0A = 90 00, NAK = 63 00
direct       FF 00 00 00 Lc D4 42  InCommunicateThru, as on an ACR122U: the frame goes to
             <frame>               the tag, ``D5 43 00 <response> 90 00`` comes back
                                   (``D5 43 01 90 00`` for a NAK or no answer)
anything else                      6A 81 (function not supported)
=================================  ========================================================

nfcpy's own ``Type2Tag.read``/``transceive`` are not used for the traffic: ``read`` allows the tag
5 ms, ``transceive`` retries (a late answer would then be taken for the next command's) and turns
a dropped link into RuntimeError. Like nfcpy, a NAK or a silent tag is followed by selecting the
same UID again (a Type 2 tag goes mute after either); when it is not found the card is gone and
:class:`~cardlib.errors.CardRemovedError` is raised.

nfcpy opens USB readers through libusb: a reader claimed by pcscd cannot be used here at once.
"""

from __future__ import annotations

import errno
import logging
import threading

import nfc
import nfc.clf
import nfc.tag
import nfc.tag.tt2

from cardlib.apdu import Trace
from cardlib.cardtype import CARD_NAME_ULTRALIGHT, storage_card_atr
from cardlib.errors import (
    CardRemovedError,
    NoCardError,
    ReaderError,
    UnknownCardTypeError,
)
from cardlib.reader.base import CardConnection, Reader

__all__ = ["NfcConnection", "NfcReader"]

log = logging.getLogger(__name__)

ULTRALIGHT_ATR = storage_card_atr(CARD_NAME_ULTRALIGHT)

_OK = bytes.fromhex("9000")
_FAILED = bytes.fromhex("6300")  # ACS: the operation failed
_WRONG_LENGTH = bytes.fromhex("6700")
_WRONG_P1P2 = bytes.fromhex("6B00")
_NOT_SUPPORTED = bytes.fromhex("6A81")
_DIRECT_OK = bytes.fromhex("D54300")
_DIRECT_TIMEOUT = bytes.fromhex("D54301")  # PN53x status 01: the target did not answer

_T2T_READ = 0x30
_T2T_WRITE = 0xA2
_T2T_ACK = 0x0A


class NfcConnection(CardConnection):
    """A Type 2 tag activated by nfcpy, addressed with PC/SC part 3 pseudo-APDUs."""

    def __init__(self, reader: NfcReader, tag: nfc.tag.Tag, trace: Trace | None) -> None:
        super().__init__(ULTRALIGHT_ATR, trace)
        self.reader = reader
        self.tag = tag
        self.uid = bytes(tag.identifier)
        self._open = True
        #: False once the tag was found gone
        self.alive = True

    def disconnect(self) -> None:
        self._open = False
        if self.reader._connection is self:
            self.reader._connection = None

    def _transmit(self, apdu: bytes) -> bytes:
        with self.reader._lock:
            if not self._open:
                raise NoCardError("The connection to the card was already closed.")
            if not self.alive:
                raise CardRemovedError()
            return self._translate(apdu)

    # -- pseudo-APDU -> Type 2 -----------------------------------------------------------------

    def _translate(self, apdu: bytes) -> bytes:
        if len(apdu) < 4 or apdu[0] != 0xFF:
            return _NOT_SUPPORTED
        ins, p1, p2 = apdu[1], apdu[2], apdu[3]
        body = apdu[4:]
        if ins == 0xCA and p1 == 0x00 and p2 == 0x00:  # GET UID
            le = body[0] if body else 0
            if le not in (0, len(self.uid)):
                return bytes((0x6C, len(self.uid)))
            return self.uid + _OK
        if ins == 0xB0:  # READ BINARY
            if len(body) != 1:
                return _WRONG_LENGTH
            le = body[0] or 16
            if p1 != 0x00:
                return _WRONG_P1P2
            if le > 16:
                return _WRONG_LENGTH
            data = self._command(bytes((_T2T_READ, p2)))
            if data is None or len(data) != 16:
                return _FAILED
            return data[:le] + _OK
        if ins == 0xD6:  # UPDATE BINARY
            if len(body) != 5 or body[0] != 4:
                return _WRONG_LENGTH
            if p1 != 0x00:
                return _WRONG_P1P2
            ack = self._command(bytes((_T2T_WRITE, p2)) + body[1:5])
            if ack is None or len(ack) != 1 or ack[0] != _T2T_ACK:
                return _FAILED
            return _OK
        if ins == 0x00 and p1 == 0x00 and p2 == 0x00:  # direct transmit
            if len(body) < 3 or body[0] != len(body) - 1 or body[1:3] != b"\xd4\x42":
                return _NOT_SUPPORTED
            answer = self._command(bytes(body[3:]))
            if answer is None:
                return _DIRECT_TIMEOUT + _OK
            return _DIRECT_OK + answer + _OK
        return _NOT_SUPPORTED

    def _command(self, frame: bytes) -> bytes | None:
        """Send one Type 2 frame; the tag's answer, or None when it NAKed or did not answer (as a
        PN532 reports both: status 01). Raises CardRemovedError when the tag has left the field."""
        clf = self.reader._clf
        try:
            answer = clf.exchange(bytearray(frame), self.reader.timeout)
        except nfc.clf.TimeoutError:
            answer = None
        except nfc.clf.BrokenLinkError as error:
            log.debug("link broken during %s: %s", frame.hex(), error)
            answer = None
        except nfc.clf.CommunicationError as error:
            log.debug("transmission error during %s: %r", frame.hex(), error)
            answer = None
        except OSError as error:
            raise self.reader._os_error(error) from error
        if answer is not None:
            answer = bytes(answer)
            if not (len(answer) == 1 and answer[0] != _T2T_ACK):
                return answer
        # Silent or NAK: the tag went mute (ISO 14443-3 IDLE). Select it again, or it is gone.
        if not self._reselect():
            self.alive = False
            raise CardRemovedError()
        return None

    def _reselect(self) -> bool:
        return self.reader._sense(self.uid) is not None

    def still_there(self) -> bool:
        """Whether the tag still answers, without losing its state (a READ of page 0)."""
        if not self.alive:
            return False
        try:
            self._command(bytes((_T2T_READ, 0)))  # a NAK or silence is followed by a re-select
        except CardRemovedError:
            return False
        return True


class NfcReader(Reader):
    """An nfcpy contactless frontend, for Type 2 tags."""

    def __init__(self, path: str = "usb", *, timeout: float = 0.1) -> None:
        """``path``: an nfcpy device path ("usb", "usb:054c:06c3", "tty:USB0:pn532",
        "udp:127.0.0.1:54321"). ``timeout``: seconds the tag gets to answer one command (real
        tags answer in a few ms; the udp link runs the tag in Python)."""
        self.path = path
        self.timeout = timeout
        self.name = f"nfcpy {path}"
        try:
            self._clf = nfc.ContactlessFrontend(path)
        except OSError as error:
            raise ReaderError(
                f"No nfcpy reader found at {path!r} ({error.strerror or error}): is it plugged in,"
                " and not claimed by pcscd or another program? (nfcpy uses libusb directly.)"
            ) from error
        self.name = f"nfcpy {path} ({self._clf.device})"
        # Sequences of exchanges (a command, a re-select) must not interleave between threads.
        self._lock = threading.RLock()
        self._connection: NfcConnection | None = None

    def close(self) -> None:
        with self._lock:
            self._connection = None
            self._clf.close()

    def _os_error(self, error: OSError) -> Exception:
        if error.errno == errno.ECONNREFUSED:
            # udp link: nobody listens on the port, i.e. no tag anywhere near the "field"
            return CardRemovedError()
        return ReaderError(
            f"The nfcpy reader {self.path!r} failed: {error}. Is it still plugged in?"
        )

    def _sense(self, uid: bytes | None = None) -> nfc.clf.RemoteTarget | None:
        """Look for a Type A target (with this UID when given); None when there is none."""
        target = nfc.clf.RemoteTarget("106A")
        if uid is not None:
            target.sel_req = bytearray(uid)
        try:
            return self._clf.sense(target, iterations=1)
        except nfc.clf.CommunicationError as error:
            log.debug("sense failed: %r", error)
            return None
        except OSError as error:
            if error.errno == errno.ECONNREFUSED:
                return None
            raise self._os_error(error) from error

    def card_present(self) -> bool:
        with self._lock:
            connection = self._connection
            if connection is not None:
                # A fresh anti-collision would drop the tag's authentication: ask it instead.
                return connection.still_there()
            return self._sense() is not None

    def present_atr(self) -> bytes | None:
        """The ATR a PC/SC reader would report for the tag in the field, or None."""
        return ULTRALIGHT_ATR if self.card_present() else None

    def connect(self, trace: Trace | None = None) -> NfcConnection:
        with self._lock:
            target = self._sense()
            if target is None:
                raise NoCardError()
            if target.sel_res[0] & 0x60 != 0:
                raise UnknownCardTypeError(
                    f"This card (SAK {target.sel_res[0]:02X}) is not a Type 2 tag; this reader"
                    " only takes MIFARE Ultralight / NTAG cards."
                )
            try:
                tag = nfc.tag.activate(self._clf, target)
            except OSError as error:
                raise self._os_error(error) from error
            if tag is None:
                raise NoCardError("The card left the reader while it was being read.")
            if not isinstance(tag, nfc.tag.tt2.Type2Tag):
                raise UnknownCardTypeError(
                    f"This card ({tag}) is not a Type 2 tag; this reader only takes MIFARE"
                    " Ultralight / NTAG cards."
                )
            log.debug("connected to %s", tag)
            self._connection = NfcConnection(self, tag, trace)
            return self._connection
