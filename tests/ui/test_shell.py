"""The touchscreen's shared parts: background work, colours, touch targets, keypad, window."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from ui.theme import MIN_CONTRAST, TEXT_PAIRS, contrast_ratio, mm_to_px, touch_px
from ui.widgets.keypad import DELETE, MAX_LENGTH, Keypad

pytestmark = pytest.mark.gui


def test_worker_runs_off_the_gui_thread_and_reports_on_it(qtbot):
    from ui.worker import Runner

    runner = Runner()
    gui = threading.get_ident()
    seen: dict[str, object] = {}

    def work(x: int) -> tuple[int, int]:
        return x * 2, threading.get_ident()

    def done(result: tuple[int, int]) -> None:
        seen["result"], seen["worker"] = result
        seen["callback"] = threading.get_ident()

    runner.submit(work, 21, on_done=done)
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["result"] == 42
    assert seen["worker"] != gui  # the work ran on a pool thread
    assert seen["callback"] == gui  # the result came back to the GUI thread


def test_worker_hands_a_failure_to_on_error_in_order(qtbot):
    from ui.worker import Runner

    runner = Runner(max_threads=1)
    order: list[str] = []

    def fail() -> None:
        raise ValueError("card left")

    runner.submit(lambda: "first", on_done=order.append)
    runner.submit(fail, on_error=lambda exc: order.append(f"error: {exc}"))
    runner.submit(lambda: "third", on_done=order.append)
    qtbot.waitUntil(lambda: len(order) == 3)
    assert order == ["first", "error: card left", "third"]
    assert not runner.busy


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_every_text_colour_pair_passes_wcag_aaa(fg, bg):
    assert contrast_ratio(fg, bg) >= MIN_CONTRAST


def test_contrast_ratio_matches_the_wcag_extremes():
    assert round(contrast_ratio("#000000", "#FFFFFF"), 1) == 21.0
    assert contrast_ratio("#777777", "#777777") == 1.0


def test_touch_targets_are_15_mm_whatever_the_dpi():
    assert touch_px(96) == mm_to_px(15, 96) == 57
    assert touch_px(160) == 94  # a denser panel needs more pixels for the same finger


def test_keypad_collects_digits_deletes_and_stops_at_its_length(qtbot):
    pad = Keypad(decimal_point=True)
    qtbot.addWidget(pad)
    seen: list[str] = []
    pad.changed.connect(seen.append)
    for key in ("1", "2", ".", "5"):
        qtbot.mouseClick(pad.buttons[key], Qt.MouseButton.LeftButton)
    assert pad.text == "12.5"
    pad.press(DELETE)
    assert pad.text == "12." and seen[-1] == "12."
    for _ in range(MAX_LENGTH + 5):
        pad.press("9")
    assert len(pad.text) == MAX_LENGTH


def test_pin_keypad_has_no_decimal_point(qtbot):
    pad = Keypad(decimal_point=False)
    qtbot.addWidget(pad)
    assert "." not in pad.buttons and "0" in pad.buttons


def test_window_switches_screens_and_rotates(qtbot, qapp):
    from ui.i18n import Translations
    from ui.widgets.screen import Orientation, Screen
    from ui.window import KioskWindow

    window = KioskWindow(Translations(qapp))
    qtbot.addWidget(window)
    turned: list[Orientation] = []

    class Probe(Screen):
        def set_orientation(self, orientation: Orientation) -> None:
            super().set_orientation(orientation)
            turned.append(orientation)

    window.add_screen("a", Probe())
    window.add_screen("b", Probe())
    window.show_screen("b")
    assert window.current_key == "b"
    window.set_orientation(Orientation.LANDSCAPE)
    assert (window.width(), window.height()) == (1920, 1080)
    assert turned[-2:] == [Orientation.LANDSCAPE, Orientation.LANDSCAPE]


def test_qt_calls_do_not_leak_references_to_none(qtbot):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None on every Qt call returning
    nothing: a kiosk aborted with "none_dealloc" after some hours of ticking."""
    import sys

    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for n in range(2_000):
        label.setText(str(n % 7))
    assert abs(sys.getrefcount(None) - before) < 100
