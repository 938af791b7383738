"""The Simplified Chinese translation is complete and safe to show: every text lupdate finds in
ui/ is in assets/i18n/prepay_zh_CN.ts and translated, every translation keeps its source's
{placeholders} (a lost one would make ui.tenant.text fall back to English, an extra one would
raise), the file compiles with PySide6's lrelease and Qt then returns each translation, and
``python -m ui.i18n_update --check`` names what is missing or unfinished.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator

from ui import i18n_update
from ui.i18n import Language, compile_ts, ts_path
from ui.i18n_update import Entry, Key, placeholders, problems, read_ts, source_strings

TS = ts_path(Language.ZH_CN)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: translations that are rightly the same Latin text as their source
SAME_IN_CHINESE = {("ReplaceScreen", "UID"), ("admin_messages", "{first} {second}")}


@pytest.fixture(scope="module")
def sources() -> set[Key]:
    """What pyside6-lupdate extracts from ui/ (tests excepted), as (context, source)."""
    return source_strings()


@pytest.fixture(scope="module")
def entries() -> dict[Key, Entry]:
    assert TS.exists(), f"{TS} is missing: python -m ui.i18n_update, then translate it"
    return read_ts(TS)


def test_lupdate_finds_the_texts_of_every_part_of_the_ui(sources):
    contexts = {context for context, _ in sources}
    assert {"messages", "AttractScreen", "MenuScreen", "PinScreen", "Keypad"} <= contexts
    assert "" not in contexts, "a text lupdate could not place in a context"
    assert not [p for p in i18n_update.source_files() if i18n_update.is_test(p)]


def test_every_source_string_is_in_the_ts_and_translated(sources, entries):
    missing = sorted(sources - set(entries))
    assert missing == [], f"not in {TS.name} (run python -m ui.i18n_update): {missing}"
    unfinished = sorted(k for k, e in entries.items() if e.unfinished)
    assert unfinished == [], f"not translated in {TS.name}: {unfinished}"
    stale = sorted(set(entries) - sources)
    assert stale == [], f"no longer in ui/ (run python -m ui.i18n_update): {stale}"
    assert 'type="unfinished"' not in TS.read_text(encoding="utf-8")
    assert problems(TS, sources) == []


def test_translations_are_chinese(entries):
    english = sorted(
        k for k, e in entries.items() if not CJK.search(e.translation) and k not in SAME_IN_CHINESE
    )
    assert english == [], f"left in English: {english}"


def test_every_translation_keeps_its_placeholders_exactly(entries):
    wrong = {
        k: (e.source, e.translation)
        for k, e in entries.items()
        if placeholders(e.translation) != placeholders(e.source)
    }
    assert wrong == {}
    # and formats with the source's arguments as the screens call it (no stray brace)
    for entry in entries.values():
        names = placeholders(entry.source)
        if names:
            args = {name: f"<{name}>" for name in names}
            formatted = entry.translation.format(**args)
            assert all(f"<{name}>" in formatted for name in names), entry


def test_placeholders_are_read_as_str_format_reads_them():
    assert placeholders("{amount} buys {units}.") == ["amount", "units"]
    assert placeholders("按 {daily} 计，约 {days} 天（至 {date}）") == ["daily", "date", "days"]
    assert placeholders("{{literal}} {n}") == ["n"]
    assert placeholders("(in force)") == []


def test_the_ts_compiles_with_lrelease_and_qt_returns_every_translation(tmp_path, entries):
    qm = compile_ts(TS, tmp_path / "prepay_zh_CN.qm")
    translator = QTranslator()
    assert translator.load(str(qm))
    wrong = {
        (context, source): translator.translate(context, source)
        for (context, source), e in entries.items()
        if translator.translate(context, source) != e.translation
    }
    assert wrong == {}


# -- python -m ui.i18n_update --check --------------------------------------------------------------


def test_check_passes_on_the_committed_file(capsys):
    assert i18n_update.main(["--check"]) == 0
    assert "every one of" in capsys.readouterr().out


def test_check_names_a_missing_and_an_unfinished_string(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "prepay_zh_CN.ts"
    shutil.copy(TS, broken)
    tree = ET.parse(broken)
    drop_from = unfinish = None
    for context in tree.getroot().iter("context"):
        name = context.findtext("name")
        for message in context.findall("message"):
            source = message.findtext("source")
            if name == "AttractScreen" and source == "Tap or insert your card":
                context.remove(message)
                drop_from = name
            elif name == "PayingScreen" and source == "Cancel":
                translation = message.find("translation")
                assert translation is not None
                translation.set("type", "unfinished")
                unfinish = name
    assert (drop_from, unfinish) == ("AttractScreen", "PayingScreen")
    tree.write(broken, encoding="utf-8", xml_declaration=True)
    monkeypatch.setattr(i18n_update, "ts_path", lambda _language: broken)
    assert i18n_update.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "missing from the .ts: [AttractScreen] 'Tap or insert your card'" in out
    assert "not translated: [PayingScreen] 'Cancel'" in out
    assert out.count("\n  ") == 2  # nothing else is named


def test_check_names_a_lost_placeholder(tmp_path, sources):
    broken = tmp_path / "prepay_zh_CN.ts"
    text = TS.read_text(encoding="utf-8")
    entry = read_ts(TS)[("messages", "The largest top-up is {max}.")]
    broken.write_text(
        text.replace(entry.translation, entry.translation.replace("{max}", "{maximum}")),
        encoding="utf-8",
    )
    found = problems(broken, sources)
    assert len(found) == 1 and found[0].startswith("placeholders differ: [messages]"), found


def test_update_leaves_the_committed_file_unchanged(tmp_path):
    """The .ts is what ui.i18n_update writes: running it again changes nothing."""
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    i18n_update.run_lupdate(copy, Language.ZH_CN)
    assert copy.read_text(encoding="utf-8") == TS.read_text(encoding="utf-8")


def test_a_path_is_shown_relative_to_the_checkout():
    assert i18n_update.shown(TS) == Path("assets/i18n/prepay_zh_CN.ts")
