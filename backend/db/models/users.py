"""The property managers who sign in to the dashboard (backend/web): an e-mail address they sign in
with, a name shown on the pages, an argon2id hash of the password -- never the password -- and the
buildings they may see (every building, or those listed in ``dashboard_user_sites``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, true
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
    #: True: every building, today's and tomorrow's (an estate manager); False: only the
    #: buildings listed for the user in dashboard_user_sites (a building's own manager)
    all_sites: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class UserSiteRow(Base):
    """A building a user with ``all_sites`` False may see."""

    __tablename__ = "dashboard_user_sites"

    user_id: Mapped[int] = mapped_column(ForeignKey("dashboard_users.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)


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
