"""The property managers' dashboard: server-rendered pages (Jinja2, backend/templates), one small
style sheet and one small script (backend/static), live updates over Server-Sent Events. Every
page needs a signed-in user; every form carries a per-session CSRF token. The pages read what the
kiosks pushed and edit reference data through :mod:`backend.reference`, like the admin API.

    passwords.py      argon2id hashes of the users' passwords
    users.py          creating users, checking a sign-in (no user enumeration)
    session.py        who is signed in (the signed session cookie), CSRF tokens, flash messages
    templating.py     the Jinja2 environment, its filters (money, energy, local time), headers
    errors.py         sign-in redirects, refused forms and wrong addresses, as pages
    clock.py          a site's day in its time zone
    figures.py        what the overview reads: balances, today's top-ups, consumption, low balance
    readings.py       a meter's readings and the consumption between them
    chart.py          a bar chart as inline SVG, drawn on the server
    login.py          /dashboard/login, /dashboard/logout
    overview.py       /dashboard, /dashboard/sites/{id}: a building at a glance
    tenant_page.py    /dashboard/tenants/{id}: balances, consumption chart, transactions
    kiosk_health.py   /dashboard/kiosks: last contact, acked/held seqs
    blacklist.py      /dashboard/sites/{id}/cards: block and reinstate cards
    tariff_editor.py  /dashboard/sites/{id}/tariffs: versions, publishing a new one
    export.py         /dashboard/export.csv: transactions as CSV
    hub.py            the changes one worker process fans out to its live pages
    pg_listener.py    ... heard with LISTEN prepay_changes (PostgreSQL)
    sqlite_poller.py  ... found by polling the change counters (SQLite)
    live.py           /dashboard/events: the Server-Sent Events stream
    demo.py           a believable building for the pictures (python -m backend.screenshots)
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

PREFIX = "/dashboard"
PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"


def routers() -> list[APIRouter]:
    """Every router of the dashboard, for :func:`backend.app.create_app`."""
    from backend.web import (
        blacklist,
        export,
        kiosk_health,
        live,
        login,
        overview,
        tariff_editor,
        tenant_page,
    )

    return [
        login.router,
        overview.router,
        tenant_page.router,
        kiosk_health.router,
        blacklist.router,
        tariff_editor.router,
        export.router,
        live.router,
    ]
