"""AES-128 CMAC and NXP AN10922 AES-128 key diversification.

AN10922 §2.2 derives a per-card key from a master key and some diversification input
(UID, application id, system id...): ``M = 01 ‖ input``, ``input`` being 1 to 31 bytes. ``M`` is
padded to 32 bytes with ``80 00 ...`` and its last block XORed with the CMAC subkey K2, or, when
``M`` is exactly 32 bytes, XORed with K1 unpadded; the result is AES-CBC encrypted with a zero IV
and the last cipher block is the diversified key.

This is *not* ``CMAC(master, M)``: AN10922 always pads to two blocks, so a stock CMAC gives a
different answer whenever ``M`` is 16 bytes or shorter. The test vector from libfreefare
(test_mifare_key_deriver_an10922.c) is in tests/unit/test_an10922.py.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

BLOCK = 16
KEY_SIZE = 16
DIV_INPUT_PREFIX = 0x01  # AN10922 "div constant 1" for AES-128 keys
MAX_DIV_INPUT = 31  # 01 ‖ input must fit in two AES blocks
_RB = 0x87  # the GF(2^128) reduction constant of NIST SP 800-38B


def cmac(key: bytes, data: bytes) -> bytes:
    """The full 16-byte AES-CMAC (NIST SP 800-38B) of ``data`` under the 16-byte ``key``."""
    _check_key(key)
    mac = CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()


def diversify_aes128(master: bytes, data: bytes) -> bytes:
    """The AN10922 AES-128 key diversified from ``master`` with input ``data`` (1-31 bytes)."""
    _check_key(master)
    if not 1 <= len(data) <= MAX_DIV_INPUT:
        raise ValueError(
            f"AN10922 diversification input must be 1..{MAX_DIV_INPUT} bytes, got {len(data)}"
        )
    k1, k2 = _subkeys(master)
    m = bytes((DIV_INPUT_PREFIX,)) + data
    if len(m) == 2 * BLOCK:
        subkey = k1
    else:
        m = m + b"\x80" + bytes(2 * BLOCK - len(m) - 1)
        subkey = k2
    m = m[:BLOCK] + _xor(m[BLOCK:], subkey)
    encryptor = Cipher(algorithms.AES(master), modes.CBC(bytes(BLOCK))).encryptor()
    return (encryptor.update(m) + encryptor.finalize())[-BLOCK:]


def _subkeys(key: bytes) -> tuple[bytes, bytes]:
    """CMAC subkeys K1, K2 (SP 800-38B §6.1): L = AES(key, 0^128), K1 = L·x, K2 = K1·x."""
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # one block: ECB is AES
    lvalue = encryptor.update(bytes(BLOCK)) + encryptor.finalize()
    k1 = _double(lvalue)
    return k1, _double(k1)


def _double(block: bytes) -> bytes:
    n = int.from_bytes(block, "big") << 1
    if n >> (8 * BLOCK):
        n = (n & ((1 << (8 * BLOCK)) - 1)) ^ _RB
    return n.to_bytes(BLOCK, "big")


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _check_key(key: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise ValueError(f"an AES-128 key is {KEY_SIZE} bytes, got {len(key)}")
