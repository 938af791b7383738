"""The tenant screens' words: every session sentence reaches Qt Linguist (the generated catalogue
cannot drift from kiosk.session.messages.MESSAGES, and pyside6-lupdate really extracts it), a
translated sentence is formatted with the session's args and falls back to English when a
translation does not format, switching the language re-renders what is shown, and the tone
colours keep AAA contrast."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from kiosk.session.messages import MESSAGES, say
from kiosk.session.views import Screen
from tests.ui.test_tenant_env import tenant_ui
from ui import i18n
from ui.i18n import Language, compile_ts
from ui.tenant import message_catalog
from ui.tenant.screens import AccountScreen, AttractScreen
from ui.tenant.style import TONE_COLOURS
from ui.tenant.text import countdown_text, message_text
from ui.theme import MIN_CONTRAST, PALETTE, contrast_ratio

pytestmark = pytest.mark.gui

UI = Path(__file__).resolve().parents[2] / "ui"


def ts_file(path: Path, contexts: dict[str, dict[str, str]]) -> Path:
    """A Qt Linguist file with ``contexts``: {context: {source: translation}}."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!DOCTYPE TS>",
        '<TS version="2.1" language="zh_CN">',
    ]
    for context, messages in contexts.items():
        parts.append(f"<context><name>{escape(context)}</name>")
        for source, translation in messages.items():
            parts.append(
                f"<message><source>{escape(source)}</source>"
                f"<translation>{escape(translation)}</translation></message>"
            )
        parts.append("</context>")
    parts.append("</TS>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


@pytest.fixture()
def translator(qapp, tmp_path):
    """Install a translation made from a dict for the test's duration."""
    installed: list[QTranslator] = []

    def install(contexts: dict[str, dict[str, str]]) -> None:
        qm = compile_ts(ts_file(tmp_path / f"t{len(installed)}.ts", contexts), tmp_path / "t.qm")
        t = QTranslator()
        assert t.load(str(qm))
        qapp.installTranslator(t)
        installed.append(t)

    yield install
    for t in installed:
        qapp.removeTranslator(t)


# -- the catalogue -------------------------------------------------------------------------------


def test_the_catalogue_lists_every_session_sentence_exactly():
    assert {key: template for key, (template, _) in MESSAGES.items()} == message_catalog.CATALOG
    source = message_catalog.PATH.read_text(encoding="utf-8")
    assert message_catalog.current_block(source) == message_catalog.generated_block(), (
        "run: python -m ui.tenant.message_catalog --write"
    )


def test_lupdate_finds_every_sentence_and_screen_text(tmp_path):
    from ui.i18n_update import lupdate_path

    lupdate = str(lupdate_path())  # PySide6's own, found without the venv on PATH
    ts = tmp_path / "found.ts"
    sources = sorted(
        str(p) for folder in ("tenant", "widgets") for p in (UI / folder).rglob("*.py")
    )
    subprocess.run([lupdate, *sources, "-ts", str(ts)], check=True, capture_output=True)
    found: dict[str, set[str]] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        found.setdefault(name, set()).update(
            m.findtext("source") or "" for m in context.iter("message")
        )
    assert found["messages"] == {template for template, _ in MESSAGES.values()}
    assert "" not in found, f"texts lupdate could not place in a context: {found.get('')}"
    assert "Tap or insert your card" in found["AttractScreen"]
    assert {"Top up", "Done", "Meter card {card}"} <= found["AccountScreen"]
    assert {"Pay", "Back"} <= found["AmountScreen"]
    assert "Delete" in found["Keypad"]


# -- translating a session sentence ----------------------------------------------------------------


def test_a_sentence_is_translated_by_its_template_and_formatted_with_its_args(translator):
    done = say("done_wallet", amount="50.00 CNY", balance="80.00 CNY")
    assert message_text(done) == "Done. 50.00 CNY has been added; your card now holds 80.00 CNY."
    translator(
        {"messages": {MESSAGES["done_wallet"][0]: "完成。已充值 {amount}，卡内余额 {balance}。"}}
    )
    assert message_text(done) == "完成。已充值 50.00 CNY，卡内余额 80.00 CNY。"


def test_a_translation_that_does_not_format_falls_back_to_english(translator):
    limit = say("limit_too_big", max="2,000.00 CNY")
    translator({"messages": {MESSAGES["limit_too_big"][0]: "单次最多充值 {maximum}。"}})  # misspelt
    assert message_text(limit) == "The largest top-up is 2,000.00 CNY."


def test_countdown_reads_like_a_clock():
    assert [countdown_text(s) for s in (0, 9, 60, 119, -3)] == [
        "0:00",
        "0:09",
        "1:00",
        "1:59",
        "0:00",
    ]


@pytest.mark.parametrize("tone", list(TONE_COLOURS))
def test_tone_colours_keep_aaa_contrast(tone):
    text, bar = TONE_COLOURS[tone]
    assert contrast_ratio(text, PALETTE.background) >= MIN_CONTRAST
    assert contrast_ratio(bar, PALETTE.background) >= 3.0  # a graphic object: WCAG 1.4.11


# -- switching the language ------------------------------------------------------------------------


def test_the_language_buttons_switch_and_the_shown_screen_follows(
    qtbot, qapp, tmp_path, monkeypatch
):
    monkeypatch.setattr(i18n, "TS_DIR", tmp_path / "i18n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "i18n").mkdir()
    ts_file(
        tmp_path / "i18n" / "prepay_zh_CN.ts",
        {
            "AttractScreen": {"Tap or insert your card": "请刷卡或插卡"},
            "AccountScreen": {"Top up": "充值", "Wallet card {card}": "钱包卡 {card}"},
        },
    )
    with tenant_ui(qtbot, qapp, tmp_path / "site") as ui:
        attract = ui.screen(Screen.ATTRACT)
        assert isinstance(attract, AttractScreen)
        assert [b.text() for b in attract.language_buttons.values()] == ["English", "简体中文"]
        with qtbot.waitSignal(ui.window.language_changed):
            ui.click(attract.language_buttons[Language.ZH_CN])
        # Qt delivers LanguageChange to the widgets from the event loop
        qtbot.waitUntil(lambda: attract.title.text() == "请刷卡或插卡")
        assert attract.language_buttons[Language.ZH_CN].isChecked()
        assert not attract.language_buttons[Language.EN].isChecked()

        ui.tap("wallet")
        account = ui.screen(Screen.ACCOUNT)
        assert isinstance(account, AccountScreen)
        assert account.top_up_button.text() == "充值"
        assert account.card.text() == "钱包卡 ****5003"
        assert account.done_button.text() == "Done"  # not translated: the English source shows

        ui.window.set_language(Language.EN)  # the shown view is rendered again in English
        qtbot.waitUntil(lambda: account.card.text() == "Wallet card ****5003")
        assert account.top_up_button.text() == "Top up"


def test_a_language_without_its_file_leaves_the_kiosk_in_english(
    qtbot, qapp, tmp_path, monkeypatch
):
    monkeypatch.setattr(i18n, "TS_DIR", tmp_path / "none")
    with tenant_ui(qtbot, qapp, tmp_path / "site") as ui:
        attract = ui.screen(Screen.ATTRACT)
        assert isinstance(attract, AttractScreen)
        ui.click(attract.language_buttons[Language.ZH_CN])
        assert attract.title.text() == "Tap or insert your card"
        assert attract.language_buttons[Language.EN].isChecked()
        assert QCoreApplication.translate("AttractScreen", "Tap or insert your card") == (
            "Tap or insert your card"
        )
