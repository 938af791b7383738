"""An on-screen numeric keypad: digits, an optional decimal point, and delete.

It only collects keystrokes into a string and says when it changed; what the string means (an
amount within the limits, a PIN) is for kiosk/ to judge. A keypad for a PIN masks nothing itself:
the screen showing the entry shows dots.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

DELETE = "⌫"
#: the longest entry the keypad takes: beyond it a keystroke is ignored (no amount or PIN is longer)
MAX_LENGTH = 12


class Keypad(QWidget):
    #: the whole entry after every keystroke
    changed = Signal(str)

    def __init__(self, decimal_point: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keypad")
        self._text = ""
        grid = QGridLayout(self)
        grid.setSpacing(12)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "." if decimal_point else "", "0"]
        self.buttons: dict[str, QPushButton] = {}
        for i, key in enumerate([*keys, DELETE]):
            if not key:
                continue
            b = QPushButton(key)
            b.setObjectName(f"key_{'del' if key == DELETE else 'dot' if key == '.' else key}")
            b.setProperty("role", "secondary")
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
            b.clicked.connect(lambda _=False, k=key: self.press(k))
            grid.addWidget(b, i // 3, i % 3)
            self.buttons[key] = b
        self.retranslate()

    def retranslate(self) -> None:
        # literal context and text: pyside6-lupdate finds only those
        self.buttons[DELETE].setAccessibleName(QCoreApplication.translate("Keypad", "Delete"))

    @property
    def text(self) -> str:
        return self._text

    def clear(self) -> None:
        self._set("")

    def press(self, key: str) -> None:
        if key == DELETE:
            self._set(self._text[:-1])
        elif len(self._text) < MAX_LENGTH:
            self._set(self._text + key)

    def _set(self, text: str) -> None:
        self._text = text
        self.changed.emit(text)
