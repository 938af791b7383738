"""`make demo` with no display: the kiosk runs offscreen and a script plays the people.

A tenant taps a meter card, tops up 50.00, pays by "scanning" the QR code (the payment simulator is
told to pay, as a phone would), keeps the card on the reader while the credit is written, takes the
receipt; inserts the card into the virtual card meter, which loads the purchase, runs six hours and
writes its state back; taps again and sees the meter's state. A second top-up has its card pulled
mid-write and put back. A blank card is refused; the screens are shown in Chinese and in
landscape. Then staff sign in with the staff card and PIN and issue a new card.

Every step is printed; every screen is saved as a PNG under ``<out>/screens/`` the first time it
appears (and again where a step says so). Real widgets are clicked: the same path a finger takes.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.demo_site import STAFF_PIN, build_demo_site
from kiosk.session.tenant import TenantSession
from kiosk.session.views import Screen, StaffCardView, View
from ui.app import build_ui
from ui.i18n import Language
from ui.layout_check import clipped_texts
from ui.widgets.screen import Orientation

WAIT_S = 30.0


class WalkthroughError(RuntimeError):
    """A step did not reach the screen it expected; the message says which."""


class Walkthrough:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.shots = out / "screens"
        self.n = 0
        self.saved: list[Path] = []
        self.problems: list[str] = []
        self.app = QApplication.instance() or QApplication([sys.argv[0]])
        self.site = build_demo_site(out / "site")
        self.session = TenantSession(self.site.kiosk, self.site.reader, poll_interval=0.5)
        self.ui = build_ui(self.app, self.site.kiosk, self.site.reader, session=self.session)
        self.window = self.ui.window
        self.tenant = self.ui.tenant
        self.admin = self.ui.admin
        self.views: list[View] = []
        self.tenant.view_shown.connect(self._shown)  # type: ignore[attr-defined]
        self.window.show()  # type: ignore[attr-defined]

    # -- printing, waiting, clicking, screenshots -------------------------------------------------

    def step(self, text: str) -> None:
        self.n += 1
        print(f"[{self.n:2d}] {text}", flush=True)

    def wait(self, done: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
        """Run the event loop until ``done()`` (checked every 20 ms), or fail saying ``what``."""
        deadline = time.monotonic() + timeout
        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(20)
        timer.timeout.connect(lambda: (done() or time.monotonic() > deadline) and loop.quit())
        timer.start()
        if not done():
            loop.exec()
        timer.stop()
        if not done():
            raise WalkthroughError(
                f"waited {timeout:g} s for {what}; the screen is {self.window.current_key}"
            )  # type: ignore[attr-defined]

    def on_screen(self, key: str) -> None:
        self.wait(lambda: self.window.current_key == key, key)  # type: ignore[attr-defined]
        self.wait(lambda: not self.tenant.busy, "the kiosk to finish")  # type: ignore[attr-defined]

    def click(self, widget: QWidget) -> None:
        if not (widget.isVisible() and widget.isEnabled()):
            raise WalkthroughError(f"{widget.objectName()} cannot be tapped now")
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)

    def shot(self, name: str) -> Path:
        """Save what the window shows now, and note any text that does not fit."""
        self.app.processEvents()  # let a just-switched screen paint once before grabbing it
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{len(self.saved) + 1:02d}-{name}.png"
        self.window.grab().save(str(path))  # type: ignore[attr-defined]
        self.saved.append(path)
        current = self.window.stack.currentWidget()  # type: ignore[attr-defined]
        for clipped in clipped_texts(current):
            self.problems.append(f"{path.name}: {clipped}")
        return path

    def _shown(self, view: View) -> None:
        self.views.append(view)
        if view.screen is Screen.WRITING and not any("writing" in p.name for p in self.saved):
            # the write takes milliseconds: grab the screen now, before its answer arrives
            self.shot("writing")

    def remove_card(self) -> None:
        """Take the card off the reader, and wait until the kiosk has seen it go (a hand is
        slower than the reader's 50 ms poll; a script is not)."""
        if self.site.reader.card is None:
            return
        left: list[bool] = []
        self.tenant.card_left.connect(lambda: left.append(True))  # type: ignore[attr-defined]
        self.site.remove()
        self.wait(lambda: bool(left), "the kiosk to see the card leave")

    # -- the story ---------------------------------------------------------------------------------

    def run(self) -> int:
        site = self.site
        self.ui.start()
        self.on_screen("tenant.attract")
        self.step("The kiosk waits: 'Tap or insert your card'")
        self.shot("attract")

        site.tap("elec_1203")
        self.on_screen("tenant.account")
        self.step("Lumen Studio taps its electricity card: account, tariff, no meter report yet")
        self.shot("account")

        account = self.tenant.screen(Screen.ACCOUNT)  # type: ignore[attr-defined]
        self.click(account.top_up_button)
        self.on_screen("tenant.amount")
        amount = self.tenant.screen(Screen.AMOUNT)  # type: ignore[attr-defined]
        self.click(amount.preset_buttons[1])
        self.wait(lambda: amount.pay_button.isEnabled(), "the preview")
        self.step(f"Top up, preset {amount.preset_buttons[1].text()}: {amount.preview.text()}")
        self.shot("amount")

        self.click(amount.pay_button)
        self.on_screen("tenant.paying")
        self.step("Pay: the QR code, the amount and the countdown")
        self.shot("paying")

        ref = site.pay_pending()
        self.step(f"A phone scans the code and pays order {ref} (payment simulator)")
        self.on_screen("tenant.done")
        self.step("Paid: 'keep your card on the reader' while the credit is written; the receipt")
        self.shot("done")

        done = self.tenant.screen(Screen.DONE)  # type: ignore[attr-defined]
        self.remove_card()
        self.click(done.ok_button)
        self.on_screen("tenant.attract")
        loaded = site.insert_into_meter("elec_1203")
        self.step(f"The tenant inserts the card into card meter 42: {loaded.message}")
        site.let_time_pass(6)
        site.insert_into_meter("elec_1203")
        self.step(
            "Six hours at 1.5 kW later the card goes into the meter again: it writes its "
            "state (reading, credit, relay) onto the card"
        )
        site.tap("elec_1203")
        self.on_screen("tenant.account")
        self.step(
            "Back at the kiosk the card shows what the meter wrote: reading, credit left, "
            "supply on, and a forecast"
        )
        self.shot("account-meter-state")

        self.click(account.top_up_button)
        self.on_screen("tenant.amount")
        self.click(amount.preset_buttons[0])
        self.wait(lambda: amount.pay_button.isEnabled(), "the preview")
        self.click(amount.pay_button)
        self.on_screen("tenant.paying")
        self.remove_card()
        self.step("A second top-up: the tenant takes the card away before paying")
        site.pay_pending()
        self.on_screen("tenant.card_away")
        self.step("Paid with no card on the reader: 'put your card back'")
        self.shot("card-away")
        site.tap("elec_1203")
        self.on_screen("tenant.done")
        self.step("The card is back: the credit is written, once")
        self.remove_card()
        self.click(done.ok_button)
        self.on_screen("tenant.attract")

        site.tap("blank")
        self.on_screen("tenant.message")
        self.step("A card nobody issued is refused with a sentence, not an error code")
        self.shot("message")
        self.remove_card()
        message = self.tenant.screen(Screen.MESSAGE)  # type: ignore[attr-defined]
        if message.ok_button.isVisible():
            self.click(message.ok_button)
        self.on_screen("tenant.attract")

        self.window.set_language(Language.ZH_CN)  # type: ignore[attr-defined]
        self.step("简体中文: the same screens in Chinese")
        self.shot("attract-zh")
        site.tap("wallet")
        self.on_screen("tenant.account")
        self.shot("account-zh")
        self.window.set_orientation(Orientation.LANDSCAPE)  # type: ignore[attr-defined]
        self.step("Landscape, 1920×1080")
        self.shot("account-zh-landscape")
        self.window.set_language(Language.EN)  # type: ignore[attr-defined]
        self.shot("account-landscape")
        self.window.set_orientation(Orientation.PORTRAIT)  # type: ignore[attr-defined]
        self.remove_card()
        self.on_screen("tenant.attract")

        self.admin_issue()
        print(f"\nScreens saved in {self.shots}:")
        for path in self.saved:
            print(f"    {path.name}")
        if self.problems:
            print("\nText that does not fit its space:")
            for problem in self.problems:
                print(f"    {problem}")
        return 0

    def admin_issue(self) -> None:
        site = self.site
        handed: list[StaffCardView] = []
        self.tenant.staff_card.connect(handed.append)  # type: ignore[attr-defined]
        site.tap("staff")
        self.wait(lambda: self.window.current_key == "admin.pin", "the PIN screen")  # type: ignore[attr-defined]
        self.step(f"Staff tap the staff card: admin mode asks for the PIN ({STAFF_PIN} here)")
        pin = self.admin.pin  # type: ignore[attr-defined]
        for digit in STAFF_PIN:
            self.click(pin.keypad.buttons[digit])
        self.shot("admin-pin")
        self.click(pin.ok)
        self.wait(lambda: self.window.current_key == "admin.menu", "the admin menu")  # type: ignore[attr-defined]
        self.step("Signed in (argon2id PIN, audited): the manager's menu")
        self.shot("admin-menu")

        menu = self.admin.menu  # type: ignore[attr-defined]
        self.click(menu.buttons["issue"])
        self.wait(lambda: self.window.current_key == "admin.issue", "the issue screen")  # type: ignore[attr-defined]
        issue = self.admin.functions["issue"]  # type: ignore[attr-defined]
        self.click(issue.wallet_role)
        issue.tenant_id.setFocus()
        for digit in "3001":
            self.click(issue.keypad.buttons[digit])
        QTest.keyClicks(issue.tenant_name, "Nova Labs")
        QTest.keyClicks(issue.unit, "20-01")
        issue.serial.setFocus()
        self.click(issue.serial)
        for digit in "7001":
            self.click(issue.keypad.buttons[digit])
        self.remove_card()
        site.tap("blank")
        self.click(issue.issue)
        self.wait(lambda: issue.result.text().startswith("Issued"), "the card to be issued")
        self.step(f"Issue a wallet card for Nova Labs onto the blank card: {issue.result.text()}")
        self.shot("admin-issue")

        self.click(issue.back_button)
        self.wait(lambda: self.window.current_key == "admin.menu", "the admin menu")  # type: ignore[attr-defined]
        self.click(menu.buttons["read_card"])
        self.wait(lambda: self.window.current_key == "admin.read_card", "the card report")  # type: ignore[attr-defined]
        self.wait(lambda: not self.admin.calls.busy, "the card to be read")  # type: ignore[attr-defined]
        self.step("Read the new card in full: decoded records and raw memory, keys never shown")
        self.shot("admin-read-card")
        self.click(self.admin.functions["read_card"].back_button)  # type: ignore[attr-defined]
        self.wait(lambda: self.window.current_key == "admin.menu", "the admin menu")  # type: ignore[attr-defined]
        self.click(menu.logout_button)
        self.remove_card()
        self.wait(lambda: self.window.current_key == "tenant.attract", "the attract screen")  # type: ignore[attr-defined]
        self.step("Log out: the kiosk is the tenant's again")

    def close(self) -> None:
        self.ui.stop()
        self.site.close()


def run_walkthrough(out: Path) -> int:
    """The scripted demo (offscreen when there is no display); 0 when every step reached its
    screen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if (out / "screens").exists():
        shutil.rmtree(out / "screens")
    print(
        f"Prepay Kiosk demo walk-through (no display: the screens are drawn offscreen).\n"
        f"Everything runs for real on {out}: SQLite, emulated cards on an emulated reader, "
        "the payment simulator, virtual card meters.\n",
        flush=True,
    )
    walk = Walkthrough(out)
    try:
        return walk.run()
    except WalkthroughError as exc:
        print(f"\nThe walk-through stopped: {exc}", file=sys.stderr)
        walk.shot("stopped")
        return 1
    finally:
        walk.close()
