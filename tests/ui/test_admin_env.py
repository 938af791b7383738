"""Admin mode on the touchscreen, for tests: the demo building (kiosk.demo_site) with a real
AdminService over its kiosk and emulated reader, a real KioskWindow, Runner and AdminController.
Widgets are driven as a person would (clicks on visible, enabled buttons; typing); the other
test_admin_* modules import :func:`admin_ui` from here. Its own test checks the rig itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QListWidget, QWidget
from sqlalchemy import select

from cardlib.emulator import store
from cardlib.purse.header import Role
from cardlib.service import CardState
from kiosk.admin import AdminService, StaffAuth
from kiosk.app import Kiosk
from kiosk.db.models import AuditEntry, Staff
from kiosk.demo_site import SITE_ID, STAFF_ID, STAFF_PIN, DemoCard, DemoSite, build_demo_site
from kiosk.session.views import StaffCardView
from kiosk.topup.states import OrderState
from ui.admin import AdminController
from ui.admin.screens.base import AdminScreen
from ui.i18n import Translations
from ui.widgets.screen import Orientation
from ui.window import KioskWindow
from ui.worker import Runner

pytestmark = pytest.mark.gui

#: argon2id at a low cost: the same algorithm and code path, a suite that stays quick
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
OPERATOR_ID = 9002
OPERATOR_PIN = "739514"


def set_pin(kiosk: Kiosk, staff_id: int, pin: str) -> None:
    """kiosk.admin's PIN setter in the shape build_demo_site takes."""
    StaffAuth(kiosk.db, hasher=FAST_HASHER).set_pin(staff_id, pin, actor="demo")


class Clock:
    """The admin service's clock: real time, moved forward by hand where a test needs it."""

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, **kw: float) -> None:
        self.offset += dt.timedelta(**kw)


@dataclass
class AdminUi:
    qtbot: Any
    site: DemoSite
    admin: AdminService
    window: KioskWindow
    runner: Runner
    controller: AdminController
    clock: Clock

    # -- what a person does --------------------------------------------------------------------

    def click(self, widget: QAbstractButton) -> None:
        """Tap a button the way a finger does: only a visible, enabled one."""
        assert widget.isVisible(), f"{widget.objectName()} is not on screen"
        assert widget.isEnabled(), f"{widget.objectName()} is disabled"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def type(self, widget: QWidget, text: str) -> None:
        assert widget.isVisible(), f"{widget.objectName()} is not on screen"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)  # the field becomes the target
        self.qtbot.keyClicks(widget, text)

    def pick(self, widget: QListWidget, contains: str) -> None:
        """Tap the row of a list that shows ``contains``."""
        self.qtbot.waitUntil(
            lambda: any(contains in widget.item(i).text() for i in range(widget.count()))
        )
        row = next(i for i in range(widget.count()) if contains in widget.item(i).text())
        item = widget.item(row)
        widget.scrollToItem(item)
        rect = widget.visualItemRect(item)
        self.qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert widget.currentItem() is item

    def keypad(self, pad: Any, digits: str) -> None:
        for d in digits:
            self.click(pad.buttons[d])

    def tap_card(self, name: str) -> None:
        self.site.tap(name)

    # -- waiting -------------------------------------------------------------------------------

    def settle(self) -> None:
        """Wait until the service calls the screens made have answered."""
        self.qtbot.waitUntil(lambda: not self.controller.calls.busy, timeout=20_000)

    def on(self, key: str) -> None:
        self.qtbot.waitUntil(lambda: self.window.current_key == key)

    # -- flows ---------------------------------------------------------------------------------

    def begin(self, card: str = "staff") -> None:
        """The staff card is tapped: the tenant side hands over (as its controller would)."""
        self.tap_card(card)
        with self.site.reader.connect() as conn:
            state: CardState = self.site.kiosk.cards.read(conn)
        with self.site.kiosk.db.session() as s:
            staff = s.get(Staff, state.header.tenant_id)
            name = staff.name if staff else ""
        view = StaffCardView(
            state.header.card_serial, state.uid.hex().upper(), state.header.tenant_id, name
        )
        with self.qtbot.waitSignal(self.controller.screen_shown) as shown:
            self.controller.begin(view)
        assert shown.args == ["admin.pin"]

    def enter_pin(self, pin: str) -> None:
        pin_screen = self.controller.pin
        self.keypad(pin_screen.keypad, pin)
        self.click(pin_screen.ok)
        self.settle()

    def sign_in(self, card: str = "staff", pin: str = STAFF_PIN) -> None:
        self.begin(card)
        self.enter_pin(pin)
        self.on("admin.menu")

    def open(self, key: str) -> Any:
        """Tap the menu button of ``key``; the screen once what it loads on entering is shown."""
        with self.qtbot.waitSignal(self.controller.screen_shown) as shown:
            self.click(self.controller.menu.buttons[key])
        assert shown.args == [f"admin.{key}"]
        self.settle()
        return self.controller.functions[key]

    def back(self) -> None:
        screen = self.window.stack.currentWidget()
        assert isinstance(screen, AdminScreen) and screen.back_button is not None
        self.click(screen.back_button)
        self.on("admin.menu")

    def audit(self, action: str | None = None) -> list[AuditEntry]:
        with self.site.kiosk.db.session() as s:
            query = select(AuditEntry).order_by(AuditEntry.id)
            if action is not None:
                query = query.where(AuditEntry.action == action)
            return list(s.scalars(query))

    def paid_order(self, card: str, amount: int, *, deliver: bool) -> int:
        """A tenant top-up paid by phone through the simulator; delivered onto the card, or left
        paid with its credit not on the card (the tenant walked off); the order id."""
        topup = self.site.kiosk.topup
        self.tap_card(card)
        conn = self.site.reader.connect()
        try:
            tap = topup.tap(conn)
            items, quoted = topup.items_for(tap, amount)
            order = topup.choose(tap, items, quoted=quoted)
            order = topup.request_payment(order.id)
            assert self.site.pay_pending() == order.out_trade_no
            assert topup.check_payment(order.id).state is OrderState.PAID
            if deliver:
                assert topup.deliver(order.id, tap.purse).state is OrderState.DONE
            else:
                assert topup.abandon(order.id).state is OrderState.CREDIT_PENDING
        finally:
            conn.disconnect()
        self.site.remove()
        return order.id


