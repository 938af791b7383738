"""Enrolling a kiosk: the administrator registers its id and site and receives its HMAC secret,
once. The backend keeps the secret sealed (:mod:`backend.secretbox`) -- it must recompute the
kiosk's signatures, so a hash would not do -- and never shows it again. Enrolling an id that is
already enrolled is refused unless it is a rotation (``?rotate=true``), which issues a new secret
at once: the old one stops working with the next request.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from backend import reference
from backend.admin_schemas import EnrolIn
from backend.db.base import utcnow
from backend.db.models import KioskRow
from backend.errors import AlreadyEnrolledError
from backend.secretbox import SecretBox


def new_secret() -> str:
    """256 random bits, URL-safe: what goes into the kiosk's PREPAY_SYNC_SECRET."""
    return secrets.token_urlsafe(32)


def enrol(session: Session, box: SecretBox, body: EnrolIn, rotate: bool) -> tuple[KioskRow, str]:
    """The kiosk's row and its new secret (to be shown once)."""
    reference.site(session, body.site_id)
    secret = new_secret()
    row = session.get(KioskRow, body.kiosk_id)
    if row is None:
        row = KioskRow(
            id=body.kiosk_id,
            site_id=body.site_id,
            name=body.name,
            secret_version=1,
            enrolled_at=utcnow(),
            acked_seq=0,
            max_seq=0,
        )
        row.sealed_secret = box.seal(row.id, 1, secret)
        session.add(row)
        session.flush()
        return row, secret
    if not rotate:
        raise AlreadyEnrolledError(
            f"kiosk {body.kiosk_id} is already enrolled (site {row.site_id}). To issue it a new "
            "secret, POST again with ?rotate=true: the old secret stops working at once."
        )
    row.site_id, row.name = body.site_id, body.name
    row.secret_version += 1
    row.sealed_secret = box.seal(row.id, row.secret_version, secret)
    row.rotated_at = utcnow()
    session.flush()
    return row, secret
