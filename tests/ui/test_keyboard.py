"""The on-screen keyboard in admin mode: a tap on a text field opens it bound to that field, its
keys (tapped as a finger does) type into the field and the service gets what was typed; Shift and
Caps lock, Backspace and the cursor keys, the symbols page, Enter in the tariff JSON, Cancel giving
the field its text back, read-only views opening nothing, keys of touch-target size. That it fits
every admin screen without clipped text is checked with the screens (test_admin_layout)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QPushButton, QWidget

from kiosk.db.models import Tenant
from tests.ui.test_admin_env import AdminUi, admin_ui
from ui.theme import touch_px
from ui.widgets.keyboard import (
    BOTTOM_ROW,
    COLUMNS,
    DIGITS_ROW,
    LETTER_ROWS,
    SYMBOL_ROWS,
    Keyboard,
    KeyboardDock,
    Page,
    Shift,
)
from ui.widgets.screen import Orientation

pytestmark = pytest.mark.gui

#: the symbols the brief names, all on the symbols page
SYMBOLS = ".,-_@/:;'\"(){}[]#&+=?!"


def dock(ui: AdminUi) -> KeyboardDock:
    return ui.controller.keyboard


def tap_field(ui: AdminUi, field: QLineEdit | QPlainTextEdit) -> Keyboard:
    """Tap a text field as a finger does; the keyboard it opens, bound to it."""
    assert field.isVisible(), f"{field.objectName()} is not on screen"
    target = field.viewport() if isinstance(field, QPlainTextEdit) else field
    ui.qtbot.mouseClick(target, Qt.MouseButton.LeftButton)
    keyboard = dock(ui).keyboard
    assert keyboard.isVisible() and dock(ui).field is field
    return keyboard


def press(ui: AdminUi, key: QPushButton) -> None:
    ui.click(key)  # visible and enabled, or it fails


def key_for(ui: AdminUi, keyboard: Keyboard, ch: str) -> QPushButton:
    """The key that types ``ch`` (its letter in lower case), turning to the other page first when
    the page on show has none, as a person would."""
    if ch.isdigit():
        return keyboard.digits[ch]
    if ch == " ":
        return keyboard.space
    shown = keyboard.letters if keyboard.page is Page.LETTERS else keyboard.symbols
    if ch.lower() not in shown:
        press(ui, keyboard.page_key)
        shown = keyboard.letters if keyboard.page is Page.LETTERS else keyboard.symbols
    return shown[ch.lower()]


def type_keys(ui: AdminUi, keyboard: Keyboard, text: str) -> None:
    """Type ``text`` by tapping keys: Shift before each capital, the page key for symbols."""
    for ch in text:
        key = key_for(ui, keyboard, ch)
        if ch.isalpha() and ch.isupper() and keyboard.shift_state is Shift.OFF:
            press(ui, keyboard.shift)
        press(ui, key)


def geometry_in_window(ui: AdminUi, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(ui.window, widget.rect().topLeft()), widget.size())


def test_every_row_is_as_wide_as_the_grid_and_the_symbols_page_has_every_symbol():
    for row in (DIGITS_ROW, *LETTER_ROWS, *SYMBOL_ROWS, BOTTOM_ROW):
        assert sum(width for _key, width in row) == COLUMNS, row
    on_symbols = {key for row in SYMBOL_ROWS for key, _width in row}
    assert set(SYMBOLS) <= on_symbols


def test_a_tenant_name_typed_on_the_keyboard_is_the_new_tenants_name(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("issue")
        ui.click(screen.wallet_role)
        ui.keypad(screen.keypad, "3001")  # the tenant number is the keypad's first field
        keyboard = tap_field(ui, screen.tenant_name)
        type_keys(ui, keyboard, "Ada O'Brien-Ng & Co.")
        assert screen.tenant_name.text() == "Ada O'Brien-Ng & Co."
        press(ui, keyboard.done_key)
        assert not keyboard.isVisible() and dock(ui).field is None
        keyboard = tap_field(ui, screen.unit)
        assert keyboard.page is Page.LETTERS  # each field starts on the letters
        type_keys(ui, keyboard, "20-01")
        press(ui, keyboard.enter)  # Enter in a one-line field is Done
        assert not keyboard.isVisible()
        assert (screen.tenant_name.text(), screen.unit.text()) == ("Ada O'Brien-Ng & Co.", "20-01")
        ui.type(screen.serial, "")  # the number fields are on the keypad again
        ui.keypad(screen.keypad, "7001")
        ui.tap_card("blank")
        ui.click(screen.issue)
        ui.settle()
        assert screen.result.text().startswith("Issued: wallet card, serial 7001")
        with ui.site.kiosk.db.session() as s:
            tenant = s.get(Tenant, 3001)
            assert tenant is not None
            assert (tenant.name, tenant.unit) == ("Ada O'Brien-Ng & Co.", "20-01")
        # and the card, found again on the replace screen, shows whose it is
        ui.back()
        replace = ui.open("replace")
        ui.keypad(replace.keypad, "7001")
        ui.click(replace.find_button)
        ui.settle()
        assert "3001 Ada O'Brien-Ng & Co." in replace.cards.item(0).text()


def test_shift_gives_one_capital_and_caps_lock_keeps_them(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("cash")
        keyboard = tap_field(ui, screen.note)
        assert keyboard.letters["a"].text() == "a" and keyboard.shift.text() == "Shift"
        press(ui, keyboard.shift)
        assert keyboard.letters["a"].text() == "A"  # the keys show what they type
        for ch in "ab":
            press(ui, keyboard.letters[ch])
        assert screen.note.text() == "Ab"
        press(ui, keyboard.shift)
        press(ui, keyboard.shift)  # twice: caps lock
        assert keyboard.shift_state is Shift.LOCKED and keyboard.shift.text() == "Caps lock"
        for ch in "cd":
            press(ui, keyboard.letters[ch])
        press(ui, keyboard.digits["7"])
        press(ui, keyboard.shift)  # and off again
        press(ui, keyboard.letters["e"])
        assert screen.note.text() == "AbCD7e"
        assert keyboard.letters["e"].text() == "e" and keyboard.shift.text() == "Shift"


def test_backspace_and_the_cursor_keys_correct_a_typo(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("refund")
        keyboard = tap_field(ui, screen.reason)
        type_keys(ui, keyboard, "tenat lfet")
        press(ui, keyboard.backspace)
        press(ui, keyboard.backspace)
        press(ui, keyboard.backspace)
        type_keys(ui, keyboard, "eft")
        assert screen.reason.text() == "tenat left"
        for _ in range(5):
            press(ui, keyboard.left)
        press(ui, keyboard.backspace)
        type_keys(ui, keyboard, "nt")
        for _ in range(5):
            press(ui, keyboard.right)
        type_keys(ui, keyboard, ".")
        assert screen.reason.text() == "tenant left."
        assert screen.reason.hasFocus()  # the keys never take the focus from the field


def test_the_symbols_page_types_every_symbol_and_goes_back_to_letters(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("refund")
        keyboard = tap_field(ui, screen.reason)
        assert keyboard.page_key.text() == "Symbols" and not keyboard.symbols["{"].isVisible()
        press(ui, keyboard.page_key)
        assert keyboard.page is Page.SYMBOLS and keyboard.page_key.text() == "Letters"
        assert not keyboard.letters["q"].isVisible() and not keyboard.shift.isVisible()
        for ch in SYMBOLS:
            press(ui, keyboard.symbols[ch])
        press(ui, keyboard.space)
        press(ui, keyboard.digits["0"])
        assert screen.reason.text() == SYMBOLS + " 0"
        press(ui, keyboard.page_key)
        press(ui, keyboard.letters["q"])
        assert screen.reason.text().endswith("0q")


def test_cancel_gives_the_field_back_its_text(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("cash")
        keyboard = tap_field(ui, screen.note)
        type_keys(ui, keyboard, "desk")
        press(ui, keyboard.done_key)
        keyboard = tap_field(ui, screen.note)
        for _ in range(4):
            press(ui, keyboard.backspace)
        type_keys(ui, keyboard, "wrong")
        assert screen.note.text() == "wrong"
        with qtbot.waitSignal(dock(ui).closed) as closed:
            press(ui, keyboard.cancel_key)
        assert closed.args == [screen.note, False]
        assert screen.note.text() == "desk" and not keyboard.isVisible()


def test_another_field_or_screen_keeps_what_was_typed(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("issue")
        keyboard = tap_field(ui, screen.tenant_name)
        type_keys(ui, keyboard, "Kai")
        keyboard = tap_field(ui, screen.unit)  # the keyboard moves to the field tapped
        type_keys(ui, keyboard, "3")
        assert (screen.tenant_name.text(), screen.unit.text()) == ("Kai", "3")
        ui.type(screen.serial, "")  # a number field: the keypad's, the keyboard closes
        assert not keyboard.isVisible()
        tap_field(ui, screen.tariff)
        ui.back()  # another screen: the keyboard goes
        assert not keyboard.isVisible() and dock(ui).field is None
        assert screen.tenant_name.text() == "Kai"


def test_tariff_json_is_edited_on_the_keyboard_and_published(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("tariffs")
        ui.pick(screen.versions, "ELEC v1")
        ui.settle()
        editor = screen.editor
        original = editor.toPlainText()
        keyboard = tap_field(ui, editor)
        assert not geometry_in_window(ui, editor).intersects(keyboard.geometry())

        def tap_after(text: str) -> None:
            """Tap the editor just after ``text`` (the first place it is), as a finger would."""
            cursor = QTextCursor(editor.document())
            cursor.setPosition(editor.toPlainText().index(text) + len(text))
            spot = editor.cursorRect(cursor).center()
            qtbot.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton, pos=spot)
            assert editor.textCursor().position() == cursor.position()

        tap_after('"version": 1')
        press(ui, keyboard.backspace)
        type_keys(ui, keyboard, "2")
        press(ui, keyboard.enter)  # a new line: JSON does not mind
        tap_after('"price": "86')
        press(ui, keyboard.backspace)
        press(ui, keyboard.backspace)
        type_keys(ui, keyboard, "92")
        edited = json.loads(editor.toPlainText())
        assert (edited["version"], edited["rate"]["price"]) == (2, "92")
        assert '"version": 2\n' in editor.toPlainText()
        press(ui, keyboard.cancel_key)  # Cancel: the version as shown
        assert editor.toPlainText() == original
        keyboard = tap_field(ui, editor)
        tap_after('"version": 1')
        press(ui, keyboard.backspace)
        type_keys(ui, keyboard, "2")
        press(ui, keyboard.done_key)
        ui.click(screen.publish)
        ui.settle()
        assert screen.status.text().startswith("Published ELEC v2, valid from")


def test_read_only_views_open_no_keyboard(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("audit")
        qtbot.mouseClick(screen.log.viewport(), Qt.MouseButton.LeftButton)
        assert not dock(ui).keyboard.isVisible() and dock(ui).field is None


@pytest.mark.parametrize("orientation", [Orientation.PORTRAIT, Orientation.LANDSCAPE])
def test_every_key_is_at_least_a_touch_target(qtbot, qapp, tmp_path, orientation):
    with admin_ui(qtbot, qapp, tmp_path, orientation=orientation) as ui:
        ui.sign_in()
        screen = ui.open("cash")
        keyboard = tap_field(ui, screen.note)
        screen_ = ui.window.screen()
        least = touch_px(screen_.logicalDotsPerInch() if screen_ else 96.0)
        for page in Page:
            keyboard.set_page(page)
            keyboard.grid.activate()
            small = [
                (b.objectName(), b.text(), b.width(), b.height())
                for b in keyboard.shown_keys()
                if b.width() < least or b.height() < least
            ]
            assert small == [], f"keys under {least} px on the {page.value} page"
            assert ui.window.rect().contains(keyboard.geometry())
