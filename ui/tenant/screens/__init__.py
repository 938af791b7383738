"""The tenant screens, one module each, and the window keys they are shown under."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.session.views import Screen
from ui.tenant.screens.account import AccountScreen
from ui.tenant.screens.amount import AmountScreen
from ui.tenant.screens.attract import AttractScreen
from ui.tenant.screens.base import TenantScreen
from ui.tenant.screens.card_away import CardAwayScreen
from ui.tenant.screens.done import DoneScreen
from ui.tenant.screens.message import MessageScreen
from ui.tenant.screens.paying import PayingScreen
from ui.tenant.screens.writing import WritingScreen

#: the tenant screen that renders each session screen (STAFF has none: admin mode takes over)
SCREEN_CLASSES: dict[Screen, Callable[[], TenantScreen]] = {
    Screen.ATTRACT: AttractScreen,
    Screen.ACCOUNT: AccountScreen,
    Screen.AMOUNT: AmountScreen,
    Screen.PAYING: PayingScreen,
    Screen.WRITING: WritingScreen,
    Screen.CARD_AWAY: CardAwayScreen,
    Screen.DONE: DoneScreen,
    Screen.MESSAGE: MessageScreen,
}


def window_key(screen: Screen) -> str:
    """The key a tenant screen has in the window: ``tenant.<screen>``."""
    return f"tenant.{screen.value}"


def build_screens() -> dict[Screen, TenantScreen]:
    """One fresh widget per tenant screen."""
    return {screen: cls() for screen, cls in SCREEN_CLASSES.items()}


__all__ = [
    "SCREEN_CLASSES",
    "AccountScreen",
    "AmountScreen",
    "AttractScreen",
    "CardAwayScreen",
    "DoneScreen",
    "MessageScreen",
    "PayingScreen",
    "TenantScreen",
    "WritingScreen",
    "build_screens",
    "window_key",
]
