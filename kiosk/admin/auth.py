"""Signing in to admin mode: a staff card and a PIN; sessions that end when left idle.

- PINs are 4 to 8 digits, easy ones (0000, 1234, 1212, 2580) refused, stored only as argon2id
  hashes (argon2-cffi's PasswordHasher), re-hashed at the next login when the parameters change.
- The card must be an ACTIVE staff card in the database belonging to an active staff member.
- N wrong PINs in a row (default 5) lock that staff member out for M minutes (default 15); the
  count is kept per staff member in the database (Staff.failed_attempts / locked_until), so
  another card or a restart does not reset it; a right PIN does.
- Every refusal costs one hash verification like a real attempt (against a dummy hash when there
  is no staff member or PIN to check), so timing does not tell which cards are staff cards.
- Every attempt is audited: actor ``staff:ID`` (or ``card:UID`` when the card names nobody),
  action ``login_ok`` / ``login_failed`` / ``login_locked``, the reason -- never the PIN.
- A session ends at logout, after ``idle_timeout`` without an action (the injected clock decides),
  or when the staff member or their card is deactivated meanwhile.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NoReturn
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from cardlib.purse.header import Role
from cardlib.service import CardState
from kiosk.admin import audit
from kiosk.admin.errors import (
    LockedError,
    LoginRefusedError,
    NotFoundError,
    PinError,
    SessionExpiredError,
    WeakPinError,
)
from kiosk.admin.messages import Sentence, say
from kiosk.admin.roles import StaffRole, parse_role
from kiosk.db import Database
from kiosk.db.base import utcnow
from kiosk.db.models import Card, CardRole, CardStatus, Staff

PIN_PATTERN = re.compile(r"[0-9]{4,8}")
#: keypad columns and the like: not sequences or repeats, but the first guesses all the same
COMMON_PINS = frozenset({"2580", "0852", "1379", "1397", "1590", "2468", "8642"})

LOGIN_OK = "login_ok"
LOGIN_FAILED = "login_failed"
LOGIN_LOCKED = "login_locked"


def check_pin(pin: str) -> None:
    """Refuse a PIN that is not 4-8 digits or that is among the first a thief would try."""
    if not PIN_PATTERN.fullmatch(pin):
        raise WeakPinError(say("pin_format"))
    if len(set(pin)) == 1:
        raise WeakPinError(say("pin_repeated"))
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {9}):
        raise WeakPinError(say("pin_consecutive"))
    if pin == (pin[:2] * len(pin))[: len(pin)]:
        raise WeakPinError(say("pin_pair"))
    if pin in COMMON_PINS:
        raise WeakPinError(say("pin_keypad_pattern"))


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    idle_timeout: dt.timedelta = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class StaffSession:
    """A signed-in staff member. The touchscreen holds it and passes it to every action."""

    staff_id: int
    name: str
    role: StaffRole
    started_at: dt.datetime
    card_uid: str
    session_id: str


@dataclass
class _Live:
    staff_id: int
    last_active: dt.datetime


class StaffAuth:
    """Staff PINs, sign-in with lockout, and the live sessions of one kiosk process."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        policy: LoginPolicy | None = None,
        hasher: PasswordHasher | None = None,
        timezone: str = "UTC",
    ) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy or LoginPolicy()
        self.hasher = hasher or PasswordHasher()  # argon2id with argon2-cffi's defaults
        self.zone = ZoneInfo(timezone)
        # what a refusal verifies against, so it costs what a real attempt costs
        self._dummy = self.hasher.hash(secrets.token_hex(8))
        self._sessions: dict[str, _Live] = {}
        self._lock = threading.Lock()

    # -- PINs ------------------------------------------------------------------------------------

    def set_pin(self, staff_id: int, pin: str, *, actor: str) -> None:
        """Check and store a new PIN for ``staff_id``; clears a lockout. Audited as ``pin_set``."""
        check_pin(pin)
        hashed = self.hasher.hash(pin)
        with self.db.session() as s:
            staff = s.get(Staff, staff_id)
            if staff is None:
                raise NotFoundError(say("no_staff_member", staff_id=staff_id))
            staff.pin_hash, staff.failed_attempts, staff.locked_until = hashed, 0, None
            audit.record(
                s, actor, "pin_set", audit.staff_actor(staff_id), {"staff": staff_id}, self.clock()
            )

    # -- signing in ------------------------------------------------------------------------------

    def login(self, card: CardState | str, pin: str) -> StaffSession:
        """Sign in with a staff card (as read and verified from the reader, or its UID in hex
        when the caller verified it) and a PIN. Raises LoginRefusedError, LockedError, PinError."""
        uid = card if isinstance(card, str) else card.uid.hex()
        uid = uid.lower()
        now = self.clock()
        with self.db.session() as s:
            row = s.scalar(select(Card).where(Card.uid == uid))
            staff = s.get(Staff, row.staff_id) if row is not None and row.staff_id else None
            refusal = _refusal(card, row, staff)
            if staff is not None:
                staff_id, name, role_text = staff.id, staff.name, staff.role
                pin_hash, locked_until = staff.pin_hash, staff.locked_until
        if refusal is not None:
            self._verify(self._dummy, pin)
            reason, message = refusal
            actor = audit.staff_actor(staff.id) if staff is not None else audit.card_actor(uid)
            self._audit(actor, LOGIN_FAILED, uid, {"reason": reason})
            raise LoginRefusedError(message)
        actor = audit.staff_actor(staff_id)
        if locked_until is not None and locked_until > now:
            self._verify(self._dummy, pin)
            self._audit(actor, LOGIN_LOCKED, uid, {"reason": "locked", "until": _iso(locked_until)})
            raise LockedError(locked_until, self._local(locked_until))
        if not pin_hash:
            self._verify(self._dummy, pin)
            self._audit(actor, LOGIN_FAILED, uid, {"reason": "no_pin"})
            raise LoginRefusedError(
                say("login_no_pin", name=name, staff_id=staff_id), code="no_pin"
            )
        if self._verify(pin_hash, pin):
            return self._signed_in(staff_id, name, role_text, pin_hash, pin, uid, now)
        self._failed(staff_id, uid, now)

    def _signed_in(
        self,
        staff_id: int,
        name: str,
        role_text: str,
        pin_hash: str,
        pin: str,
        uid: str,
        now: dt.datetime,
    ) -> StaffSession:
        rehash = self.hasher.check_needs_rehash(pin_hash)
        with self.db.session() as s:
            staff = s.get(Staff, staff_id, with_for_update=True)
            assert staff is not None
            staff.failed_attempts, staff.locked_until = 0, None
            if rehash:
                staff.pin_hash = self.hasher.hash(pin)
            audit.record(s, audit.staff_actor(staff_id), LOGIN_OK, uid, {}, now)
        session = StaffSession(
            staff_id, name, parse_role(role_text), now, uid, secrets.token_urlsafe(16)
        )
        with self._lock:
            self._sessions[session.session_id] = _Live(staff_id, now)
        return session

    def _failed(self, staff_id: int, uid: str, now: dt.datetime) -> NoReturn:
        p = self.policy
        with self.db.session() as s:
            staff = s.get(Staff, staff_id, with_for_update=True, populate_existing=True)
            assert staff is not None
            lock_over = staff.locked_until is not None and staff.locked_until <= now
            failures = (0 if lock_over else staff.failed_attempts) + 1
            staff.failed_attempts = failures
            staff.locked_until = None
            actor = audit.staff_actor(staff_id)
            if failures >= p.max_failures:
                until = now + p.lockout
                staff.locked_until = until
                detail = {"reason": "too_many_failures", "failures": failures, "until": _iso(until)}
                audit.record(s, actor, LOGIN_LOCKED, uid, detail, now)
            else:
                detail = {"reason": "wrong_pin", "attempts_left": p.max_failures - failures}
                audit.record(s, actor, LOGIN_FAILED, uid, detail, now)
        if staff.locked_until is not None:
            raise LockedError(staff.locked_until, self._local(staff.locked_until))
        raise PinError(p.max_failures - failures)

    def _verify(self, pin_hash: str, pin: str) -> bool:
        try:
            return bool(self.hasher.verify(pin_hash, pin))
        except (VerificationError, InvalidHashError):
            return False

    # -- sessions ------------------------------------------------------------------------------

    def touch(self, session: StaffSession) -> StaffSession:
        """Check that ``session`` is still live and mark it used now; return it with the staff
        member's current name and role. Raises SessionExpiredError."""
        now = self.clock()
        with self._lock:
            live = self._sessions.get(session.session_id)
        if live is None:
            raise SessionExpiredError(say("signed_out"))
        if now - live.last_active > self.policy.idle_timeout:
            minutes = int(self.policy.idle_timeout.total_seconds() // 60)
            self._end(session, "session_expired", {"idle_minutes": minutes})
            raise SessionExpiredError(say("signed_out_idle", minutes=minutes))
        with self.db.session() as s:
            staff = s.get(Staff, session.staff_id)
            card = s.scalar(select(Card).where(Card.uid == session.card_uid))
            still = (
                staff is not None
                and staff.active
                and card is not None
                and card.status is CardStatus.ACTIVE
            )
            if still:
                assert staff is not None
                name, role_text = staff.name, staff.role
        if not still:
            self._end(session, "session_ended", {"reason": "staff or card deactivated"})
            raise SessionExpiredError(say("account_inactive"))
        with self._lock:
            live.last_active = now
        return replace(session, name=name, role=parse_role(role_text))

    def logout(self, session: StaffSession) -> None:
        """End ``session`` (audited); logging out twice is harmless."""
        with self._lock:
            known = session.session_id in self._sessions
        if known:
            self._end(session, "logout", {})

    def is_live(self, session: StaffSession) -> bool:
        with self._lock:
            live = self._sessions.get(session.session_id)
        return live is not None and self.clock() - live.last_active <= self.policy.idle_timeout

    def _end(self, session: StaffSession, action: str, detail: dict[str, object]) -> None:
        with self._lock:
            self._sessions.pop(session.session_id, None)
        self._audit(audit.staff_actor(session.staff_id), action, session.card_uid, detail)

    # -- helpers ---------------------------------------------------------------------------------

    def _audit(self, actor: str, action: str, subject: str, detail: dict[str, object]) -> None:
        with self.db.session() as s:
            audit.record(s, actor, action, subject, dict(detail), self.clock())

    def _local(self, when: dt.datetime) -> str:
        return f"{when.astimezone(self.zone):%H:%M}"


def _refusal(
    card: CardState | str, row: Card | None, staff: Staff | None
) -> tuple[str, Sentence] | None:
    """(reason for the audit, sentence for staff) when this card cannot sign in, else None."""
    if not isinstance(card, str) and card.header.role is not Role.STAFF:
        return "not_staff_card", say("login_not_staff_card")
    if row is None:
        return "unknown_card", say("login_unknown_card")
    if row.role is not CardRole.STAFF or row.staff_id is None:
        return "not_staff_card", say("login_not_staff_card")
    if row.status is not CardStatus.ACTIVE:
        return "card_blocked", say("login_card_blocked")
    if staff is None or not staff.active:
        return "staff_inactive", say("login_staff_inactive")
    if not isinstance(card, str) and card.header.tenant_id != staff.id:
        # the card names another staff member than the database: not ours to trust
        return "card_mismatch", say("login_card_mismatch")
    return None


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat()
