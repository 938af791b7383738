"""The touchscreen, offscreen (``QT_QPA_PLATFORM=offscreen``) on the demo building: cold start to
the attract screen, a card's tap to its account on screen, and memory over many top-ups made
through the real widgets.

Run: ``python -m bench.ui [--runs 5] [--taps 50] [--topups 1000] [--poll-ms 20]
[--tracemalloc [FRAMES]] [--quick]``. Every part runs in a fresh child process
(``python -m bench.ui --child ...``), so the figures of one part carry nothing of another. What
is measured:

- **cold start**: the parent's wall time from spawning ``python -m bench.ui --child start`` to
  reading the child's report, which the child writes once the first ``view_shown`` of
  ``Screen.ATTRACT`` has come (the window shown, ``ui.start()``, the session's first view back from
  the worker thread on the running event loop) and the event loop has drained what that posted
  (the paint). The child also stamps its phases: interpreter start, imports (PySide6, the kiosk,
  the UI), ``build_demo_site`` (of which card personalisation, the staff PIN's argon2id hash, and
  the rest: database, migrations, payment simulator), ``QApplication``, ``build_ui``, and show ->
  attract. Median and max of ``--runs``.
- **tap to account**: one process, the UI as ``build_ui`` makes it (the window's own one-second
  tick, the session from kiosk.toml). ``site.tap("elec_1203")`` puts the meter card on the emulated
  reader; the time runs to the controller's ``view_shown`` of ``Screen.ACCOUNT``, through the real
  path: ``CardMonitor`` (polls the emulated reader every 50 ms) -> queued signal -> ``Runner``
  (worker thread) -> ``TenantSession.card_present`` (card read, database) -> screen render. Split
  at the controller's ``card_arrived``. The card is taken off and ATTRACT waited for between taps,
  then a random 0-250 ms passes (a hand comes at any moment of the monitor's polling).
- **top-ups**: complete top-ups through the controller, clicking the real buttons (QTest mouse
  clicks, as pytest-qt does): tap -> "Top up" -> the first preset -> "Pay" -> the phone pays
  (``site.pay_pending()``, HTTP to the in-process simulator) -> WRITING -> DONE -> card off -> "OK"
  -> ATTRACT. The three tenant cards are taken in turn. The session is made by the benchmark:
  presets from 2.00 CNY (1,000 top-ups stay within the per-card daily limit of 5,000 CNY) and a
  payment poll of ``--poll-ms``; the window's one-second tick is replaced by a ``--poll-ms`` timer
  (the kiosk ticks every second and polls every two: a tenant waits that long for the payment to
  be seen; the benchmark does not). RSS (``VmRSS``), Python's allocated blocks, live gc objects,
  Qt objects under the window, open file descriptors and threads are sampled after a
  ``gc.collect()`` at 10, 100, 250, 500 and 1,000 top-ups, and the live objects whose number grew
  from 100 top-ups to the end are counted by type (the benchmark's own lists of timings grow by
  about 0.25 KB a top-up). ``--tracemalloc`` also traces Python allocations (about five times
  slower) and prints where the heap grew between 100 top-ups and the end.

Never run from the tests: timings are reported, not asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the parent never imports Qt: only the children do
    from kiosk.demo_site import DemoSite
    from ui.app import KioskUi

#: the meter card the tap benchmark puts on the reader
TAP_CARD = "elec_1203"
#: the tenant cards the top-ups take in turn
TOPUP_CARDS = ("elec_1203", "elec_1507", "wallet")
#: the benchmark session's presets (minor units): the first, 2.00 CNY, is the one clicked
TOPUP_PRESETS = (2_00, 5_00, 10_00, 20_00)
#: top-up counts after which memory is sampled (and the last one, whatever it is)
CHECKPOINTS = (10, 100, 250, 500, 1_000)
RESULT = "RESULT "  # a child's one line of results on stdout: this prefix, then JSON
WAIT_S = 30.0
#: the longest pause before a tap in the tap benchmark, s (a random moment of the monitor's polling)
PAUSE_S = 0.25


# -- measuring helpers -------------------------------------------------------------------------


def rss_kib() -> int:
    """This process's resident set size (VmRSS), KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def median_p95_max(seconds: list[float]) -> tuple[float, float, float]:
    """Median, p95 (nearest rank) and max, in ms."""
    ordered = sorted(seconds)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


def report(payload: dict[str, Any]) -> None:
    print(RESULT + json.dumps(payload), flush=True)


