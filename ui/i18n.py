"""Languages through Qt's translation system: English source strings, Simplified Chinese and others
from Qt Linguist files (assets/i18n/prepay_<lang>.ts).

The .ts files are the source of truth and are kept in git; the binary .qm Qt loads is compiled
from them with the lrelease that ships inside PySide6, on first use and whenever the .ts is newer,
into the user's cache directory (the checkout may be read-only on a kiosk).

Switching language installs the new translator; Qt then sends every widget a LanguageChange event,
on which the screens re-set their texts (``changeEvent`` -> ``retranslate``).
"""

from __future__ import annotations

import enum
import logging
import os
import subprocess
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from ui.theme import ASSETS

log = logging.getLogger(__name__)

TS_DIR = ASSETS / "i18n"
LRELEASE = Path(PySide6.__file__).resolve().parent / "lrelease"
#: a font family that has the Latin and the CJK glyphs (Debian fonts-noto-cjk), tried in order
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei")


class Language(enum.Enum):
    EN = "en"
    ZH_CN = "zh_CN"

    @property
    def native_name(self) -> str:
        """The language's name in itself: what a person looks for on the switch."""
        return {Language.EN: "English", Language.ZH_CN: "简体中文"}[self]


class TranslationError(Exception):
    """A translation file is missing or does not compile; the message names it."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prepay-kiosk" / "i18n"


def ts_path(language: Language) -> Path:
    return TS_DIR / f"prepay_{language.value}.ts"


def compile_ts(ts: Path, qm: Path) -> Path:
    """Compile a Linguist .ts into the .qm Qt loads (PySide6's own lrelease)."""
    qm.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(LRELEASE), "-silent", str(ts), "-qm", str(qm)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not qm.exists():
        raise TranslationError(f"lrelease could not compile {ts}: {done.stderr.strip()}")
    return qm


def qm_path(language: Language) -> Path | None:
    """The compiled translation for ``language`` (None for English, the source language)."""
    if language is Language.EN:
        return None
    ts = ts_path(language)
    if not ts.exists():
        raise TranslationError(f"No translation file {ts} for {language.native_name}.")
    qm = cache_dir() / f"prepay_{language.value}.qm"
    if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
        compile_ts(ts, qm)
    return qm


def cjk_family() -> str | None:
    families = set(QFontDatabase.families())
    return next((f for f in CJK_FAMILIES if f in families), None)


class Translations:
    """The application's current language: one installed translator at a time."""

    def __init__(self, app: QCoreApplication) -> None:
        self.app = app
        self.language = Language.EN
        self._translator: QTranslator | None = None
        family = cjk_family()
        if family is None:
            log.warning("no CJK font installed (Debian: fonts-noto-cjk): Chinese will not render")
        elif isinstance(app, QApplication):
            font = QFont(family)
            font.setStyleHint(QFont.StyleHint.SansSerif)
            app.setFont(font)

    def switch(self, language: Language) -> None:
        """Install ``language``; every widget gets a LanguageChange event and re-sets its texts."""
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            self._translator = None
        qm = qm_path(language)
        if qm is not None:
            translator = QTranslator(self.app)
            if not translator.load(str(qm)):
                raise TranslationError(f"Qt could not load {qm}.")
            self.app.installTranslator(translator)
            self._translator = translator
        self.language = language
        # installing or removing a translator makes Qt send every widget a LanguageChange event
        QLocale.setDefault(QLocale(language.value))