def _staff_card(
    site: DemoSite, admin: AdminService, staff_id: int, serial: int, n: int
) -> DemoCard:
    """A staff card issued by kiosk.admin's own issuer onto a fresh emulated card."""
    card = store.new_card("classic1k", uid=bytes([0x5A, n, 0, 1]))
    site.reader.remove()
    site.reader.insert(card)
    with site.reader.connect() as conn:
        admin.issuer.issue_staff(conn, staff_id, serial, actor="test")
    site.reader.remove()
    return DemoCard(f"staff_{staff_id}", f"Staff card {staff_id}", card, Role.STAFF)


def _fix_demo_staff_card(site: DemoSite, admin: AdminService) -> None:
    """kiosk/demo_site.py personalises its staff card with staff id 0 in the header
    (``Issue(Role.STAFF, 9001, 0, ...)``), which kiosk.admin.auth refuses as a card that does not
    match its record. Until that is fixed there, the demo card is blocked and the demo staff
    member gets a card issued by kiosk.admin; once fixed, this does nothing."""
    site.tap("staff")
    with site.reader.connect() as conn:
        state = site.kiosk.cards.read(conn)
    site.remove()
    if state.header.tenant_id == STAFF_ID:
        return
    admin.issuer.block(state.uid.hex(), "demo card names no staff", "test")
    site.cards["staff"] = _staff_card(site, admin, STAFF_ID, 9101, 1)


def add_operator(ui_site: DemoSite, admin: AdminService) -> None:
    """An operator with a PIN and a staff card ("operator" in site.cards)."""
    with ui_site.kiosk.db.session() as s:
        s.add(Staff(id=OPERATOR_ID, site_id=SITE_ID, name="Olga Operator", role="operator"))
    admin.auth.set_pin(OPERATOR_ID, OPERATOR_PIN, actor="test")
    ui_site.cards["operator"] = _staff_card(ui_site, admin, OPERATOR_ID, 9102, 2)


@contextmanager
def admin_ui(
    qtbot: Any,
    qapp: Any,
    tmp_path: Path,
    *,
    idle_timeout_s: int = 120,
    orientation: Orientation = Orientation.PORTRAIT,
) -> Iterator[AdminUi]:
    site = build_demo_site(tmp_path / "demo", set_pin=set_pin)
    clock = Clock()
    admin = AdminService(site.kiosk, site.reader, clock=clock, hasher=FAST_HASHER)
    _fix_demo_staff_card(site, admin)
    window = KioskWindow(Translations(qapp), orientation)
    window.stop_tick()  # the tests emit the ticks they need: idle timeouts without waiting
    qtbot.addWidget(window)
    runner = Runner(max_threads=1)
    controller = AdminController(window, admin, runner, idle_timeout_s=idle_timeout_s)
    window.show()
    qtbot.waitExposed(window)
    try:
        yield AdminUi(qtbot, site, admin, window, runner, controller, clock)
    finally:
        runner.wait_idle()
        qtbot.waitUntil(lambda: not runner.busy)
        window.close()
        site.close()


def test_the_rig_signs_the_demo_manager_in_with_the_demo_pin(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        assert ui.controller.session is not None
        assert ui.controller.session.staff_id == STAFF_ID
        assert "Demo Manager" in ui.controller.menu.who.text()
        assert [e.actor for e in ui.audit("login_ok")] == [f"staff:{STAFF_ID}"]