# -- the children: Qt, the demo building and the UI --------------------------------------------


def offscreen() -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


class Waiter:
    """Runs the Qt event loop until a condition holds. It is woken by the controller's and the
    runner's signals (no polling, no sleeps), so a wait ends as soon as the answer is on screen."""

    def __init__(self, kiosk_ui: KioskUi) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        self.controller: Any = kiosk_ui.tenant
        self.loop = QEventLoop()
        self.timer = QTimer()
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(lambda: self.loop.exit(1))
        self.cond: Callable[[], bool] | None = None
        self.cards_left = 0
        self.controller.card_left.connect(self._card_left)
        for signal in (
            self.controller.view_shown,
            self.controller.card_arrived,
            kiosk_ui.runner.idle,  # type: ignore[attr-defined]
        ):
            signal.connect(self._check)

    def _card_left(self) -> None:
        self.cards_left += 1
        self._check()

    def _check(self, *_: object) -> None:
        if self.cond is not None and self.cond():
            self.loop.quit()

    def until(self, cond: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
        if cond():
            return
        self.cond = cond
        self.timer.start(int(timeout_s * 1000))
        try:
            if self.loop.exec() != 0:
                view = self.controller.view
                raise TimeoutError(
                    f"no {what} after {timeout_s:.0f} s; on screen: "
                    f"{view.screen.name if view is not None else None}"
                )
        finally:
            self.timer.stop()
            self.cond = None

    def pause(self, seconds: float) -> None:
        """Let the event loop run for ``seconds`` (the window ticks, the monitor polls)."""
        from PySide6.QtCore import QEventLoop, QTimer

        idle = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), idle.quit)
        idle.exec()

    def shown(self, screen: object) -> Callable[[], bool]:
        """``screen`` is on screen and no session call is under way."""

        def cond() -> bool:
            view = self.controller.view
            return view is not None and view.screen is screen and not self.controller.busy

        return cond


@contextlib.contextmanager
def demo_ui(
    folder: Path, poll_ms: int | None = None, stamps: dict[str, float] | None = None
) -> Iterator[tuple[Any, DemoSite, KioskUi, Waiter]]:
    """The demo building and the touchscreen over it, shown, started and on ATTRACT. With
    ``poll_ms`` the session is the benchmark's (short poll, small presets) and the window's tick
    is a ``poll_ms`` timer. ``stamps`` receives wall-clock times of the phases (cold start)."""

    def stamp(name: str) -> None:
        if stamps is not None:
            stamps[name] = time.time()

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    stamp("pyside6")
    from cardlib.service import CardService
    from kiosk import demo_site
    from kiosk.session.tenant import TenantSession
    from kiosk.session.views import Screen
    from ui.app import build_ui

    stamp("imported")
    spent = {"personalise": 0.0, "pin": 0.0}
    personalise = CardService.personalise

    def timed_personalise(self: CardService, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return personalise(self, *args, **kwargs)
        finally:
            spent["personalise"] += time.perf_counter() - started

    def timed_pin(kiosk: Any, staff_id: int, pin: str) -> None:
        started = time.perf_counter()
        demo_site._set_pin(kiosk, staff_id, pin)
        spent["pin"] += time.perf_counter() - started

    CardService.personalise = timed_personalise  # type: ignore[method-assign]
    try:
        site = demo_site.build_demo_site(folder, set_pin=timed_pin)
    finally:
        CardService.personalise = personalise  # type: ignore[method-assign]
    stamp("site")
    if stamps is not None:
        stamps.update(personalise_s=spent["personalise"], pin_s=spent["pin"])
    app = QApplication.instance() or QApplication([sys.argv[0]])
    stamp("qapp")
    session = None
    if poll_ms is not None:
        session = TenantSession(
            site.kiosk,
            site.reader,
            presets=TOPUP_PRESETS,
            poll_interval=poll_ms / 1000,
            idle_timeout=site.kiosk.config.session.idle_timeout,
            card_away_timeout=site.kiosk.config.session.card_away_timeout,
        )
    kiosk_ui = build_ui(app, site.kiosk, site.reader, session=session)
    window: Any = kiosk_ui.window
    ticker = None
    if poll_ms is not None:
        window.stop_tick()
        ticker = QTimer()
        ticker.setInterval(poll_ms)
        ticker.timeout.connect(window.tick.emit)
        ticker.start()
    stamp("ui")
    waiter = Waiter(kiosk_ui)
    window.show()
    kiosk_ui.start()
    waiter.until(waiter.shown(Screen.ATTRACT), "attract screen")
    try:
        yield app, site, kiosk_ui, waiter
    finally:
        if ticker is not None:
            ticker.stop()
        kiosk_ui.stop()
        app.processEvents()
        window.close()
        window.deleteLater()
        app.processEvents()
        site.close()


def child_start() -> None:
    """Cold start: report as soon as ATTRACT is shown and its paint processed, then tidy up."""
    stamps: dict[str, float] = {"main": time.time()}
    offscreen()
    from PySide6.QtCore import QEventLoop, QTimer

    from kiosk.session.views import Screen

    # demo_ui returns once the first view_shown of ATTRACT has been seen
    with (
        tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp,
        demo_ui(Path(tmp) / "site", stamps=stamps) as (_app, _site, kiosk_ui, _waiter),
    ):
        stamps["attract"] = time.time()
        view = kiosk_ui.tenant.view  # type: ignore[attr-defined]
        assert view is not None and view.screen is Screen.ATTRACT
        drained = QEventLoop()
        QTimer.singleShot(0, drained.quit)  # after the events already posted: the paint
        drained.exec()
        stamps["drained"] = time.time()
        report(stamps)


def child_taps(taps: int) -> None:
    offscreen()
    from kiosk.session.views import Screen

    arrived: list[float] = []
    account: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp,
        demo_ui(Path(tmp) / "site") as (_app, site, kiosk_ui, waiter),
    ):
        controller: Any = kiosk_ui.tenant

        def on_shown(view: Any) -> None:
            if view.screen is Screen.ACCOUNT:
                account.append(time.perf_counter())

        controller.card_arrived.connect(lambda: arrived.append(time.perf_counter()))
        controller.view_shown.connect(on_shown)
        to_arrived: list[float] = []
        to_account: list[float] = []
        hand = random.Random(1203)
        for _ in range(taps):
            # a hand comes at any moment: without this pause every tap would come just after the
            # monitor's last poll (it saw the card leave) and wait a whole polling interval
            waiter.pause(hand.uniform(0.0, PAUSE_S))
            arrived.clear()
            account.clear()
            started = time.perf_counter()
            site.tap(TAP_CARD)
            waiter.until(lambda: bool(account), "account screen")
            to_arrived.append(arrived[0] - started)
            to_account.append(account[0] - started)
            site.remove()
            waiter.until(waiter.shown(Screen.ATTRACT), "attract screen after the card left")
        report({"to_arrived": to_arrived, "to_account": to_account})


