"""Card readers: one interface (:class:`Reader`) over PC/SC, nfcpy and the in-process emulator."""

from cardlib.reader.base import CardConnection, Reader

__all__ = ["CardConnection", "Reader"]
