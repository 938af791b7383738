"""The property managers who sign in to the dashboard (backend/web): an e-mail address they sign in
with, a name shown on the pages, and an argon2id hash of the password -- never the password."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, UTCDateTime, utcnow


class UserRow(Base):
    __tablename__ = "dashboard_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: stored in lower case: the address is looked up as typed, whatever its case
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: a user switched off cannot sign in, and a session they still hold stops working
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SignInFailureRow(Base):
    """A failed sign-in to the dashboard, kept for the throttle's window (backend.web.throttle):
    every worker counts the same failures, since they share only the database."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: the address as typed, normalised (it need not belong to a user)
    email: Mapped[str] = mapped_column(String(254), index=True)
    #: the client's address as the server saw it (behind a proxy: see docs/operations.md)
    client: Mapped[str] = mapped_column(String(64), index=True)