@dataclass
class Sample:
    topups: int
    elapsed_s: float
    rss_kib: int
    blocks: int  # sys.getallocatedblocks()
    gc_objects: int
    qt_objects: int  # QObjects under the window
    fds: int
    threads: int
    traced_kib: int | None  # tracemalloc's current size

    @classmethod
    def take(cls, topups: int, elapsed_s: float, window: Any) -> Sample:
        import tracemalloc

        from PySide6.QtCore import QObject

        gc.collect()
        traced = tracemalloc.get_traced_memory()[0] // 1024 if tracemalloc.is_tracing() else None
        return cls(
            topups,
            elapsed_s,
            rss_kib(),
            sys.getallocatedblocks(),
            len(gc.get_objects()),
            len(window.findChildren(QObject)),
            len(os.listdir("/proc/self/fd")),
            threading.active_count(),
            traced,
        )


STEPS = (
    "tap -> account",
    "Top up -> amount",
    "preset -> priced",
    "Pay -> QR code",
    "phone pays (HTTP)",
    "paid -> done",
    "card off",
    "OK -> attract",
)


class TopUpHand:
    """A tenant's hand on the demo building: one complete top-up through the real widgets."""

    def __init__(self, site: DemoSite, kiosk_ui: KioskUi, waiter: Waiter) -> None:
        from kiosk.session.views import Screen
        from ui.tenant.screens import AccountScreen, AmountScreen, DoneScreen

        self.site, self.waiter = site, waiter
        self.controller: Any = kiosk_ui.tenant
        self.account = self.controller.screen(Screen.ACCOUNT)
        self.amount = self.controller.screen(Screen.AMOUNT)
        self.done = self.controller.screen(Screen.DONE)
        assert isinstance(self.account, AccountScreen)
        assert isinstance(self.amount, AmountScreen)
        assert isinstance(self.done, DoneScreen)

    def click(self, widget: Any) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        if not (widget.isVisible() and widget.isEnabled()):
            raise RuntimeError(f"{widget.objectName()} cannot be clicked now")
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)

    def top_up(self, card: str) -> list[float]:
        """Tap ``card``, top it up by the first preset, take it off, OK: the perf_counter time at
        the start and after each of :data:`STEPS`."""
        from kiosk.session.views import Screen

        waiter, controller, amount = self.waiter, self.controller, self.amount

        def priced() -> bool:
            return waiter.shown(Screen.AMOUNT)() and amount.pay_button.isEnabled()

        t = [time.perf_counter()]
        self.site.tap(card)
        waiter.until(waiter.shown(Screen.ACCOUNT), "account screen")
        t.append(time.perf_counter())
        self.click(self.account.top_up_button)
        waiter.until(waiter.shown(Screen.AMOUNT), "amount screen")
        t.append(time.perf_counter())
        self.click(amount.preset_buttons[0])
        waiter.until(priced, "priced amount")
        t.append(time.perf_counter())
        self.click(amount.pay_button)
        waiter.until(waiter.shown(Screen.PAYING), "QR code")
        t.append(time.perf_counter())
        if self.site.pay_pending() is None:
            raise RuntimeError("no order waits for payment")
        t.append(time.perf_counter())
        waiter.until(waiter.shown(Screen.DONE), "receipt")
        t.append(time.perf_counter())
        left = waiter.cards_left
        self.site.remove()
        waiter.until(lambda: waiter.cards_left > left and not controller.busy, "card off")
        t.append(time.perf_counter())
        self.click(self.done.ok_button)
        waiter.until(waiter.shown(Screen.ATTRACT), "attract screen")
        t.append(time.perf_counter())
        return t


