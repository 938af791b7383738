"""PC/SC readers through pyscard: ACS contactless (ACR122U, ACR1252U) and contact (ACR38, ACR39)
readers, and vsmartcard's "Virtual PCD" in tests.

Uses pyscard's low-level ``smartcard.scard`` API, so every PC/SC return code is seen and turned into
a :mod:`cardlib.errors` exception with a sentence a technician can act on. Presence checks and waits
use ``SCardGetStatusChange``: no connection to the card, so a presence check never disturbs a card
another thread is talking to, and waits block in pcscd instead of polling.

PC/SC contexts are kept one per thread (pcsc-lite serialises calls on one context, so a monitor
thread blocked in a wait would otherwise stall the worker's transmit).
"""

from __future__ import annotations

import threading
import time

from smartcard import scard

from cardlib.apdu import Trace
from cardlib.errors import CardError, CardRemovedError, NoCardError, ReaderError
from cardlib.reader.base import CardConnection, Reader

__all__ = ["PcscConnection", "PcscReader", "pcsc_readers"]

_PROTOCOLS = {
    "T0|T1": scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
    "T0": scard.SCARD_PROTOCOL_T0,
    "T1": scard.SCARD_PROTOCOL_T1,
    "raw": scard.SCARD_PROTOCOL_RAW,
}

_NO_SERVICE_CODES = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED}
_STALE_CONTEXT_CODES = _NO_SERVICE_CODES | {scard.SCARD_E_INVALID_HANDLE}
_READER_GONE_CODES = {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE}
_CARD_GONE_CODES = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD}
_LINK_FAILED_CODES = {scard.SCARD_E_NOT_TRANSACTED, scard.SCARD_F_COMM_ERROR}

_NO_SERVICE_MESSAGE = (
    "The PC/SC service is not running: start pcscd (systemctl start pcscd; on a development"
    " machine run `make setup` first)."
)


def _code(hresult: int) -> int:
    # pyscard hands some codes back as signed 32-bit values, the constants are unsigned.
    return hresult & 0xFFFFFFFF


def _describe(hresult: int) -> str:
    return f"{scard.SCardGetErrorMessage(hresult).rstrip('. ')} (0x{_code(hresult):08X})"


def _establish() -> int:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if _code(hresult) in _NO_SERVICE_CODES:
        raise ReaderError(_NO_SERVICE_MESSAGE)
    if hresult != scard.SCARD_S_SUCCESS:
        raise ReaderError(f"Could not open the PC/SC service: {_describe(hresult)}.")
    return int(context)


def pcsc_readers() -> list[str]:
    """Names of the PC/SC readers pcscd knows now (empty when none is plugged in)."""
    context = _establish()
    try:
        hresult, names = scard.SCardListReaders(context, [])
        if _code(hresult) == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if _code(hresult) in _NO_SERVICE_CODES:
            raise ReaderError(_NO_SERVICE_MESSAGE)
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderError(f"Could not list the PC/SC readers: {_describe(hresult)}.")
        return list(names)
    finally:
        scard.SCardReleaseContext(context)


class PcscConnection(CardConnection):
    """A card connected through PC/SC (``SCARD_SHARE_SHARED``)."""

    def __init__(
        self, reader: PcscReader, hcard: int, protocol: int, atr: bytes, trace: Trace | None
    ) -> None:
        super().__init__(atr, trace)
        self.reader = reader
        self._hcard: int | None = hcard
        self._protocol = protocol

    def _transmit(self, apdu: bytes) -> bytes:
        if self._hcard is None:
            raise NoCardError("The connection to the card was already closed.")
        hresult, response = scard.SCardTransmit(self._hcard, self._protocol, list(apdu))
        if hresult == scard.SCARD_S_SUCCESS and len(response) >= 2:
            return bytes(response)
        # A card leaving mid-command shows up as "not transacted" or, from some drivers (vpcd
        # when the peer hangs up), as success with no status word. pcscd notices the removal
        # only at its next presence poll (~0.4 s), so give it that long before blaming the reader.
        if hresult == scard.SCARD_S_SUCCESS or _code(hresult) in _LINK_FAILED_CODES:
            if self.reader._wait(False, self.reader.removal_grace, 0):
                raise CardRemovedError()
            if hresult == scard.SCARD_S_SUCCESS:
                raise ReaderError(
                    f"The reader returned an incomplete answer ({bytes(response).hex() or 'empty'})"
                    " from the card: put the card on again; if it keeps happening, replug the"
                    " reader or restart pcscd."
                )
        raise self.reader._error(hresult, during="a command")

    def disconnect(self) -> None:
        if self._hcard is not None:
            hcard, self._hcard = self._hcard, None
            scard.SCardDisconnect(hcard, scard.SCARD_LEAVE_CARD)  # errors: the card is gone anyway


