"""Admin mode in Simplified Chinese: the sentences kiosk.admin produces -- errors, hardware-check
rows, the sync status, outcomes -- reach the screen as keys and values and are shown translated,
with their values in place; every key kiosk.admin has is in ui.admin.message_catalog and
translated in assets/i18n/prepay_zh_CN.ts, so a new key without a translation fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from kiosk.admin.messages import MESSAGES, say
from kiosk.demo_site import STAFF_PIN
from tests.ui.test_admin_env import AdminUi, admin_ui
from tests.ui.test_admin_office import replace_text
from ui.admin import message_catalog
from ui.admin.text import CONTEXT, staff_text
from ui.i18n import Language, ts_path
from ui.i18n_update import placeholders, read_ts

pytestmark = pytest.mark.gui

TS = ts_path(Language.ZH_CN)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: templates whose translation rightly has no Chinese character of its own
NO_CHINESE_OF_THEIR_OWN = {"{first} {second}"}


# -- the catalog and the .ts ---------------------------------------------------------------------


def test_the_catalog_is_generated_from_every_admin_key():
    assert (
        message_catalog.current_block(message_catalog.PATH.read_text(encoding="utf-8"))
        == message_catalog.generated_block()
    ), "run python -m ui.admin.message_catalog --write"
    assert set(message_catalog.CATALOG) == set(MESSAGES)
    assert all(message_catalog.CATALOG[key] == template for key, template in MESSAGES.items())


def test_every_admin_key_has_a_chinese_translation_with_its_placeholders():
    entries = read_ts(TS)
    missing, unfinished, english, wrong = [], [], [], []
    for key, template in MESSAGES.items():
        entry = entries.get((CONTEXT, template))
        if entry is None:
            missing.append(key)
        elif entry.unfinished:
            unfinished.append(key)
        elif not CJK.search(entry.translation) and template not in NO_CHINESE_OF_THEIR_OWN:
            english.append(key)
        elif placeholders(entry.translation) != placeholders(template):
            wrong.append(key)
    assert missing == [], f"not in {TS.name} (python -m ui.i18n_update, then translate)"
    assert (unfinished, english, wrong) == ([], [], [])


# -- on the screens ------------------------------------------------------------------------------


@contextmanager
def in_chinese(qtbot, qapp, tmp_path) -> Iterator[AdminUi]:  # noqa: ANN001 - pytest fixtures
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.window.set_language(Language.ZH_CN)
        qtbot.waitUntil(lambda: ui.controller.menu.title.text() != "Admin mode")
        try:
            yield ui
        finally:
            ui.window.set_language(Language.EN)


def test_a_wrong_pin_is_said_in_chinese_with_the_attempts_left(qtbot, qapp, tmp_path):
    with in_chinese(qtbot, qapp, tmp_path) as ui:
        ui.begin()
        ui.enter_pin("135790")
        assert ui.controller.pin.status.text() == "PIN 码错误。再错 4 次，管理模式将被锁定。"
        assert ui.controller.pin.status.property("role") == "error"
        ui.enter_pin(STAFF_PIN)
        ui.on("admin.menu")


def test_a_bad_tariff_is_said_in_chinese_naming_the_field(qtbot, qapp, tmp_path):
    with in_chinese(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("tariffs")
        replace_text(qtbot, screen.editor, '{"code": "ELEC", ')
        ui.click(screen.publish)
        ui.settle()
        assert screen.status.text().startswith("费率：这不是有效的 JSON（第 1 行，第 ")
        ui.pick(screen.versions, "ELEC v1")
        ui.settle()
        assert "统一单价：0.86 CNY/kWh" in screen.words.text()
        assert "电，CNY，时区" in screen.words.text()
        definition = json.loads(screen.editor.toPlainText())
        definition["version"], definition["rate"]["price"] = 2, "-1"
        replace_text(qtbot, screen.editor, json.dumps(definition))
        ui.click(screen.publish)
        ui.settle()
        # the frame and the field are admin mode's; the problem is the tariff check's own words
        assert screen.status.text() == "费率：rate.price：must be more than zero, got -1"
        assert ui.audit("tariff_published") == []


def test_hardware_rows_are_said_in_chinese(qtbot, qapp, tmp_path):
    with in_chinese(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("hardware")
        rows = {name.text(): (status.text(), detail.text()) for name, status, detail in screen.rows}
        assert rows["打印机"] == ("未配置", "未设置小票打印机：小票显示在屏幕上。")
        assert rows["读卡器"] == ("正常", "Demo reader (emulated) 有响应；读卡器上有卡。")  # staff
        assert rows["数据库"][1].startswith("可写入；")
        assert rows["同步"][1].startswith("尚未配置同步后台：")
        assert any(k.startswith("支付（") for k in rows)
        assert screen.status.text() == "所有已配置的部件均工作正常。"


def test_an_outcome_and_a_refusal_are_said_in_chinese(qtbot, qapp, tmp_path):
    with in_chinese(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("cash")
        ui.keypad(screen.keypad, "1.255")
        ui.click(screen.top_up)
        assert screen.status.text() == "“1.255”的小数位超过 2 位。"
        screen.keypad.clear()
        ui.keypad(screen.keypad, "12")
        ui.tap_card("wallet")
        ui.click(screen.top_up)
        ui.click(screen.confirm.yes)
        ui.settle()
        assert screen.result.text().startswith("现金已充入卡内。")
        assert "12.00 CNY" in screen.receipt.toPlainText()  # the receipt stays as printed
        ui.back()
        sync = ui.open("sync")
        assert sync.detail.text().startswith("尚未配置同步后台：")


def test_a_sentence_whose_translation_does_not_format_falls_back_to_english(monkeypatch):
    from PySide6.QtCore import QCoreApplication

    monkeypatch.setattr(
        QCoreApplication, "translate", staticmethod(lambda _c, _s, *_a: "坏的 {nope}")
    )
    sentence = say("no_order", order=7)
    assert staff_text(sentence) == "There is no order 7."