def object_types() -> Counter[str]:
    """Live gc-tracked objects by type (module.qualname)."""
    gc.collect()
    return Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())


def child_topups(n: int, poll_ms: int, trace: int) -> None:
    """``n`` top-ups through the widgets; ``trace``: tracemalloc's frames (0: not traced)."""
    offscreen()
    import tracemalloc

    if trace:
        tracemalloc.start(trace)
    checkpoints = sorted({c for c in CHECKPOINTS if c < n} | {n})
    samples: list[Sample] = []
    steps: dict[str, list[float]] = {s: [] for s in STEPS}
    per_topup: list[float] = []
    top: list[str] = []
    types_at: Counter[str] | None = None
    grown: list[tuple[str, int]] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp,
        demo_ui(Path(tmp) / "site", poll_ms=poll_ms) as (_app, site, kiosk_ui, waiter),
    ):
        hand = TopUpHand(site, kiosk_ui, waiter)
        snapshot_at: Any = None
        samples.append(Sample.take(0, 0.0, kiosk_ui.window))
        started = time.perf_counter()
        for done in range(1, n + 1):
            t = hand.top_up(TOPUP_CARDS[(done - 1) % len(TOPUP_CARDS)])
            for name, (a, b) in zip(STEPS, itertools.pairwise(t), strict=True):
                steps[name].append(b - a)
            per_topup.append(t[-1] - t[0])
            if done in checkpoints:
                elapsed = time.perf_counter() - started
                samples.append(Sample.take(done, elapsed, kiosk_ui.window))
                print(
                    f"  {done} top-ups, {elapsed:.0f} s, RSS {samples[-1].rss_kib / 1024:.1f} MiB",
                    file=sys.stderr,
                    flush=True,
                )
                if done == 100:
                    types_at = object_types()
                    if trace:
                        snapshot_at = tracemalloc.take_snapshot()
        total = time.perf_counter() - started
        if trace and snapshot_at is not None:  # before the census below allocates
            top = heap_growth(snapshot_at, tracemalloc.take_snapshot())
        if types_at is not None and n > 100:
            diff = object_types()
            diff.subtract(types_at)
            grown = [(name, count) for name, count in diff.most_common(12) if count > 0]
    report(
        {
            "n": n,
            "poll_ms": poll_ms,
            "total_s": total,
            "per_topup": per_topup,
            "steps": steps,
            "samples": [s.__dict__ for s in samples],
            "grown": grown,
            "top": top,
        }
    )


