"""The one exception hierarchy of the backend. Each error has a machine-readable ``code``, the HTTP
status it is answered with, and a message for the person reading the kiosk's log or the
administrator's screen; :mod:`backend.app` turns every one into ``{"error": {...}}``."""

from __future__ import annotations

from typing import Any


class BackendError(Exception):
    """Root of everything the backend raises on purpose."""

    code = "backend_error"
    status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        #: more fields for the error body (the server time of a stale request, a seq…)
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


class SettingsError(BackendError):
    """A setting is missing or wrong: the server does not start. The message names it."""

    code = "bad_settings"
    status = 500


# -- authentication (401) and authorisation --------------------------------------------------------


class AuthError(BackendError):
    code = "unauthorized"
    status = 401


class UnsignedError(AuthError):
    code = "unsigned"


class UnknownKioskError(AuthError):
    code = "unknown_kiosk"


class BadSignatureError(AuthError):
    code = "bad_signature"


class StaleRequestError(AuthError):
    """The timestamp is outside the window; the body carries ``server_time`` so that the kiosk can
    correct its clock offset and sign again."""

    code = "stale_timestamp"


class ReplayedRequestError(BackendError):
    code = "replayed_request"
    status = 409


class AdminAuthError(AuthError):
    code = "admin_unauthorized"


class WrongKioskError(BackendError):
    code = "wrong_kiosk"
    status = 403


# -- requests that cannot be carried out -----------------------------------------------------------


class InvalidRequestError(BackendError):
    code = "invalid_request"
    status = 422


class NotFoundError(BackendError):
    code = "not_found"
    status = 404


class ConflictError(BackendError):
    code = "conflict"
    status = 409


class IdempotencyConflictError(ConflictError):
    """An idempotency key used again with another payload (or another seq)."""

    code = "idempotency_conflict"


class SeqTakenError(ConflictError):
    """The kiosk's seq is already stored with another message: a kiosk restored from a backup."""

    code = "seq_taken"


class AlreadyEnrolledError(ConflictError):
    code = "already_enrolled"


class TooLargeError(BackendError):
    code = "too_large"
    status = 413


BUSY_MESSAGE = "the database is busy with another writer: nothing was stored; try again shortly"


class DatabaseBusyError(BackendError):
    """SQLite's write lock stayed taken past the busy timeout (another process writing: a
    migration, ``user add``). Nothing was changed; the kiosk retries later."""

    code = "database_busy"
    status = 503
