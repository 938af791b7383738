"""The management platform (DESIGN.md §1, §8): the sync API the kiosks push their transactions to
and pull reference data from, kiosk enrolment, the reference data the property manager edits,
notifications, and the property managers' dashboard (backend/web, live by server-sent events).
SQLite by default, PostgreSQL by URL: the same code and migrations. Uses kiosk's wire protocol,
tariff model and enums; never ui/.

    settings.py    where the database is, the admin token, the key that guards kiosk secrets
    app.py         create_app(settings): the FastAPI application and its OpenAPI document
    context.py     what every route shares (settings, database, secret box, notifier)
    errors.py      the one exception hierarchy, with codes and HTTP statuses
    db/            the backend's own tables and Alembic migrations
    signing.py     verifying the kiosks' signed requests (HMAC, timestamp window, nonces)
    secretbox.py   kiosk secrets encrypted at rest
    enrolment.py   enrolling a kiosk and rotating its secret
    reference.py   tenants, cards, meters, tariffs, staff, holidays: edits and the change feed
    ingest.py      storing pushed messages once, in order, and projecting them into tables
    events.py      the one place every ingested or edited change passes (live updates)
    notify.py      low credit / disconnection notices, through meters.notify
    web/           the dashboard: login, overview, tenants, kiosk health, blacklist, tariffs,
                   CSV export, live updates (LISTEN/NOTIFY on PostgreSQL, polling on SQLite)
    queries.py     reading what the kiosks sent (balances, orders, audit, notices)
    fields.py      field types every body shares (storable text, bounded numbers)
    sync_api.py, sync_schemas.py     the kiosks' routes and bodies
    admin_api.py, admin_schemas.py   the administrator's routes and bodies
"""
