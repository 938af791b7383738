"""Enrolled kiosks (with their sealed secrets and how far their messages have arrived), what each
last reported of itself (its own backlog, clock offset, last error), and the nonces of signed
requests seen within the signature window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, UTCDateTime, utcnow


class KioskRow(Base):
    __tablename__ = "kiosks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(200))
    #: the kiosk's HMAC secret, sealed with the backend's secret key (backend.secretbox)
    sealed_secret: Mapped[str] = mapped_column(Text)
    #: 1 at enrolment, +1 at every rotation; part of what the seal authenticates
    secret_version: Mapped[int] = mapped_column(Integer, default=1)
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: every message 1..acked_seq is stored and applied: what the kiosk may mark sent
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the highest seq stored, held ones beyond a gap included
    max_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class RequestNonce(Base):
    """A nonce of a signed request, kept at least as long as the signature window so that a
    replayed request is refused by every worker (they share only the database)."""

    __tablename__ = "request_nonces"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class KioskReportRow(Base):
    """The newest status report of a kiosk (``POST /sync/status``, docs/sync-api.md): what only
    the kiosk knows -- how many messages wait in its outbox and since when, its clock offset, the
    last sync error it met -- so kiosk health shows the queue where it is. One row per kiosk,
    replaced by each report; ``reports`` counts them (the SQLite change poller watches it)."""

    __tablename__ = "kiosk_reports"

    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    #: when the backend received the report (its clock), and when the kiosk made it (the kiosk's
    #: clock corrected by its offset)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: messages in the kiosk's outbox not yet acknowledged, and when the oldest was written
    backlog: Mapped[int] = mapped_column(BigInteger)
    oldest_unsent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the highest seq the kiosk has numbered
    last_seq: Mapped[int] = mapped_column(BigInteger)
    #: seconds the kiosk adds to its own clock to agree with the backend's
    clock_offset_s: Mapped[int] = mapped_column(BigInteger)
    #: the reference-data cursor the kiosk holds
    cursor: Mapped[int] = mapped_column(BigInteger)
    #: the last sync error the kiosk met ("" when its last run went through)
    last_error: Mapped[str] = mapped_column(String(255))
    software: Mapped[str] = mapped_column(String(64))
    reports: Mapped[int] = mapped_column(BigInteger, default=0)
