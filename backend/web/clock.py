"""A building's days: times are stored in UTC and shown in the site's time zone (DESIGN.md §3), so
"today" and a date range in a filter begin at the site's local midnight."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.db.models import SiteRow


def zone(site: SiteRow) -> ZoneInfo:
    try:
        return ZoneInfo(site.timezone)
    except (ZoneInfoNotFoundError, ValueError):  # put_site checks it; an old row may not be
        return ZoneInfo("UTC")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today(site: SiteRow, at: dt.datetime | None = None) -> dt.date:
    return (at or now()).astimezone(zone(site)).date()


def day_bounds(
    site: SiteRow, first: dt.date, last: dt.date | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the local days ``first`` to ``last`` (inclusive) at the site."""
    tz = zone(site)
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine((last or first) + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)
