"""Tariff versions in the kiosk's database: publishing a new version, and finding the one in force.

A tariff is data. Publishing never changes a version already stored: a new price is a new version,
and orders keep the code, version and digest of the one they were quoted with.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.db.base import utcnow
from kiosk.db.models import TariffVersion
from kiosk.tariffs import Tariff, TariffError


def publish(
    session: Session, tariff: Tariff, created_by: str, valid_from: dt.datetime | None = None
) -> TariffVersion:
    existing = session.scalar(
        select(TariffVersion).where(
            TariffVersion.code == tariff.code, TariffVersion.version == tariff.version
        )
    )
    if existing is not None:
        if existing.digest == tariff.digest():
            return existing
        raise TariffError(
            "version",
            f"tariff {tariff.ref} already exists with other prices: publish it as a new version",
        )
    row = TariffVersion(
        code=tariff.code,
        version=tariff.version,
        definition=tariff.to_dict(),
        digest=tariff.digest(),
        valid_from=valid_from or utcnow(),
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return row


def in_force(session: Session, code: str, at: dt.datetime) -> Tariff | None:
    """The highest version of ``code`` whose validity has begun at ``at``."""
    row = session.scalar(
        select(TariffVersion)
        .where(TariffVersion.code == code, TariffVersion.valid_from <= at)
        .order_by(TariffVersion.version.desc())
        .limit(1)
    )
    return None if row is None else Tariff.from_dict(row.definition)
