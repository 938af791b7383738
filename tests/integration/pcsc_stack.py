"""Bringing up the real PC/SC stack for integration tests: pcscd with vsmartcard's vpcd driver.

Used by ``conftest.py`` (fixtures) and ``bench/apdu_rate.py``. If a pcscd is already running and
shows the "Virtual PCD" reader, it is used as it is; otherwise one is started in the foreground as a
child process (the machines run the tests as root, which pcscd needs for its socket in /run/pcscd)
and stopped afterwards. Missing packages are a setup fault, not a reason to skip: the error says to
run ``make setup``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cardlib.cardtype import CARD_NAME_ULTRALIGHT, storage_card_atr
from cardlib.emulator.base import EmulatedCard
from cardlib.errors import ReaderError
from cardlib.reader.pcsc import pcsc_readers

VPCD_READER = "Virtual PCD"
VPCD_PORT = 0x8C7B  # slot 0; /etc/reader.conf.d/vpcd
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_CONFIG = Path("/etc/reader.conf.d/vpcd")
SETUP_HINT = "Run `make setup` (installs pcscd, vsmartcard-vpcd, libpcsclite-dev, swig)."
#: held by whichever test run or benchmark uses the vpcd slots: they are machine-wide
LOCK_PATH = Path("/tmp/prepay-kiosk-vpcd.lock")


class PcscStackError(RuntimeError):
    """pcscd with vpcd could not be brought up."""


@dataclass
class Pcscd:
    """A pcscd serving the Virtual PCD reader; ``process`` is None when it was already running."""

    process: subprocess.Popen[bytes] | None
    log_path: Path | None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def exclusive_vpcd(timeout: float = 900.0) -> Iterator[None]:
    """Hold the machine-wide vpcd lock: two test runs inserting cards into the same Virtual PCD
    slots (and one stopping the pcscd the other uses) would fail each other at random. A second
    run waits for the first to finish."""
    with open(LOCK_PATH, "a+") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PcscStackError(
                        f"Another test run has held the Virtual PCD slots for {timeout:g} s"
                        f" (lock {LOCK_PATH}, pid {LOCK_PATH.read_text().strip() or '?'})."
                    ) from None
                time.sleep(0.2)
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def vpcd_reader_names() -> list[str]:
    """The Virtual PCD slots pcscd shows now ("Virtual PCD 00 00", "Virtual PCD 00 01"), or []
    when pcscd is not reachable."""
    try:
        return sorted(n for n in pcsc_readers() if n.startswith(VPCD_READER))
    except ReaderError:
        return []


def vpcd_reader_name(slot: int = 0) -> str:
    names = vpcd_reader_names()
    if len(names) <= slot:
        raise PcscStackError(f"pcscd shows no {VPCD_READER} slot {slot} (readers: {names})")
    return names[slot]


def _pcscd_answers() -> bool:
    try:
        pcsc_readers()
    except ReaderError:
        return False
    return True


def start_pcscd(timeout: float = 15.0) -> Pcscd:
    """Make sure pcscd with the vpcd driver is running; start one when none is."""
    missing = [
        what
        for what, ok in (
            ("pcscd (Debian package pcscd)", shutil.which("pcscd") is not None),
            (f"the vpcd driver {VPCD_DRIVER} (vsmartcard-vpcd)", VPCD_DRIVER.exists()),
            (
                f"the vpcd reader configuration {VPCD_CONFIG} (vsmartcard-vpcd)",
                VPCD_CONFIG.exists(),
            ),
        )
        if not ok
    ]
    if missing:
        raise PcscStackError("Missing " + ", ".join(missing) + ". " + SETUP_HINT)

    if _pcscd_answers():
        if vpcd_reader_names():
            return Pcscd(process=None, log_path=None)
        raise PcscStackError(
            f"A pcscd is running but shows no {VPCD_READER} reader (readers: {pcsc_readers()}):"
            " it was probably started before vsmartcard-vpcd was installed. Restart it"
            " (systemctl restart pcscd, or stop it and let the tests start their own)."
        )

    log_fd, log_name = tempfile.mkstemp(prefix="pcscd-", suffix=".log")
    # pcscd's client library and daemon talk over /run/pcscd/pcscd.comm; it must exist as a dir.
    os.makedirs("/run/pcscd", exist_ok=True)
    process = subprocess.Popen(
        ["pcscd", "--foreground", "--info"],
        stdout=log_fd,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    os.close(log_fd)
    pcscd = Pcscd(process=process, log_path=Path(log_name))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PcscStackError(
                f"pcscd exited at start (code {process.returncode}). Its log:\n{pcscd.log_tail()}"
                f"\n{SETUP_HINT}"
            )
        if vpcd_reader_names():
            return pcscd
        time.sleep(0.05)
    pcscd.stop()
    raise PcscStackError(
        f"pcscd did not show the {VPCD_READER} reader within {timeout:g} s. Its log:\n"
        f"{pcscd.log_tail()}\n{SETUP_HINT}"
    )


class UidCard(EmulatedCard):
    """The smallest card an ACS reader could front: answers GET UID (FF CA 00 00 00), echoes any
    other FF-class command's data back with 90 00 (so a test can tell one command from another),
    and says 6E 00 to any other class. Counts power-ups."""

    ATR = storage_card_atr(CARD_NAME_ULTRALIGHT)

    def __init__(self, uid: bytes = bytes.fromhex("04A1B2C3D4E5F6")) -> None:
        super().__init__()
        self.uid = uid
        self.power_ups = 0
        self.seen: list[bytes] = []

    @property
    def atr(self) -> bytes:
        return self.ATR

    def power_on(self) -> None:
        self.power_ups += 1
        super().power_on()

    def _reset_volatile(self) -> None:
        pass

    def _process(self, apdu: bytes) -> bytes:
        self.seen.append(apdu)
        if apdu[:1] != b"\xff":
            return bytes.fromhex("6E00")
        if apdu[:4] == bytes.fromhex("FFCA0000"):
            return self.uid + b"\x90\x00"
        return apdu[5:] + b"\x90\x00"
