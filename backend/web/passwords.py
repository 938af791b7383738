"""The dashboard users' passwords: argon2id hashes (argon2-cffi's defaults, which follow RFC 9106's
recommendation), never the passwords themselves."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200

_hasher = PasswordHasher()
#: checked when the e-mail address is unknown, so that an unknown address costs as long as a wrong
#: password and the answer's timing does not tell which addresses have an account
_DECOY = _hasher.hash("no user has this password, it only costs time")


class PasswordRuleError(ValueError):
    """A new password that breaks a rule; the message is a sentence for the person choosing it."""


def check_rules(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRuleError(f"The password must be at least {MIN_LENGTH} characters long.")
    if len(password) > MAX_LENGTH:
        raise PasswordRuleError(f"The password must be at most {MAX_LENGTH} characters long.")
    if password != password.strip():
        raise PasswordRuleError("The password must not begin or end with a space.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (an unknown user), a decoy check of equal cost
    that never matches."""
    if password_hash is None:
        _matches(_DECOY, password)
        return False
    return _matches(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's (re-hashed at sign-in)."""
    return _hasher.check_needs_rehash(password_hash)


def fingerprint(password_hash: str) -> str:
    """A short digest of the hash, kept in the session: a new password ends every session."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
