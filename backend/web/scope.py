"""Which building a live change belongs to, so a user who sees only some buildings hears only
their changes on the event stream (backend/web/live.py).

A change names the kiosk that sent it or the tenant it concerns; the kiosk's or tenant's building
is looked up in maps read from the database, read again (at most once a second) when a change
names one they do not hold yet. A change of a building the user may not see is dropped; one that
names neither (a tariff, a holiday, a staff member) is passed on with only its source and kind,
enough for a page to fetch its parts again -- which show only what the user may see."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from backend.db import Database
from backend.db.models import KioskRow, TenantRow

#: the maps are read again at most this often (a burst of unknown ids costs one read)
RELOAD_AFTER_S = 1.0


class SiteScope:
    """Filters change events for a user who may see ``sites``."""

    def __init__(
        self, db: Database, sites: frozenset[int], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db, self.sites, self.clock = db, sites, clock
        self._kiosks: dict[str, int] = {}
        self._tenants: dict[int, int] = {}
        self._loaded_at: float | None = None

    def load(self) -> None:
        """Read the maps (blocking: call it off the event loop)."""
        with self.db.session() as s:
            kiosks = s.execute(select(KioskRow.id, KioskRow.site_id)).all()
            tenants = s.execute(select(TenantRow.id, TenantRow.site_id)).all()
        self._kiosks = {kiosk: site for kiosk, site in kiosks}
        self._tenants = {tenant: site for tenant, site in tenants}
        self._loaded_at = self.clock()

    def wants_reload(self, event: dict[str, Any]) -> bool:
        """Whether ``event`` names a kiosk or tenant the maps do not hold, and they may be read
        again now."""
        if self._site(event) is not _UNKNOWN:
            return False
        if not (event.get("kiosk_id") or event.get("tenant_id") is not None):
            return False
        return self._loaded_at is None or self.clock() - self._loaded_at >= RELOAD_AFTER_S

    def allow(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The event as this user may hear it, or None."""
        site = self._site(event)
        if site is _NOWHERE:
            return {"source": event.get("source"), "kind": event.get("kind")}
        if site is _UNKNOWN or site not in self.sites:
            return None
        return event

    def _site(self, event: dict[str, Any]) -> object:
        kiosk, tenant = event.get("kiosk_id"), event.get("tenant_id")
        if kiosk:
            return self._kiosks.get(str(kiosk), _UNKNOWN)
        if isinstance(tenant, int):
            return self._tenants.get(tenant, _UNKNOWN)
        return _NOWHERE


_UNKNOWN = object()
_NOWHERE = object()