def heap_growth(before: Any, after: Any, lines: int = 15, traces: int = 5) -> list[str]:
    """Where Python's heap grew between two tracemalloc snapshots: by line, then the tracebacks
    of the biggest. The benchmark's own allocations (its lists of timings) are left out."""
    import tracemalloc

    ignore = [
        tracemalloc.Filter(False, __file__),
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
        tracemalloc.Filter(False, "<unknown>"),
    ]
    before, after = before.filter_traces(ignore), after.filter_traces(ignore)
    out = [f"{stat}" for stat in after.compare_to(before, "lineno")[:lines]]
    for stat in after.compare_to(before, "traceback")[:traces]:
        out.append(f"-- {stat.size_diff / 1024:+.1f} KiB in {stat.count_diff:+d} blocks:")
        out.extend(stat.traceback.format(most_recent_first=True))
    return out


# -- the parent --------------------------------------------------------------------------------


def run_child(args: list[str], echo: bool = False) -> tuple[dict[str, Any], float]:
    """Spawn ``python -m bench.ui --child ...``; its result and the seconds from spawn to it."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "bench.ui", "--child", *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    ) as proc:
        assert proc.stdout is not None
        result: dict[str, Any] | None = None
        seconds = 0.0
        for line in proc.stdout:
            if line.startswith(RESULT):
                seconds = time.perf_counter() - started
                result = json.loads(line[len(RESULT) :])
            elif echo:
                print(line, end="", flush=True)
        if proc.wait() != 0 or result is None:
            raise RuntimeError(f"bench.ui --child {' '.join(args)} failed ({proc.returncode})")
    return result, seconds


@dataclass
class ColdStarts:
    total_s: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=dict)

    def add(self, spawned: float, seconds: float, stamps: dict[str, float]) -> None:
        self.total_s.append(seconds)
        site = stamps["site"] - stamps["imported"]
        cards, pin = stamps["personalise_s"], stamps["pin_s"]
        for name, value in (
            ("interpreter start, `python -m bench.ui`", stamps["main"] - spawned),
            ("import PySide6 (QtCore, QtWidgets)", stamps["pyside6"] - stamps["main"]),
            (
                "import kiosk (SQLAlchemy, requests, ...) and ui.app",
                stamps["imported"] - stamps["pyside6"],
            ),
            ("demo site: card personalisation (4 cards)", cards),
            ("demo site: staff PIN (argon2id)", pin),
            ("demo site: the rest (config, SQLite + migrations, simulator)", site - cards - pin),
            ("QApplication", stamps["qapp"] - stamps["site"]),
            (
                "build_ui (ui.* imports, window, screens, controllers)",
                stamps["ui"] - stamps["qapp"],
            ),
            ("show + start -> view_shown(ATTRACT)", stamps["attract"] - stamps["ui"]),
            ("-> event loop drained (paint)", stamps["drained"] - stamps["attract"]),
        ):
            self.phases.setdefault(name, []).append(value)


def cold_starts(runs: int) -> ColdStarts:
    out = ColdStarts()
    for _ in range(runs):
        spawned = time.time()
        stamps, seconds = run_child(["start"])
        out.add(spawned, seconds, stamps)
    return out


def print_cold(c: ColdStarts) -> None:
    print(f"### Cold start to the attract screen ({len(c.total_s)} runs)\n")
    print("| | median s | max s |")
    print("|---|---:|---:|")
    med, top = statistics.median(c.total_s), max(c.total_s)
    print(f"| **spawn -> attract shown (parent's wall time)** | **{med:.2f}** | **{top:.2f}** |")
    for name, values in c.phases.items():
        print(f"| {name} | {statistics.median(values):.3f} | {max(values):.3f} |")
    print()


def print_taps(result: dict[str, Any]) -> None:
    arrived, account = result["to_arrived"], result["to_account"]
    render = [b - a for a, b in zip(arrived, account, strict=True)]
    print(f"### Tap to account shown ({TAP_CARD}, {len(account)} taps)\n")
    print("| ms | median | p95 | max |")
    print("|---|---:|---:|---:|")
    for name, values in (
        ("**tap -> view_shown(ACCOUNT)**", account),
        ("tap -> card_arrived (CardMonitor, 50 ms polling)", arrived),
        ("card_arrived -> view_shown (session on the worker, render)", render),
    ):
        med, p95, top = median_p95_max(values)
        print(f"| {name} | {med:.1f} | {p95:.1f} | {top:.1f} |")
    print(f"\nfirst tap: {account[0] * 1000:.1f} ms (included above)\n")


def print_topups(result: dict[str, Any]) -> None:
    n, total = result["n"], result["total_s"]
    med, p95, top = median_p95_max(result["per_topup"])
    print(f"### {n:,} top-ups through the touchscreen (--poll-ms {result['poll_ms']})\n")
    print(
        f"{n:,} top-ups in {total:.1f} s: **{n / total:.1f} top-ups/s**; "
        f"ms per top-up median {med:.1f}, p95 {p95:.1f}, max {top:.1f}\n"
    )
    print("| step | median ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|")
    for name, values in result["steps"].items():
        m, p, x = median_p95_max(values)
        print(f"| {name} | {m:.1f} | {p:.1f} | {x:.1f} |")
    samples = result["samples"]
    traced = samples[-1]["traced_kib"] is not None
    print(
        "\n| top-ups | elapsed s | RSS MiB | Python blocks | gc objects | Qt objects | fds "
        f"| threads |{' tracemalloc MiB |' if traced else ''}"
    )
    print(f"|---:|---:|---:|---:|---:|---:|---:|---:|{'---:|' if traced else ''}")
    for s in samples:
        row = (
            f"| {s['topups']:,} | {s['elapsed_s']:.0f} | {s['rss_kib'] / 1024:.1f} "
            f"| {s['blocks']:,} | {s['gc_objects']:,} | {s['qt_objects']:,} | {s['fds']} "
            f"| {s['threads']} |"
        )
        if traced:
            row += f" {s['traced_kib'] / 1024:.1f} |"
        print(row)
    by = {s["topups"]: s for s in samples}
    last = samples[-1]
    if 100 in by and last["topups"] > 100:
        first, k = by[100], last["topups"] - 100
        rss = (last["rss_kib"] - first["rss_kib"]) / 1024
        print(
            f"\nfrom 100 to {last['topups']:,} top-ups: RSS {rss:+.1f} MiB "
            f"({(last['rss_kib'] - first['rss_kib']) / k:+.1f} KiB per top-up), "
            f"Python blocks {last['blocks'] - first['blocks']:+,}, "
            f"gc objects {last['gc_objects'] - first['gc_objects']:+,}, "
            f"Qt objects {last['qt_objects'] - first['qt_objects']:+,}"
            + (
                f", tracemalloc {(last['traced_kib'] - first['traced_kib']) / 1024:+.2f} MiB"
                if traced
                else ""
            )
        )
    if traced:
        print(
            "\n(traced: from 100 top-ups on, RSS and Python blocks include the tracemalloc "
            "snapshot kept for the comparison below; the tracemalloc column does not)"
        )
    if result["grown"]:
        print(f"\nLive objects that grew in number from 100 to {last['topups']:,} top-ups (gc):\n")
        print("| type | more objects |")
        print("|---|---:|")
        for name, count in result["grown"]:
            print(f"| `{name}` | {count:+,} |")
    if result["top"]:
        print("\nWhere the Python heap grew from 100 top-ups to the end (tracemalloc):\n")
        print("```")
        print("\n".join(result["top"]))
        print("```")
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ui", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts (5)")
    parser.add_argument("--taps", type=int, default=50, help="taps to the account screen (50)")
    parser.add_argument("--topups", type=int, default=1_000, help="top-ups (1000)")
    parser.add_argument(
        "--poll-ms",
        type=int,
        default=20,
        help="the window's tick and the session's payment poll while top-ups run, ms (20)",
    )
    parser.add_argument(
        "--tracemalloc",
        type=int,
        nargs="?",
        const=10,
        default=0,
        metavar="FRAMES",
        help="trace Python allocations in the top-ups, FRAMES deep (10); slow: about 2 s a top-up",
    )
    parser.add_argument(
        "--quick", action="store_true", help="for make bench: 3 cold starts, 20 taps, 100 top-ups"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "start":
            child_start()
        elif kind == "taps":
            child_taps(int(rest[0]))
        elif kind == "topups":
            child_topups(int(rest[0]), int(rest[1]), int(rest[2]))
        else:
            parser.error(f"unknown child {kind!r}")
        return
    if args.quick:
        args.runs, args.taps, args.topups = (
            min(args.runs, 3),
            min(args.taps, 20),
            min(args.topups, 100),
        )
    print(
        f"bench.ui: {dt.date.today()}, {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}, offscreen Qt\n",
        flush=True,
    )
    if args.runs > 0:
        print_cold(cold_starts(args.runs))
    if args.taps > 0:
        print_taps(run_child(["taps", str(args.taps)])[0])
    if args.topups > 0:
        child = ["topups", str(args.topups), str(args.poll_ms)]
        result, _ = run_child([*child, str(args.tracemalloc)], echo=True)
        print_topups(result)


if __name__ == "__main__":
    main()
