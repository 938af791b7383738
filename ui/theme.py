"""The kiosk's look: colours that pass WCAG contrast, touch targets of 15 mm or more, styles.

Sizes are worked out from the screen's real DPI so a button is 15 mm tall on the lobby's panel
whatever its resolution; the style sheet (assets/style/kiosk.qss) uses placeholders filled here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
STYLE_SHEET = ASSETS / "style" / "kiosk.qss"

#: the smallest touch target, ISO 9241-9 / common kiosk guidance (a fingertip is 10-20 mm)
MIN_TOUCH_MM = 15.0
MM_PER_INCH = 25.4
#: WCAG 2.1 AAA contrast for normal text: a lobby panel is read from a step away, often in glare
MIN_CONTRAST = 7.0


@dataclass(frozen=True)
class Palette:
    background: str = "#FFFFFF"
    text: str = "#111111"
    muted: str = "#3D3D3D"  # secondary text, still AAA on white
    primary: str = "#0B3D91"  # buttons: white text on it
    primary_text: str = "#FFFFFF"
    danger: str = "#8B0000"
    danger_text: str = "#FFFFFF"
    ok: str = "#0A5C1F"
    ok_text: str = "#FFFFFF"
    panel: str = "#F0F0F0"


PALETTE = Palette()

#: (foreground, background) pairs the screens use, checked by the tests
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    (PALETTE.text, PALETTE.background),
    (PALETTE.muted, PALETTE.background),
    (PALETTE.text, PALETTE.panel),
    (PALETTE.primary_text, PALETTE.primary),
    (PALETTE.danger_text, PALETTE.danger),
    (PALETTE.ok_text, PALETTE.ok),
)


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#RRGGBB``."""
    h = colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio, 1 to 21."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def mm_to_px(mm: float, dpi: float) -> int:
    return round(mm * dpi / MM_PER_INCH)


def touch_px(dpi: float) -> int:
    """The smallest side of a touch target, in pixels, on a screen of ``dpi``."""
    return mm_to_px(MIN_TOUCH_MM, dpi)


def style_sheet(dpi: float, palette: Palette = PALETTE) -> str:
    """The style sheet with the palette and the DPI-derived sizes filled in."""
    touch = touch_px(dpi)
    values = {
        **{k: v for k, v in palette.__dict__.items()},
        "touch": f"{touch}px",
        "font_body": f"{max(18, mm_to_px(4.5, dpi))}px",
        "font_title": f"{max(32, mm_to_px(9, dpi))}px",
        "font_amount": f"{max(48, mm_to_px(14, dpi))}px",
        "font_small": f"{max(16, mm_to_px(3.5, dpi))}px",
        "radius": f"{max(6, touch // 8)}px",
    }
    text = STYLE_SHEET.read_text(encoding="utf-8")
    for key in sorted(values, key=len, reverse=True):  # @primary_text before @primary
        text = text.replace("@" + key, values[key])
    return text
