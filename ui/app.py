"""The touchscreen application: the window, the tenant and admin controllers over one kiosk.

    prepay-kiosk-ui                       the kiosk as kiosk.toml says (real reader, real provider)
    prepay-kiosk-ui --demo                the demo building (emulated cards, payment simulator) with
                                          the demo control window; with no display, the scripted
                                          walk-through offscreen, screenshots in demo-out/

:func:`build_ui` is the composition root the application, the walk-through, the tests and the
benchmarks share: nothing here is looked up globally.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from cardlib.reader.base import Reader
from kiosk.app import Kiosk

log = logging.getLogger(__name__)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass
class KioskUi:
    window: object  # ui.window.KioskWindow
    translations: object  # ui.i18n.Translations
    runner: object  # ui.worker.Runner: the tenant session's calls, one at a time
    admin_runner: object  # ui.worker.Runner: admin mode's calls
    tenant: object  # ui.tenant.controller.TenantController
    admin: object  # ui.admin.controller.AdminController
    session: object  # kiosk.session.tenant.TenantSession
    admin_service: object  # kiosk.admin.service.AdminService

    def start(self) -> None:
        self.tenant.start()  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.tenant.stop()  # type: ignore[attr-defined]
        self.window.stop_tick()  # type: ignore[attr-defined]
        self.runner.wait_idle()  # type: ignore[attr-defined]
        self.admin_runner.wait_idle()  # type: ignore[attr-defined]
        self.session.close()  # type: ignore[attr-defined]


def build_ui(
    app: object,
    kiosk: Kiosk,
    reader: Reader,
    *,
    orientation: str = "portrait",
    language: str = "en",
    session: object | None = None,
    admin_service: object | None = None,
) -> KioskUi:
    """The window with both controllers wired: a staff card on the tenant side opens admin mode;
    leaving admin mode gives the reader back to the tenant side."""
    from kiosk.admin.service import AdminService
    from kiosk.session.tenant import TenantSession
    from ui.admin.controller import AdminController
    from ui.i18n import Language, Translations
    from ui.tenant.controller import TenantController
    from ui.widgets.screen import Orientation
    from ui.window import KioskWindow
    from ui.worker import Runner

    translations = Translations(app)  # type: ignore[arg-type]
    window = KioskWindow(translations, Orientation[orientation.upper()])
    runner = Runner(max_threads=1, parent=window)
    admin_runner = Runner(max_threads=1, parent=window)
    session = session or TenantSession.from_config(kiosk, reader)
    # one printer for both sides: receipts for tenants, reprints and X/Z reports for staff
    admin_service = admin_service or AdminService(
        kiosk, reader, printer=getattr(session, "printer", None)
    )
    tenant = TenantController(window, session, reader, runner)  # type: ignore[arg-type]
    admin = AdminController(window, admin_service, admin_runner)  # type: ignore[arg-type]

    def to_admin(staff: object) -> None:
        tenant.pause()
        admin.begin(staff)  # type: ignore[arg-type]

    tenant.staff_card.connect(to_admin)
    admin.finished.connect(tenant.resume)
    if language != "en":
        window.set_language(Language(language))
    return KioskUi(
        window, translations, runner, admin_runner, tenant, admin, session, admin_service
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prepay-kiosk-ui", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config", help="kiosk.toml (default: $PREPAY_KIOSK_CONFIG or ./kiosk.toml)"
    )
    parser.add_argument("--demo", action="store_true", help="run on the demo building")
    parser.add_argument("--out", default="demo-out", help="the demo's folder (default demo-out)")
    parser.add_argument(
        "--walkthrough",
        action="store_true",
        help="run the scripted demo offscreen, even with a display",
    )
    parser.add_argument("--orientation", choices=("portrait", "landscape"), default="portrait")
    parser.add_argument("--language", choices=("en", "zh_CN"), default="en")
    parser.add_argument("--fullscreen", action="store_true")
    args = parser.parse_args(argv)
    walkthrough = args.demo and (args.walkthrough or not has_display())
    logging.basicConfig(
        level=logging.WARNING if walkthrough else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )

    if walkthrough:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from ui.demo.walkthrough import run_walkthrough

        return run_walkthrough(Path(args.out))

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    if args.demo:
        from kiosk.demo_site import build_demo_site
        from ui.demo.control import DemoControl
        from ui.worker import Runner

        site = build_demo_site(Path(args.out))
        kiosk, reader = site.kiosk, site.reader
    else:
        from kiosk import config as config_mod
        from kiosk.app import build

        kiosk = build(config_mod.load(args.config))
        reader = kiosk.reader()
    ui = build_ui(app, kiosk, reader, orientation=args.orientation, language=args.language)
    sync_worker = None
    if not args.demo:
        from kiosk.app import build_syncer
        from kiosk.sync import SyncWorker

        syncer = build_syncer(kiosk.config, kiosk.db)
        if syncer is not None:  # [sync] url set: the outbox goes to the backend in the background
            sync_worker = SyncWorker(syncer, kiosk.config.sync.interval_s).start()
    window = ui.window
    if args.fullscreen:
        window.showFullScreen()  # type: ignore[attr-defined]
    else:
        window.show()  # type: ignore[attr-defined]
    control = None
    if args.demo:
        control = DemoControl(site, Runner(max_threads=1))
        control.show()
    ui.start()
    try:
        return app.exec()
    finally:
        ui.stop()
        if sync_worker is not None:
            sync_worker.stop()
        if args.demo:
            site.close()
        else:
            kiosk.close()


if __name__ == "__main__":
    raise SystemExit(main())
