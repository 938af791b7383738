"""The dashboard's users: adding, listing, switching off and on, giving a new password, choosing
the buildings they see (``python -m backend user …``, backend/cli_users.py), and checking a
sign-in.

A user sees every building, or only the ones listed for them: a building's own manager sees that
building and nothing of the others (:meth:`User.may_see`; the pages ask it through
backend.web.session). What a user may see is read at every request, so a change applies at once.

A sign-in that fails says the same whatever failed -- an unknown address, a wrong password, a
user switched off -- and costs the same time, so the form does not tell who has an account."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.db.base import utcnow
from backend.db.models import SiteRow, UserRow, UserSiteRow
from backend.web import passwords, throttle

#: one @, something on each side, a dot in the domain; no spaces. Not RFC 5322: a typo check.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL = 254


class UserError(ValueError):
    """A user that cannot be added as asked; the message says why, in a sentence."""


@dataclass(frozen=True)
class User:
    """The signed-in user, as the pages need them."""

    id: int
    email: str
    name: str
    #: digest of the password hash at sign-in (passwords.fingerprint)
    fingerprint: str
    #: the buildings they may see; None: every building
    sites: frozenset[int] | None = None

    def may_see(self, site_id: int | None) -> bool:
        """Whether the user may see building ``site_id`` (None: a thing of no building)."""
        return self.sites is None or (site_id is not None and site_id in self.sites)

    def visible(self, sites: Iterable[SiteRow]) -> list[SiteRow]:
        return [site for site in sites if self.may_see(site.id)]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def add_user(
    session: Session, email: str, name: str, password: str, sites: Sequence[int] | None = None
) -> UserRow:
    """A new active user who sees ``sites`` (None: every building); UserError if the address is
    malformed or taken, the name blank, the password breaks a rule or a building does not
    exist."""
    email = normalise_email(email)
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise UserError(f"{email!r} is not an e-mail address.")
    name = name.strip()
    if not name or len(name) > 200:
        raise UserError("The name must be 1 to 200 characters.")
    try:
        passwords.check_rules(password)
    except passwords.PasswordRuleError as exc:
        raise UserError(str(exc)) from None
    if session.scalar(select(UserRow.id).where(UserRow.email == email)) is not None:
        raise UserError(f"There is already a user with the e-mail address {email}.")
    row = UserRow(
        email=email, name=name, password_hash=passwords.hash_password(password), active=True
    )
    session.add(row)
    session.flush()
    _set_sites(session, row, sites)
    return row


def find_user(session: Session, email: str) -> UserRow:
    """The user with this address; UserError naming it if there is none."""
    email = normalise_email(email)
    row = session.scalar(select(UserRow).where(UserRow.email == email))
    if row is None:
        raise UserError(f"There is no user with the e-mail address {email}.")
    return row


def list_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.email)))


def set_active(session: Session, email: str, active: bool) -> UserRow:
    """Switch a user off (their sessions stop at the next page) or on again."""
    row = find_user(session, email)
    row.active = active
    return row


def set_sites(session: Session, email: str, sites: Sequence[int] | None) -> UserRow:
    """The buildings the user sees from their next page on: ``sites``, or every one (None)."""
    row = find_user(session, email)
    _set_sites(session, row, sites)
    return row


def _set_sites(session: Session, row: UserRow, sites: Sequence[int] | None) -> None:
    if sites is not None:
        if not sites:
            raise UserError("Name at least one building, or let the user see every building.")
        known = set(session.scalars(select(SiteRow.id).where(SiteRow.id.in_(sites))))
        missing = sorted(set(sites) - known)
        if missing:
            raise UserError(f"There is no building {', '.join(map(str, missing))}.")
    session.execute(delete(UserSiteRow).where(UserSiteRow.user_id == row.id))
    row.all_sites = sites is None
    for site_id in sorted(set(sites or ())):
        session.add(UserSiteRow(user_id=row.id, site_id=site_id))
    session.flush()


def sites_of(session: Session, row: UserRow) -> frozenset[int] | None:
    """The buildings ``row`` may see; None: every building."""
    if row.all_sites:
        return None
    return frozenset(
        session.scalars(select(UserSiteRow.site_id).where(UserSiteRow.user_id == row.id))
    )


def set_password(session: Session, email: str, password: str) -> UserRow:
    """A new password: sessions signed in with the old one stop at the next page, and the
    address's failed sign-ins are forgotten (an administrator reset it: let the owner in)."""
    row = find_user(session, email)
    try:
        passwords.check_rules(password)
    except passwords.PasswordRuleError as exc:
        raise UserError(str(exc)) from None
    row.password_hash = passwords.hash_password(password)
    throttle.forget(session, row.email)
    return row


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user these credentials belong to, or None (see the module docstring)."""
    row = session.scalar(select(UserRow).where(UserRow.email == normalise_email(email)))
    if row is None or not row.active:
        passwords.verify(None, password)
        return None
    if not passwords.verify(row.password_hash, password):
        return None
    if passwords.needs_rehash(row.password_hash):
        row.password_hash = passwords.hash_password(password)
    row.last_login_at = utcnow()
    fingerprint = passwords.fingerprint(row.password_hash)
    return User(row.id, row.email, row.name, fingerprint, sites_of(session, row))


def signed_in(session: Session, user_id: int, fingerprint: str) -> User | None:
    """The user a session names, if they may still use it: still there, still active, and with
    the password they signed in with."""
    row = session.get(UserRow, user_id)
    if row is None or not row.active:
        return None
    if passwords.fingerprint(row.password_hash) != fingerprint:
        return None
    return User(row.id, row.email, row.name, fingerprint, sites_of(session, row))
