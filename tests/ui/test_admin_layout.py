"""Every admin screen fits the kiosk's panel in portrait (1080x1920) and landscape (1920x1080):
no label or button clips its text, in English and in Simplified Chinese, with the content each
screen loads on entering and with its confirmation or result on show; and the on-screen keyboard,
opened on each text field, lies inside the window clear of that field with no key's text clipped.

The Chinese case runs once assets/i18n/prepay_zh_CN.ts exists (as the tenant layout test's does);
the sentences kiosk.admin itself makes (a wrong PIN, a refusal) stay in English there.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from kiosk.admin.messages import say
from tests.ui.test_admin_env import AdminUi, admin_ui
from tests.ui.test_keyboard import geometry_in_window, press, tap_field
from ui.admin.screens.menu import ENTRIES
from ui.admin.text import staff_text
from ui.admin.widgets import text_fields
from ui.i18n import Language, ts_path
from ui.layout_check import clipped_texts
from ui.widgets.screen import Orientation

pytestmark = pytest.mark.gui

LANGUAGES = [
    Language.EN,
    pytest.param(
        Language.ZH_CN,
        marks=pytest.mark.skipif(
            not ts_path(Language.ZH_CN).exists(),
            reason="no assets/i18n/prepay_zh_CN.ts yet (made by lupdate over ui/, then translated)",
        ),
    ),
]


def leading_words(context: str, source: str) -> str:
    """A UI sentence's words before its first placeholder, in the current language."""
    return QCoreApplication.translate(context, source).split("{")[0]


def assert_fits(ui: AdminUi, screen: QWidget, what: str) -> None:
    """Wait for the layout to settle; fail naming every clipped text if it never fits."""
    width, height = ui.window.orientation.size
    ui.qtbot.waitUntil(lambda: (ui.window.width(), ui.window.height()) == (width, height))
    try:
        ui.qtbot.waitUntil(lambda: not clipped_texts(screen), timeout=2_000)
    except AssertionError:
        found = "\n".join(str(c) for c in clipped_texts(screen))
        pytest.fail(f"{what} in {ui.window.orientation.name.lower()} clips:\n{found}")


def assert_keyboard_fits(ui: AdminUi, screen: QWidget, what: str) -> None:
    """Tap each text field of ``screen``: the keyboard is inside the window and clear of the field;
    on the first, no key clips on the letters (with Caps lock, its longest label) or symbols."""
    fields = [f for f in text_fields(screen) if f.isVisible() and not f.isReadOnly()]
    for i, field in enumerate(fields):
        keyboard = tap_field(ui, field)
        where = f"the keyboard on {what} {field.objectName()}"
        assert ui.window.rect().contains(keyboard.geometry()), f"{where} is off the window"
        assert not keyboard.geometry().intersects(geometry_in_window(ui, field)), (
            f"{where} covers its field"
        )
        if i == 0:
            press(ui, keyboard.shift)
            press(ui, keyboard.shift)
            assert_fits(ui, keyboard, f"{where} with caps lock")
            press(ui, keyboard.page_key)
            assert_fits(ui, keyboard, f"{where} on the symbols page")
        press(ui, keyboard.cancel_key)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("orientation", [Orientation.PORTRAIT, Orientation.LANDSCAPE])
def test_every_admin_screen_fits_without_clipped_text(qtbot, qapp, tmp_path, orientation, language):
    with admin_ui(qtbot, qapp, tmp_path, orientation=orientation) as ui:
        if language is not Language.EN:
            ui.window.set_language(language)
            # the screens re-set their texts from the event loop: check the translated ones
            qtbot.waitUntil(lambda: ui.controller.menu.title.text() != "Admin mode")
        try:
            check_every_screen(ui)
        finally:
            if language is not Language.EN:
                ui.window.set_language(Language.EN)


def check_every_screen(ui: AdminUi) -> None:
    """Sign in, open every screen, then the results and questions that add most text."""
    ui.begin()
    ui.enter_pin("135790")  # the PIN screen with its longest sentence on show
    # the wrong-PIN sentence, in the language on show (it was English on Chinese screens once)
    assert ui.controller.pin.status.text() == staff_text(say("wrong_pin", n=4))
    assert_fits(ui, ui.controller.pin, "admin.pin")
    ui.enter_pin("246810")
    ui.on("admin.menu")
    assert_fits(ui, ui.controller.menu, "admin.menu")
    for key, _action in ENTRIES:
        screen = ui.open(key)
        assert_fits(ui, screen, f"admin.{key}")
        assert_keyboard_fits(ui, screen, f"admin.{key}")
        ui.back()
    # results and questions on show
    read = ui.open("read_card")
    ui.tap_card("elec_1507")
    ui.click(read.read)
    ui.settle()
    assert_fits(ui, read, "admin.read_card with a report")
    ui.back()
    cash = ui.open("cash")
    ui.keypad(cash.keypad, "100")
    ui.click(cash.top_up)
    assert_fits(ui, cash, "admin.cash asking to confirm")
    ui.click(cash.confirm.no)
    ui.back()
    replace = ui.open("replace")
    ui.keypad(replace.keypad, "5001")
    ui.click(replace.find_button)
    ui.settle()
    ui.settle()
    assert leading_words("ReplaceScreen", "The new card will carry {value}.") in (
        replace.preview_text.text()
    )
    ui.click(replace.replace_button)
    assert_fits(ui, replace, "admin.replace with a preview and a question")
    ui.back()
    day_end = ui.open("day_end")
    ui.click(day_end.z_report)
    assert_fits(ui, day_end, "admin.day_end asking to confirm")


def test_a_screen_turned_round_still_fits(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("issue")
        assert_fits(ui, screen, "admin.issue")
        keyboard = tap_field(ui, screen.tenant_name)
        ui.window.set_orientation(Orientation.LANDSCAPE)
        assert_fits(ui, screen, "admin.issue turned to landscape")
        assert_fits(ui, keyboard, "the keyboard turned to landscape")  # open, and placed again
        assert ui.window.rect().contains(keyboard.geometry())
        assert not keyboard.geometry().intersects(geometry_in_window(ui, screen.tenant_name))
        press(ui, keyboard.done_key)
        ui.back()
        assert_fits(ui, ui.controller.menu, "admin.menu turned to landscape")
