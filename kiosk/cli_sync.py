"""`prepay-kiosk sync`: send the outbox to the management platform and pull its reference data.

prepay-kiosk sync            one run: push, then pull; exit 0 when it worked
prepay-kiosk sync --loop     run every [sync] interval_s until Ctrl-C / SIGTERM (backoff on
                             failures)
prepay-kiosk sync --status   what is waiting, the cursor, the clock offset, the last error
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from kiosk import app
from kiosk import config as config_mod
from kiosk.sync import SyncReport, SyncWorker

EXIT_FAILED = 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    sync = sub.add_parser("sync", help="push the outbox to the backend and pull reference data")
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--loop", action="store_true", help="keep syncing until stopped")
    mode.add_argument("--status", action="store_true", help="show the backlog and the last run")
    sync.set_defaults(run=_sync)


def _sync(args: argparse.Namespace) -> int:
    config = config_mod.load(args.config)
    if not config.sync.enabled:
        raise config_mod.ConfigError(
            f"{config.source}: no backend to sync with: add [sync] url (and set "
            f"{config_mod.ENV_SYNC_SECRET})."
        )
    db = app.open_database(config)
    syncer = app.build_syncer(config, db)
    assert syncer is not None
    try:
        if args.status:
            for key, value in syncer.status().items():
                print(f"{key.replace('_', ' '):<18}{'-' if value in (None, '') else value}")
            return 0
        if not args.loop:
            report = syncer.run_once()
            _print(report)
            return 0 if report.ok else EXIT_FAILED
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        worker = SyncWorker(syncer, config.sync.interval_s, on_report=_print).start()
        print(f"Syncing with {config.sync.url} every {config.sync.interval_s:g} s; Ctrl-C stops.")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        worker.stop()
        return 0
    finally:
        syncer.client.close()
        db.dispose()


def _print(report: SyncReport) -> None:
    stream = sys.stdout if report.ok else sys.stderr
    print(report.summary(), file=stream, flush=True)
    for problem in report.problems:
        print(f"  not applied: {problem}", file=stream, flush=True)
