"""Test-wide settings: Qt draws offscreen (no display in CI), before any QApplication exists."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
