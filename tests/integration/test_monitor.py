"""CardMonitor over a real pcscd (blocking waits) and over a polling reader."""

from __future__ import annotations

import threading
import time

from cardlib.apdu import Trace
from cardlib.emulator.vpcd import VpcdLink
from cardlib.monitor import CardEvent, CardEventKind, CardMonitor
from cardlib.reader.base import CardConnection, Reader
from cardlib.reader.pcsc import PcscReader
from tests.integration.pcsc_stack import UidCard


def test_monitor_reports_insert_with_atr_and_remove(
    vpcd_link: VpcdLink, pcsc_reader: PcscReader
) -> None:
    inserted: list[bytes | None] = []
    removed: list[bool] = []
    card = UidCard()

    with CardMonitor(
        pcsc_reader,
        on_insert=inserted.append,
        on_remove=lambda: removed.append(True),
        queue_events=True,
    ) as monitor:
        assert monitor.next_event(0.5) is None  # empty reader: nothing to report
        vpcd_link.insert(card)
        event = monitor.next_event(5.0)
        assert event is not None and event.kind is CardEventKind.INSERTED
        assert event.atr == card.atr
        vpcd_link.remove()
        event = monitor.next_event(5.0)
        assert event is not None and event.kind is CardEventKind.REMOVED
        vpcd_link.insert(card)
        event = monitor.next_event(5.0)
        assert event is not None and event.kind is CardEventKind.INSERTED

    assert inserted == [card.atr, card.atr]
    assert removed == [True]


def test_monitor_reports_a_card_already_there(vpcd_link: VpcdLink, pcsc_reader: PcscReader) -> None:
    vpcd_link.insert(UidCard())
    assert pcsc_reader.wait_for_card(5.0)
    with CardMonitor(pcsc_reader) as monitor:
        event = monitor.next_event(5.0)
    assert event is not None and event.kind is CardEventKind.INSERTED


def test_monitor_does_not_disturb_a_connection_in_use(
    vpcd_link: VpcdLink, pcsc_reader: PcscReader
) -> None:
    card = UidCard()
    vpcd_link.insert(card)
    with CardMonitor(pcsc_reader) as monitor:
        assert monitor.next_event(5.0) is not None
        with pcsc_reader.connect() as connection:
            for _ in range(50):
                assert connection.transmit(bytes.fromhex("FFCA000000")).ok
        assert monitor.next_event(0.3) is None  # presence checks saw the card all along


class _FlagReader(Reader):
    """A reader with no blocking wait of its own: the monitor must poll it."""

    name = "flag"

    def __init__(self) -> None:
        self.present = threading.Event()
        self.polls = 0

    def card_present(self) -> bool:
        self.polls += 1
        return self.present.is_set()

    def connect(self, trace: Trace | None = None) -> CardConnection:
        outer = self

        class _Connection(CardConnection):
            def _transmit(self, apdu: bytes) -> bytes:
                return b"\x90\x00"

            def disconnect(self) -> None:
                pass

        assert outer.present.is_set()
        return _Connection(UidCard.ATR, trace)


def test_monitor_polls_a_reader_without_blocking_waits() -> None:
    reader = _FlagReader()
    events: list[CardEvent] = []
    with CardMonitor(reader, interval=0.01) as monitor:
        reader.present.set()
        events.append(monitor.next_event(2.0))  # type: ignore[arg-type]
        reader.present.clear()
        events.append(monitor.next_event(2.0))  # type: ignore[arg-type]
    assert [e.kind for e in events] == [CardEventKind.INSERTED, CardEventKind.REMOVED]
    assert events[0].atr == UidCard.ATR  # told by a short connection
    assert reader.polls > 2


def test_stop_returns_promptly(pcsc_reader: PcscReader) -> None:
    monitor = CardMonitor(pcsc_reader).start()
    thread = monitor._thread
    assert thread is not None and thread.is_alive()
    time.sleep(0.1)
    monitor.stop(timeout=2.0)  # a wait is at most one slice (0.25 s) long
    assert not thread.is_alive()


def test_a_monitor_with_callbacks_keeps_no_queue_nobody_reads() -> None:
    reader = _FlagReader()
    seen: list[bytes | None] = []
    with CardMonitor(reader, on_insert=seen.append, interval=0.01) as monitor:
        for _ in range(3):
            reader.present.set()
            deadline = time.monotonic() + 2
            while monitor.present is False and time.monotonic() < deadline:
                time.sleep(0.01)
            reader.present.clear()
            while monitor.present and time.monotonic() < deadline:
                time.sleep(0.01)
    assert len(seen) == 3
    assert monitor.events.empty()  # a kiosk tapped all day does not keep every event
