"""The harness the tenant-screen tests share (no tests of its own here).

A real demo building (SQLite, personalised emulated cards on the one emulated reader, the payment
simulator in process, virtual card meters), a real TenantSession on it with injected clocks, a real
KioskWindow offscreen and a TenantController with its CardMonitor. The test's hand puts cards on
the reader and clicks real buttons; it waits for the controller to have answered (never sleeps).
The window's own one-second timer is stopped: the test emits the tick itself, and timeouts are
reached by moving the session's clocks.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from kiosk.demo_site import DemoSite, build_demo_site
from kiosk.session.tenant import TenantSession
from kiosk.session.views import Screen, View
from tests.unit.test_session_env import Monotonic, WallClock
from ui.i18n import Translations
from ui.tenant.controller import TenantController
from ui.tenant.screens import TenantScreen, window_key
from ui.widgets.qr import QrCode
from ui.widgets.screen import Orientation
from ui.window import KioskWindow

IDLE_S = 60.0
AWAY_S = 45.0


@dataclass
class TenantUi:
    qtbot: object
    site: DemoSite
    session: TenantSession
    window: KioskWindow
    controller: TenantController
    wall: WallClock
    mono: Monotonic
    #: every view the controller handled, in order
    views: list[View] = field(default_factory=list)

    # -- waiting for the controller (the session runs on its worker thread) --------------------

    def settle(self) -> View:
        """Wait until every session call asked for has been answered and shown."""
        self.qtbot.waitUntil(lambda: not self.controller.busy)  # type: ignore[attr-defined]
        view = self.controller.view
        assert view is not None
        return view

    @property
    def shown(self) -> str | None:
        return self.window.current_key

    def screen(self, screen: Screen) -> TenantScreen:
        return self.controller.screen(screen)

    # -- the tenant's hands ----------------------------------------------------------------------

    def tap(self, name: str) -> View:
        """Put card ``name`` on the reader (taking off what was there) and wait for the answer."""
        if self.site.reader.card is not None:
            self.remove()
        with self.qtbot.waitSignal(self.controller.card_arrived):  # type: ignore[attr-defined]
            self.site.tap(name)
        return self.settle()

    def put_back(self, name: str) -> View:
        """Put card ``name`` back after it was pulled (a torn write left the reader empty)."""
        with self.qtbot.waitSignal(self.controller.card_arrived):  # type: ignore[attr-defined]
            self.site.reader.insert(self.site.cards[name].card)
        return self.settle()

    def remove(self) -> View:
        with self.qtbot.waitSignal(self.controller.card_left):  # type: ignore[attr-defined]
            self.site.remove()
        return self.settle()

    def click(self, widget: QWidget) -> View:
        assert widget.isVisible(), f"{widget.objectName()} is not on screen"
        assert widget.isEnabled(), f"{widget.objectName()} is disabled"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
        return self.settle()

    def tick(self) -> View:
        """One second passes (the window's tick), and the answer is shown."""
        self.settle()
        self.window.tick.emit()
        return self.settle()

    def screens_seen(self) -> list[Screen]:
        return [v.screen for v in self.views]


@contextmanager
def tenant_ui(qtbot, qapp, folder: Path, orientation=Orientation.PORTRAIT) -> Iterator[TenantUi]:
    site = build_demo_site(folder)
    wall, mono = WallClock(), Monotonic()
    session = TenantSession(
        site.kiosk,
        site.reader,
        clock=wall,
        monotonic=mono,
        idle_timeout=IDLE_S,
        card_away_timeout=AWAY_S,
        poll_interval=0.0,  # every tick asks the provider: the test decides when a tick comes
    )
    window = KioskWindow(Translations(qapp), orientation)
    window.stop_tick()
    qtbot.addWidget(window)
    window.show()
    controller = TenantController(window, session, site.reader)
    ui = TenantUi(qtbot, site, session, window, controller, wall, mono)
    controller.view_shown.connect(ui.views.append)
    try:
        with qtbot.waitSignal(controller.view_shown):
            controller.start()
        assert ui.shown == window_key(Screen.ATTRACT)
        yield ui
    finally:
        controller.stop()
        session.close()
        site.close()


def qr_png(widget: QrCode) -> bytes:
    """What the QR widget shows on screen, as PNG bytes (a grab of the real widget)."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert widget.grab().save(buffer, "PNG")
    return bytes(buffer.data())


def zbar(png: bytes) -> str:
    """The text zbarimg reads from ``png`` (Debian zbar-tools)."""
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.fail("zbarimg not found: install the Debian package zbar-tools")
    done = subprocess.run(
        [zbarimg, "--raw", "-q", "--nodbus", "-Sbinary", "-"],
        input=png,
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 0, f"zbarimg found no code: {done.stderr!r}"
    return done.stdout.decode("utf-8")


def colours(widget: QWidget) -> set[int]:
    """Every RGB colour in a grab of ``widget`` (a sharp code has black and white only)."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = memoryview(bytes(image.constBits())).cast("I")
    return {p & 0xFFFFFF for p in set(pixels)}
