"""What every route shares, built once by :func:`backend.app.create_app`: the settings, the
database, the box that opens kiosk secrets, the notifier. Nothing in it changes while the server
runs -- every worker process builds its own from the same settings and shares only the database."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from backend.db import Database
from backend.secretbox import SecretBox
from backend.settings import Settings
from meters.notify import Notifier


@dataclass(frozen=True)
class Backend:
    settings: Settings
    db: Database
    box: SecretBox
    notifier: Notifier


def backend(request: Request) -> Backend:
    """The FastAPI dependency that hands a route the :class:`Backend`."""
    ctx: Backend = request.app.state.backend
    return ctx
