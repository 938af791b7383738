"""How the tenant screens show a message's tone, and their few style rules beyond the kiosk's.

A tone is told by colour *and* by a bar beside the sentence, so it does not rest on colour alone
(WCAG 1.4.1). A label that shows tones carries the ``tone`` property from birth ("none" until a
message comes): Qt sets a label's box (border, padding) only when it is first polished, so every
tone has the same box and only the colours change. Every colour keeps AAA contrast (7:1) on the
white screen (tests/ui/test_tenant_text.py checks).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from kiosk.session.views import Tone
from ui.theme import PALETTE

#: (text colour, bar colour) per tone
TONE_COLOURS: dict[Tone, tuple[str, str]] = {
    Tone.INFO: (PALETTE.text, PALETTE.primary),
    Tone.WARNING: ("#663C00", "#663C00"),  # dark amber: 9.5:1 on white
    Tone.ERROR: (PALETTE.danger, PALETTE.danger),
}

NO_TONE = "none"
_BOX = "border-left: 8px solid {bar}; padding-left: 16px;"

#: applied to each tenant screen on top of the window's sheet (assets/style/kiosk.qss)
SCREEN_STYLE = "\n".join(
    [
        f'QLabel[tone="{NO_TONE}"] {{ {_BOX.format(bar="transparent")} }}',
        *(
            f'QLabel[tone="{tone.value}"] {{ color: {text}; {_BOX.format(bar=bar)} }}'
            for tone, (text, bar) in TONE_COLOURS.items()
        ),
        'QLabel[role="receipt"] { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; }',
    ]
)


def restyle(widget: QWidget, name: str, value: str) -> None:
    """Set the dynamic property the style sheet reads, and re-apply the style (Qt does not)."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.updateGeometry()


def set_tone(widget: QWidget, tone: Tone | None) -> None:
    """Colour a label made to show tones (its ``tone`` property set from the start)."""
    restyle(widget, "tone", NO_TONE if tone is None else tone.value)
