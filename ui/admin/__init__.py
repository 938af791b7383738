"""Admin mode on the touchscreen: staff sign in with their card and PIN and work the kiosk.

Thin by design: every check, permission and audit entry is in :mod:`kiosk.admin`; these screens
render what :class:`kiosk.admin.AdminService` returns and forward taps to it, always off the GUI
thread (:mod:`ui.worker`).

    controller   AdminController: the screens, the PIN, idle timeout, leaving admin mode, and the
                 on-screen keyboard bound to every text field (ui.widgets.keyboard)
    calls        AdminCalls: runs service calls for the screens, errors as sentences
    text         kiosk.admin's sentences (key + values) in the current language
    message_catalog  every kiosk.admin template marked for Qt Linguist (generated)
    widgets      small shared pieces (number fields on a keypad, confirm bar, text view)
    screens/     one module per screen
"""

from ui.admin.controller import AdminController

__all__ = ["AdminController"]
