"""ATTRACT: nothing in progress. "Tap or insert your card", and a switch for every language, each
named in itself so a visitor finds their own."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from ui.i18n import Language
from ui.tenant.screens.base import TenantScreen, centred, translate
from ui.widgets.screen import button, label


class AttractScreen(TenantScreen):
    #: a language button was tapped
    language_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("attract", two_columns=False, parent=parent)
        centred(self.title)
        self.hint = centred(label("muted", name="attract_hint"))
        self.first.addStretch(1)
        self.first.addWidget(self.hint)
        self.first.addStretch(1)
        languages = QHBoxLayout()
        self.language_buttons: dict[Language, QPushButton] = {}
        for language in Language:
            b = button("secondary", name=f"language_{language.value}")
            b.setCheckable(True)
            b.setText(language.native_name)  # never translated: found by readers of that language
            b.clicked.connect(lambda _=False, lang=language: self.language_chosen.emit(lang))
            languages.addWidget(b)
            self.language_buttons[language] = b
        self.buttons.addLayout(languages)
        self.set_current_language(Language.EN)
        self.retranslate()

    def set_current_language(self, language: Language) -> None:
        for lang, b in self.language_buttons.items():
            b.setChecked(lang is language)

    def fixed_texts(self) -> None:
        self.title.setText(translate("AttractScreen", "Tap or insert your card"))
        self.hint.setText(
            translate(
                "AttractScreen",
                "See your balance and top up electricity, water and services. "
                "Pay by scanning a QR code with your phone.",
            )
        )
