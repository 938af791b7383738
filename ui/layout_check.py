"""Finding text that does not fit: what a tenant would see as clipped or cut-off words.

A widget's size hint is the space its text needs; after layout, a label or button narrower or
shorter than that (or a word-wrapped label shorter than its height-for-width) clips its text.
Used by the tests on every screen, in both orientations and both languages, and by the demo.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget


@dataclass(frozen=True)
class Clipped:
    widget: str  # object name or class
    text: str
    needed: tuple[int, int]  # (width, height) the text needs
    given: tuple[int, int]  # (width, height) it got

    def __str__(self) -> str:
        return (
            f"{self.widget} {self.text!r}: needs {self.needed[0]}x{self.needed[1]}, "
            f"has {self.given[0]}x{self.given[1]}"
        )


def _name(widget: QWidget) -> str:
    return widget.objectName() or type(widget).__name__


def clipped_texts(root: QWidget, tolerance: int = 1) -> list[Clipped]:
    """Every visible label or button under ``root`` whose text does not fit in its geometry."""
    found: list[Clipped] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        if isinstance(widget, QLabel):
            text = widget.text()
            if not text or widget.pixmap() is not None and not widget.pixmap().isNull():
                continue
            size = widget.size()
            if widget.wordWrap():
                needed_h = widget.heightForWidth(size.width())
                hint = widget.minimumSizeHint()
                needed = (hint.width(), needed_h)
            else:
                hint = widget.sizeHint()
                needed = (hint.width(), hint.height())
        elif isinstance(widget, QAbstractButton):
            text = widget.text()
            if not text:
                continue
            size = widget.size()
            hint = widget.sizeHint()
            needed = (hint.width(), hint.height())
        else:
            continue
        if needed[0] > size.width() + tolerance or needed[1] > size.height() + tolerance:
            found.append(Clipped(_name(widget), text, needed, (size.width(), size.height())))
    return found
