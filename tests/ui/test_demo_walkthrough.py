"""`make demo` on a machine with no display: the scripted walk-through reaches every screen it
promises, saves each one, and no text on them is cut off."""

from __future__ import annotations

import pytest

from ui.demo.walkthrough import Walkthrough

pytestmark = pytest.mark.gui

EXPECTED = [
    "attract", "account", "amount", "paying", "writing", "done", "account-meter-state",
    "card-away", "message", "attract-zh", "account-zh", "account-zh-landscape",
    "account-landscape", "admin-pin", "admin-menu", "admin-issue", "admin-read-card",
]  # fmt: skip


def test_the_walkthrough_shows_every_screen_and_clips_no_text(qapp, tmp_path, capsys):
    walk = Walkthrough(tmp_path / "demo-out")
    try:
        assert walk.run() == 0
    finally:
        walk.close()
    names = [p.stem.split("-", 1)[1] for p in walk.saved]
    assert names == EXPECTED
    assert all(p.stat().st_size > 5_000 for p in walk.saved)  # real pictures, not blank files
    assert walk.problems == []
    printed = capsys.readouterr().out
    assert "purchase 1 loaded" in printed  # the meter took the top-up
    assert "Issued: wallet card, serial 7001" in printed
