"""The touchscreen (PySide6): screens and widgets that show what kiosk/ decides and forward taps.

Nothing here decides anything about money, cards or meters. Blocking work (the reader, payment
polling, printing, sync) runs on a worker thread through :mod:`ui.worker`; results come back to
the GUI thread as queued signals.
"""
