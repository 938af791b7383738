"""An on-screen keyboard for text fields, and the dock that shows it over a window when one of its
text fields is tapped.

:class:`Keyboard` is the keys: a digits row, QWERTY letters with Shift (one capital) and Caps lock
(Shift tapped twice), a symbols page, Space, Backspace, cursor left and right, Enter, Done and
Cancel. Each key is at least the style sheet's touch target (15 mm, ui.theme) and coloured by the
theme's roles. A key sends the bound field the key event a hardware keyboard would (press and
release), so the field's own rules apply unchanged: its validator, maximum length, selection,
undo, ``textEdited``. Enter is a new line in a multi-line field and Done in a one-line one.

:class:`KeyboardDock` binds the keyboard to the fields it is given (``QLineEdit`` and
``QPlainTextEdit``): tapping or focusing one opens the keyboard for it, placed over the part of the
window that covers least of the field (below or above it; in landscape, beside it). Done keeps
what was typed; Cancel restores the text the field had when the keyboard opened. Focus moving to
another control, or the field being hidden (another screen shown), counts as Done. Read-only and
disabled fields open nothing.

Latin letters, digits and ASCII punctuation only: Chinese text entry (an input method, pinyin to
characters) is out of scope; names in Chinese are typed on a hardware keyboard or entered on the
management platform.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QGridLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

TextField = QLineEdit | QPlainTextEdit

# every row is 12 keys wide: a plain key takes 1 column, Space 4
COLUMNS = 12
SPACING = 8
# space between the keyboard and the window's edges
MARGIN = 16

# special keys are named by words, character keys by their one character
BACKSPACE, ENTER, SHIFT, PAGE = "backspace", "enter", "shift", "page"
LEFT, SPACE, RIGHT, CANCEL, DONE = "left", "space", "right", "cancel", "done"

Row = tuple[tuple[str, int], ...]  # (key, width in keys)


def _row(chars: str, *specials: tuple[str, int]) -> Row:
    """A key for each of ``chars``, then the special keys."""
    return (*((c, 1) for c in chars), *specials)


DIGITS_ROW = _row("1234567890", (BACKSPACE, 2))
LETTER_ROWS = (
    _row("qwertyuiop-_"),
    _row("asdfghjkl'", (ENTER, 2)),
    ((SHIFT, 2), *_row("zxcvbnm,.@")),
)
SYMBOL_ROWS = (
    _row("!@#$%&*()-_="),
    _row("+/\\:;'\"?<>", (ENTER, 2)),
    _row("{}[],.~^|`¥€"),
)
BOTTOM_ROW: Row = ((PAGE, 2), (LEFT, 1), (SPACE, 4), (RIGHT, 1), (CANCEL, 2), (DONE, 2))

GLYPHS = {BACKSPACE: "⌫", ENTER: "↵", LEFT: "←", RIGHT: "→"}
# keys held down repeat, as on a hardware keyboard
REPEATING = (BACKSPACE, LEFT, RIGHT)
NAVIGATION = {BACKSPACE: Qt.Key.Key_Backspace, LEFT: Qt.Key.Key_Left, RIGHT: Qt.Key.Key_Right}


class Page(enum.Enum):
    LETTERS = "letters"
    SYMBOLS = "symbols"


class Shift(enum.Enum):
    OFF = "off"
    ONCE = "once"  # the next letter only
    LOCKED = "locked"  # caps lock, until Shift is tapped again


def _set_role(widget: QWidget, role: str | None) -> None:
    if widget.property("role") != role:
        widget.setProperty("role", role)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class Keyboard(QFrame):
    """The keys. Typing goes to :attr:`target` as key events; Done and Cancel are signals."""

    done = Signal()
    cancelled = Signal()
    # after the key labels changed (language, page, shift): the keyboard's size hint may have too
    relabelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.target: TextField | None = None
        self.page = Page.LETTERS
        self.shift_state = Shift.OFF
        self.grid = QGridLayout(self)
        self.grid.setSpacing(SPACING)
        self.grid.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING * 2)
        for column in range(COLUMNS):
            self.grid.setColumnStretch(column, 1)
        self.digits: dict[str, QPushButton] = {}
        self.letters: dict[str, QPushButton] = {}
        self.symbols: dict[str, QPushButton] = {}
        self.specials: dict[str, QPushButton] = {}
        self._add_row(0, DIGITS_ROW, self.digits, "key")
        for i, (letters, symbols) in enumerate(zip(LETTER_ROWS, SYMBOL_ROWS, strict=True)):
            self._add_row(1 + i, letters, self.letters, "key")
            self._add_row(1 + i, symbols, self.symbols, "sym")
        self._add_row(4, BOTTOM_ROW, {}, "")
        self.shift = self.specials[SHIFT]
        self.page_key = self.specials[PAGE]
        self.space = self.specials[SPACE]
        self.backspace = self.specials[BACKSPACE]
        self.enter = self.specials[ENTER]
        self.left = self.specials[LEFT]
        self.right = self.specials[RIGHT]
        self.done_key = self.specials[DONE]
        self.cancel_key = self.specials[CANCEL]
        _set_role(self.done_key, "ok")
        self.set_page(Page.LETTERS)
        self.retranslate()

    def _add_row(self, row: int, keys: Row, into: dict[str, QPushButton], prefix: str) -> None:
        column = 0
        for key, width in keys:
            if len(key) > 1 and key in self.specials:  # a special shared by both pages
                column += width
                continue
            b = QPushButton(GLYPHS.get(key, key if len(key) == 1 else ""))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the focus and its cursor
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            if len(key) == 1:
                b.setObjectName(f"kb_{prefix}_{ord(key):x}")
                b.setProperty("role", "key")
                b.clicked.connect(lambda _=False, k=key: self.type_char(k))
                into[key] = b
            else:
                b.setObjectName(f"kb_{key}")
                b.setProperty("role", "secondary")
                b.setAutoRepeat(key in REPEATING)
                b.clicked.connect(lambda _=False, k=key: self.press_special(k))
                self.specials[key] = b
            self.grid.addWidget(b, row, column, 1, width)
            column += width

    # -- labels --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        # literal context and text: pyside6-lupdate finds only those
        self.space.setText(QCoreApplication.translate("Keyboard", "Space"))
        self.done_key.setText(QCoreApplication.translate("Keyboard", "Done"))
        self.cancel_key.setText(QCoreApplication.translate("Keyboard", "Cancel"))
        self.backspace.setAccessibleName(QCoreApplication.translate("Keyboard", "Delete"))
        self.enter.setAccessibleName(QCoreApplication.translate("Keyboard", "New line"))
        self.left.setAccessibleName(QCoreApplication.translate("Keyboard", "Cursor left"))
        self.right.setAccessibleName(QCoreApplication.translate("Keyboard", "Cursor right"))
        self._relabel()

    def _relabel(self) -> None:
        upper = self.shift_state is not Shift.OFF
        for ch, b in self.letters.items():
            b.setText(ch.upper() if upper else ch)
        locked = self.shift_state is Shift.LOCKED
        self.shift.setText(
            QCoreApplication.translate("Keyboard", "Caps lock")
            if locked
            else QCoreApplication.translate("Keyboard", "Shift")
        )
        # on: drawn as a primary button (the style sheet has no "checked" look)
        _set_role(self.shift, "secondary" if self.shift_state is Shift.OFF else None)
        letters = self.page is Page.LETTERS
        self.page_key.setText(
            QCoreApplication.translate("Keyboard", "Symbols")
            if letters
            else QCoreApplication.translate("Keyboard", "Letters")
        )
        self.relabelled.emit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- state -----------------------------------------------------------------------------------

    def bind(self, target: TextField | None) -> None:
        """Type into ``target`` from now on (None: nowhere); a fresh start on the letters page."""
        self.target = target
        self.shift_state = Shift.OFF
        self.set_page(Page.LETTERS)

    def set_page(self, page: Page) -> None:
        self.page = page
        letters = page is Page.LETTERS
        for b in self.letters.values():
            b.setVisible(letters)
        for b in self.symbols.values():
            b.setVisible(not letters)
        self.shift.setVisible(letters)
        self._relabel()

    def shown_keys(self) -> list[QPushButton]:
        """Every key of the page on show."""
        page = self.letters if self.page is Page.LETTERS else self.symbols
        shown = [*self.digits.values(), *page.values(), *self.specials.values()]
        return [b for b in shown if not b.isHidden()]

    # -- typing --------------------------------------------------------------------------------

    def type_char(self, ch: str) -> None:
        if ch.isalpha() and ch.isascii() and self.shift_state is not Shift.OFF:
            ch = ch.upper()
            if self.shift_state is Shift.ONCE:
                self.shift_state = Shift.OFF
                self._relabel()
        # Qt's key codes for ASCII are the upper-case character's code; the text is what is typed
        code = ord(ch.upper()) if ch.isascii() else int(Qt.Key.Key_unknown.value)
        self.send(code, ch)

    def press_special(self, key: str) -> None:
        if key in NAVIGATION:
            self.send(int(NAVIGATION[key].value))
        elif key == SPACE:
            self.send(int(Qt.Key.Key_Space.value), " ")
        elif key == ENTER:
            self.send(int(Qt.Key.Key_Return.value), "\r")
            if not isinstance(self.target, QPlainTextEdit):
                self.done.emit()  # a one-line field takes no new line: Enter finishes it
        elif key == SHIFT:
            following = {Shift.OFF: Shift.ONCE, Shift.ONCE: Shift.LOCKED, Shift.LOCKED: Shift.OFF}
            self.shift_state = following[self.shift_state]
            self._relabel()
        elif key == PAGE:
            self.set_page(Page.SYMBOLS if self.page is Page.LETTERS else Page.LETTERS)
        elif key == DONE:
            self.done.emit()
        elif key == CANCEL:
            self.cancelled.emit()

    def send(self, key: int, text: str = "") -> None:
        """A key press and release, as a hardware keyboard sends them, to the target."""
        if self.target is None:
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
            QCoreApplication.sendEvent(self.target, event)


def text_of(field: TextField) -> str:
    return field.text() if isinstance(field, QLineEdit) else field.toPlainText()


def set_text_of(field: TextField, text: str) -> None:
    if isinstance(field, QLineEdit):
        field.setText(text)
    else:
        field.setPlainText(text)


def _overlap(a: QRect, b: QRect) -> int:
    both = a.intersected(b)
    return 0 if both.isEmpty() else both.width() * both.height()


class KeyboardDock(QObject):
    """One keyboard over ``host`` (the window), bound to whichever attached field was tapped."""

    #: the keyboard opened for a field
    opened = Signal(object)
    #: the keyboard closed: the field, and whether its text was kept (Done) or restored (Cancel)
    closed = Signal(object, bool)

    def __init__(self, host: QWidget, keyboard: Keyboard | None = None) -> None:
        super().__init__(host)
        self.host = host
        self.keyboard = keyboard if keyboard is not None else Keyboard()
        self.keyboard.setParent(host)  # over the host's layout, not in it
        self.keyboard.hide()
        self.keyboard.done.connect(self.finish)
        self.keyboard.cancelled.connect(self.cancel)
        self.keyboard.relabelled.connect(self._replace)
        self.field: TextField | None = None
        self._original = ""
        # the objects watched -> their field (a text edit's clicks arrive on its viewport)
        self._watched: dict[QObject, TextField] = {}
        host.installEventFilter(self)

    def attach(self, field: TextField) -> None:
        """Open the keyboard for ``field`` when it is tapped or focused."""
        watched: list[QObject] = [field]
        if isinstance(field, QAbstractScrollArea):
            watched.append(field.viewport())
        for obj in watched:
            self._watched[obj] = field
            obj.installEventFilter(self)

    @property
    def is_open(self) -> bool:
        return self.field is not None

    def open(self, field: TextField) -> None:
        """Show the keyboard bound to ``field`` (another field it was bound to is finished)."""
        if field is self.field:
            return
        if self.field is not None:
            self.finish()
        if field.isReadOnly() or not field.isEnabled():
            return
        self.field = field
        self._original = text_of(field)
        self.keyboard.bind(field)
        self._place()
        self.keyboard.show()
        self.keyboard.raise_()
        self.opened.emit(field)

    def finish(self) -> None:
        """Done: the field keeps what was typed."""
        self._close(kept=True)

    def cancel(self) -> None:
        """Cancel: the field gets back the text it had when the keyboard opened."""
        if self.field is not None:
            set_text_of(self.field, self._original)
        self._close(kept=False)

    def _close(self, kept: bool) -> None:
        field, self.field = self.field, None
        self.keyboard.hide()
        self.keyboard.bind(None)
        if field is not None:
            self.closed.emit(field, kept)

    # -- where it goes ---------------------------------------------------------------------------

    def _replace(self) -> None:
        if self.field is not None:
            self._place()

    def _place(self) -> None:
        """Full width in portrait, half in landscape; below or above (beside) the field, wherever
        it covers least of it."""
        host, keyboard, field = self.host, self.keyboard, self.field
        if field is None:
            return
        keyboard.ensurePolished()
        portrait = host.width() <= host.height()
        width = (host.width() if portrait else host.width() // 2) - 2 * MARGIN
        width = max(width, keyboard.minimumSizeHint().width())
        height = max(keyboard.sizeHint().height(), keyboard.minimumSizeHint().height())
        where = QRect(field.mapTo(host, QPoint(0, 0)), field.size())
        near, far = MARGIN, host.width() - width - MARGIN
        if where.center().x() > host.width() // 2:
            near, far = far, near
        spots = [
            QRect(x, y, width, height)
            for y in (host.height() - height - MARGIN, MARGIN)
            for x in (far, near)
        ]
        keyboard.setGeometry(min(spots, key=lambda spot: _overlap(spot, where)))

    # -- Qt ----------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if watched is self.host:
            if kind == QEvent.Type.Resize:
                self._replace()
            return False
        field = self._watched.get(watched)
        if field is None:
            return False
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.FocusIn):
            self.open(field)
        elif field is self.field and watched is field:
            if kind == QEvent.Type.Hide:
                self.finish()
            elif kind == QEvent.Type.FocusOut and isinstance(event, QFocusEvent):
                # a window losing focus, or a popup, is no move to another control
                passing = (Qt.FocusReason.ActiveWindowFocusReason, Qt.FocusReason.PopupFocusReason)
                if event.reason() not in passing:
                    self.finish()
        return False