class PcscReader(Reader):
    """One PC/SC reader, chosen by (part of) its name or by its index in :func:`pcsc_readers`."""

    def __init__(
        self,
        reader: str | int = 0,
        *,
        protocol: str = "T0|T1",
        removal_grace: float = 1.0,
    ) -> None:
        """``reader``: an exact name, a case-insensitive substring ("ACR122", "Virtual PCD") or an
        index. ``protocol``: "T0|T1" (default; right for ACS readers, whose storage-card
        pseudo-APDUs go through SCardTransmit), "T0", "T1" or "raw". ``removal_grace``: how long
        a failed command waits for pcscd to report the card removed before calling it a reader
        fault."""
        if protocol not in _PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(_PROTOCOLS)}")
        self.protocol = protocol
        self.removal_grace = removal_grace
        self.name = self._choose(reader)
        self._local = threading.local()
        self._contexts: list[int] = []
        self._contexts_lock = threading.Lock()

    @staticmethod
    def _choose(reader: str | int) -> str:
        names = pcsc_readers()
        if not names:
            raise ReaderError("No PC/SC reader found: is pcscd running and the reader plugged in?")
        if isinstance(reader, int):
            if not 0 <= reader < len(names):
                raise ReaderError(
                    f"There is no PC/SC reader number {reader}; the readers are: "
                    + "; ".join(names)
                )
            return names[reader]
        if reader in names:
            return reader
        matches = [n for n in names if reader.lower() in n.lower()]
        if not matches:
            raise ReaderError(
                f"No PC/SC reader matching {reader!r}: is it plugged in? The readers are: "
                + "; ".join(names)
            )
        return matches[0]

    # -- contexts ------------------------------------------------------------------------------

    def _context(self) -> int:
        context: int | None = getattr(self._local, "context", None)
        if context is None:
            context = _establish()
            self._local.context = context
            with self._contexts_lock:
                self._contexts.append(context)
        return context

    def _forget_context(self) -> None:
        """Drop this thread's context (pcscd restarted): the next call makes a new one."""
        context = getattr(self._local, "context", None)
        if context is not None:
            self._local.context = None
            with self._contexts_lock:
                if context in self._contexts:
                    self._contexts.remove(context)
            scard.SCardReleaseContext(context)

    def close(self) -> None:
        with self._contexts_lock:
            contexts, self._contexts = self._contexts, []
        for context in contexts:
            scard.SCardReleaseContext(context)
        self._local = threading.local()

    # -- errors --------------------------------------------------------------------------------

    def _error(self, hresult: int, during: str) -> CardError:
        code = _code(hresult)
        if code in _STALE_CONTEXT_CODES:
            self._forget_context()
        if code in _NO_SERVICE_CODES:
            return ReaderError(_NO_SERVICE_MESSAGE)
        if code in _READER_GONE_CODES:
            return ReaderError(
                f"The card reader {self.name!r} is gone: is it plugged in? ({_describe(hresult)})"
            )
        if code in _CARD_GONE_CODES:
            return CardRemovedError()
        if code == scard.SCARD_W_RESET_CARD:
            return CardRemovedError(
                "The card was reset by another program using the reader. Please tap it again."
            )
        if code in (scard.SCARD_W_UNRESPONSIVE_CARD, scard.SCARD_W_UNPOWERED_CARD):
            return NoCardError(
                "The card on the reader does not answer. Please put it on again (contact cards:"
                " chip first, face up)."
            )
        if code == scard.SCARD_E_SHARING_VIOLATION:
            return ReaderError(
                f"The card reader {self.name!r} is in use by another program: close it and try"
                " again."
            )
        if code in _LINK_FAILED_CODES:
            return ReaderError(
                f"The reader could not exchange {during} with the card although it is still"
                f" there ({_describe(hresult)}): put the card on again; if it keeps happening,"
                " replug the reader or restart pcscd."
            )
        return ReaderError(f"The card reader failed during {during}: {_describe(hresult)}.")

    # -- Reader --------------------------------------------------------------------------------

    def _status(self, known_state: int, timeout_ms: int) -> tuple[int, bytes] | None:
        """SCardGetStatusChange on this reader: (event state, ATR), or None on timeout."""
        hresult, states = scard.SCardGetStatusChange(
            self._context(), timeout_ms, [(self.name, known_state)]
        )
        if _code(hresult) == scard.SCARD_E_TIMEOUT:
            return None
        if hresult != scard.SCARD_S_SUCCESS:
            raise self._error(hresult, during="a presence check")
        _, event_state, atr = states[0]
        if event_state & scard.SCARD_STATE_UNKNOWN:
            raise ReaderError(f"The card reader {self.name!r} is gone: is it plugged in?")
        return int(event_state), bytes(atr)

    def card_present(self) -> bool:
        status = self._status(scard.SCARD_STATE_UNAWARE, 0)
        return status is not None and bool(status[0] & scard.SCARD_STATE_PRESENT)

    def present_atr(self) -> bytes | None:
        """The ATR of the card on the reader, without connecting to it; None when there is none."""
        status = self._status(scard.SCARD_STATE_UNAWARE, 0)
        if status is None or not status[0] & scard.SCARD_STATE_PRESENT:
            return None
        return status[1]

    def _wait(self, present: bool, timeout: float, poll: float) -> bool:
        # Blocks inside pcscd until the state changes (poll is not needed).
        deadline = time.monotonic() + timeout
        known = scard.SCARD_STATE_UNAWARE
        while True:
            remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
            status = self._status(known, remaining_ms if known else 0)
            if status is not None:
                event_state, _ = status
                if bool(event_state & scard.SCARD_STATE_PRESENT) == present:
                    return True
                known = event_state & ~scard.SCARD_STATE_CHANGED
            if time.monotonic() >= deadline:
                return False

    def connect(self, trace: Trace | None = None) -> PcscConnection:
        hresult, hcard, active = scard.SCardConnect(
            self._context(), self.name, scard.SCARD_SHARE_SHARED, _PROTOCOLS[self.protocol]
        )
        if hresult != scard.SCARD_S_SUCCESS:
            if _code(hresult) in _CARD_GONE_CODES:
                raise NoCardError()
            raise self._error(hresult, during="connecting to the card")
        hresult, _, _, _, atr = scard.SCardStatus(hcard)
        if hresult != scard.SCARD_S_SUCCESS:
            scard.SCardDisconnect(hcard, scard.SCARD_LEAVE_CARD)
            raise self._error(hresult, during="reading the card's ATR")
        return PcscConnection(self, hcard, int(active), bytes(atr), trace)
