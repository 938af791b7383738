"""Throttling of failed sign-ins to the dashboard, so a password cannot be guessed by trying.

Two limits, counted over the last :data:`WINDOW` in the database (every worker sees the same
failures): :data:`PER_ADDRESS` failures for one e-mail address, whoever tries it, and
:data:`PER_CLIENT` failures from one client address, whatever it tries. Past either, sign-ins are
refused *without checking the password* until the oldest counted failure leaves the window; the
form says until when. An address with no account is throttled the same as one with, so the throttle
tells nobody which addresses exist. A successful sign-in, or a new password set by an
administrator (``python -m backend user password``), forgets the address's failures.

Locking an address lets a stranger keep its owner out for a while; the window is short (15
minutes) and the owner can sign in from another client once the stranger stops -- the usual
trade-off (OWASP, Authentication Cheat Sheet: "Protect Against Automated Attacks")."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.db.models import SignInFailureRow

WINDOW = dt.timedelta(minutes=15)
#: failures for one address within the window before it is refused
PER_ADDRESS = 5
#: failures from one client within the window before it is refused (a few people share an office
#: network, so more than for one address)
PER_CLIENT = 20
#: what is kept of a client address: an IPv6 address with its zone fits
MAX_CLIENT = 64


@dataclass(frozen=True)
class Refusal:
    """Sign-ins refused until ``until``: too many failures for the address or from the client."""

    until: dt.datetime
    #: what reached its limit: the e-mail address, or the client it came from
    by: Literal["address", "client"]

    def retry_after_s(self, now: dt.datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds()))

    def message(self, now: dt.datetime) -> str:
        minutes = max(1, math.ceil(self.retry_after_s(now) / 60))
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        if self.by == "address":
            return (
                f"Too many failed sign-ins for this e-mail address. Try again in {wait}, or ask "
                "an administrator to set a new password."
            )
        return f"Too many failed sign-ins from this computer. Try again in {wait}."


def check(session: Session, email: str, client: str, now: dt.datetime) -> Refusal | None:
    """A refusal if ``email`` or ``client`` reached its limit within the window, else None."""
    since = now - WINDOW
    limits: tuple[tuple[Any, str, int, Literal["address", "client"]], ...] = (
        (SignInFailureRow.email, email, PER_ADDRESS, "address"),
        (SignInFailureRow.client, client[:MAX_CLIENT], PER_CLIENT, "client"),
    )
    for column, key, limit, by in limits:
        latest = session.scalars(
            select(SignInFailureRow.at)
            .where(column == key, SignInFailureRow.at > since)
            .order_by(SignInFailureRow.at.desc())
            .limit(limit)
        ).all()
        if len(latest) >= limit:
            # once the oldest of the last `limit` failures leaves the window, one try is allowed
            return Refusal(latest[-1] + WINDOW, by)
    return None


def record_failure(session: Session, email: str, client: str, now: dt.datetime) -> None:
    """Count a failed sign-in; failures older than the window are dropped on the way."""
    session.execute(delete(SignInFailureRow).where(SignInFailureRow.at <= now - WINDOW))
    session.add(SignInFailureRow(at=now, email=email, client=client[:MAX_CLIENT]))


def forget(session: Session, email: str) -> None:
    """The address's failures no longer count (it signed in, or got a new password)."""
    session.execute(delete(SignInFailureRow).where(SignInFailureRow.email == email))
