"""Kiosk secrets at rest. The backend must recompute each kiosk's HMACs, so it keeps the secret
itself, not a hash; it keeps it sealed with AES-256-GCM under the backend's secret key (from the
environment, never the database), bound to the kiosk id and secret version as associated data. A
copy of the database alone reveals no secret, and a sealed secret moved to another kiosk's row
does not open."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.errors import BackendError


class SealError(BackendError):
    """A sealed secret does not open under this key: the key changed, or the row was altered."""

    code = "sealed_secret_unreadable"
    status = 500


class SecretBox:
    VERSION = b"\x01"

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @staticmethod
    def _aad(kiosk_id: str, secret_version: int) -> bytes:
        return f"prepay-kiosk-secret\x00{kiosk_id}\x00{secret_version}".encode()

    def seal(self, kiosk_id: str, secret_version: int, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), self._aad(kiosk_id, secret_version))
        return base64.b64encode(self.VERSION + nonce + sealed).decode()

    def open(self, kiosk_id: str, secret_version: int, sealed: str) -> str:
        try:
            raw = base64.b64decode(sealed)
            if raw[:1] != self.VERSION:
                raise ValueError("unknown seal version")
            plain = self._aead.decrypt(raw[1:13], raw[13:], self._aad(kiosk_id, secret_version))
        except (InvalidTag, ValueError) as exc:
            raise SealError(
                f"the secret of kiosk {kiosk_id} does not open with this backend's secret key "
                "(was PREPAY_BACKEND_SECRET_KEY changed?): rotate the kiosk's secret"
            ) from exc
        return plain.decode()
