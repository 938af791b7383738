"""The touchscreen's settings in kiosk.toml: ``[kiosk]`` timeouts and presets, ``[printer]`` and
``[receipts]``; each wrong value stops the start with a sentence naming the setting."""

from __future__ import annotations

import pytest

from kiosk import config as config_mod
from kiosk.config import ConfigError, from_mapping

KEYS = {"1": {"site": "11" * 16, "meter": "22" * 16}}
RECEIPT_KEY = "ab" * 16


def load(**tables: object) -> config_mod.Config:
    return from_mapping({"site": {"id": 5, **tables.pop("site", {})}, "keys": KEYS, **tables})


def test_defaults():
    c = load()
    assert c.kiosk_id == "K1"
    assert (c.session.idle_timeout, c.session.card_away_timeout) == (60.0, 60.0)
    assert c.session.presets == (20_00, 50_00, 100_00, 200_00)
    assert (c.printer.kind, c.printer.width) == ("none", 32)
    assert c.receipts.verify_url == "" and c.receipts.key == b""


def test_kiosk_table():
    c = load(
        kiosk={
            "id": "LOBBY-2",
            "idle_timeout": 45,
            "card_away_timeout": 90.5,
            "presets": ["10", 25.5, "100.00"],
        }
    )
    assert c.kiosk_id == "LOBBY-2"
    assert (c.session.idle_timeout, c.session.card_away_timeout) == (45.0, 90.5)
    assert c.session.presets == (10_00, 25_50, 100_00)


def test_default_presets_follow_the_currency():
    assert load(site={"currency": 392}).session.presets == (20, 50, 100, 200)  # yen: no decimals


@pytest.mark.parametrize(
    ("kiosk", "match"),
    [
        ({"idle_timeout": 0}, "idle_timeout must be a number of seconds > 0"),
        ({"card_away_timeout": "soon"}, "card_away_timeout must be a number of seconds"),
        ({"presets": []}, "presets must be a list of amounts"),
        ({"presets": ["20.005"]}, "presets #1 must be an amount >= 0 with at most 2 decimals"),
        ({"presets": ["0"]}, "presets must be more than zero"),
        ({"presets": ["20", "20.00"]}, "lists an amount twice"),
        ({"idle": 5}, "unknown setting \\[kiosk\\] 'idle'"),
    ],
)
def test_bad_kiosk_settings_are_named(kiosk, match):
    with pytest.raises(ConfigError, match=match):
        load(kiosk=kiosk)


def test_printers():
    f = load(printer={"kind": "file", "path": "/dev/usb/lp0", "width": 48}).printer
    assert (f.kind, f.path, f.width) == ("file", "/dev/usb/lp0", 48)
    n = load(printer={"kind": "network", "host": "10.0.0.9"}).printer
    assert (n.kind, n.host, n.port) == ("network", "10.0.0.9", 9100)


@pytest.mark.parametrize(
    ("printer", "match"),
    [
        ({"kind": "usb"}, "kind must be one of none, file, network"),
        ({"kind": "file"}, 'kind "file" needs path'),
        ({"kind": "network"}, 'kind "network" needs host'),
        ({"kind": "network", "host": "h", "port": 70000}, "port must be 1..65535"),
        ({"width": 40}, "width must be 32 \\(58 mm paper\\) or 48"),
        ({"colour": "red"}, "unknown setting \\[printer\\] 'colour'"),
    ],
)
def test_bad_printer_settings_are_named(printer, match):
    with pytest.raises(ConfigError, match=match):
        load(printer=printer)


def test_receipt_link_key_from_the_file_or_the_environment(monkeypatch):
    monkeypatch.delenv(config_mod.ENV_RECEIPT_KEY, raising=False)
    url = "https://verify.example.com/r"
    c = load(receipts={"verify_url": url, "key": RECEIPT_KEY})
    assert (c.receipts.verify_url, c.receipts.key) == (url, bytes.fromhex(RECEIPT_KEY))
    monkeypatch.setenv(config_mod.ENV_RECEIPT_KEY, "cd" * 20)
    assert load(receipts={"verify_url": url}).receipts.key == bytes.fromhex("cd" * 20)


@pytest.mark.parametrize(
    ("receipts", "match"),
    [
        ({"verify_url": "https://v.example.com"}, "needs its key: set PREPAY_RECEIPT_KEY"),
        ({"verify_url": "https://v.example.com", "key": "abcd"}, "at least 16 bytes"),
        ({"verify_url": "https://v.example.com", "key": "xyz"}, "not hex digits"),
        ({"verify_url": "ftp://v.example.com", "key": RECEIPT_KEY}, "must be http"),
    ],
)
def test_a_receipt_link_without_a_good_key_stops_the_start(monkeypatch, receipts, match):
    monkeypatch.delenv(config_mod.ENV_RECEIPT_KEY, raising=False)
    with pytest.raises(ConfigError, match=match):
        load(receipts=receipts)


def test_the_file_is_read(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[site]\nid = 5\n[keys.1]\nsite = "' + "11" * 16 + '"\nmeter = "' + "22" * 16 + '"\n'
        '[kiosk]\nid = "K7"\nidle_timeout = 30\npresets = ["5", "10"]\n'
        '[printer]\nkind = "file"\npath = "/dev/usb/lp0"\n'
    )
    c = config_mod.load(path)
    assert (c.kiosk_id, c.session.idle_timeout, c.session.presets) == ("K7", 30.0, (5_00, 10_00))
    assert c.printer.kind == "file"
