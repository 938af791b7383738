"""The demo control window: what a person at the demo does with their hands, phone and meter.

Tap or remove each virtual card, pay the QR code on the kiosk as a phone would, insert a meter
card into its virtual meter and let time pass there. Everything goes through
:class:`kiosk.demo_site.DemoSite`; the HTTP call to the payment simulator runs off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.demo_site import DemoSite
from kiosk.money import format_amount
from ui.worker import Runner

HOURS_PER_STEP = 6


class DemoControl(QWidget):
    def __init__(self, site: DemoSite, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.site = site
        self.runner = runner
        self.setWindowTitle("Demo control: cards, phone, meters")
        self.setObjectName("demo_control")
        layout = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        cards = QGroupBox("Cards on the kiosk's reader")
        box = QVBoxLayout(cards)
        self.tap_buttons: dict[str, QPushButton] = {}
        for name, demo in site.cards.items():
            b = QPushButton(f"Tap: {demo.label}")
            b.setObjectName(f"tap_{name}")
            b.clicked.connect(lambda _=False, n=name: self._do(self.site.tap, n))
            box.addWidget(b)
            self.tap_buttons[name] = b
        self.remove_button = QPushButton("Take the card off the reader")
        self.remove_button.setObjectName("remove_card")
        self.remove_button.clicked.connect(lambda: self._do(self.site.remove))
        box.addWidget(self.remove_button)
        layout.addWidget(cards)

        phone = QGroupBox("Phone")
        box = QVBoxLayout(phone)
        self.pay_button = QPushButton("Scan the QR code and pay")
        self.pay_button.setObjectName("pay")
        self.pay_button.clicked.connect(lambda: self._do(self.site.pay_pending))
        box.addWidget(self.pay_button)
        layout.addWidget(phone)

        meters = QGroupBox("Card meters")
        box = QVBoxLayout(meters)
        self.meter_buttons: dict[str, QPushButton] = {}
        for name, demo in site.cards.items():
            if demo.meter is None:
                continue
            b = QPushButton(f"Insert into meter {demo.meter.state.meter_id}: {demo.label}")
            b.setObjectName(f"meter_{name}")
            b.clicked.connect(lambda _=False, n=name: self._do(self.site.insert_into_meter, n))
            box.addWidget(b)
            self.meter_buttons[name] = b
        self.time_button = QPushButton(f"Let {HOURS_PER_STEP} hours pass at the meters")
        self.time_button.setObjectName("time")
        self.time_button.clicked.connect(lambda: self._do(self.site.let_time_pass, HOURS_PER_STEP))
        box.addWidget(self.time_button)
        layout.addWidget(meters)
        self.refresh()

    def _do(self, fn, *args) -> None:  # type: ignore[no-untyped-def]
        self.runner.submit(fn, *args, on_done=lambda _r: self.refresh(), on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.refresh()
        self.status.setText(self.status.text() + f"\n\nThat did not work: {exc}")

    def refresh(self) -> None:
        lines = [f"On the reader: {self._on_reader()}"]
        for demo in self.site.cards.values():
            if demo.meter is not None:
                m = demo.meter
                relay = "on" if m.relay_closed else "OFF"
                lines.append(
                    f"Meter {m.state.meter_id}: credit {format_amount(m.credit, 156)}, "
                    f"power {relay}, {m.state.reading_wh // 1000:,} kWh"
                )
        self.status.setText("\n".join(lines))

    def _on_reader(self) -> str:
        name = self.site.on_reader
        return "nothing" if name is None else self.site.cards[name].label
