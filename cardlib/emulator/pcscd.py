"""pcscd with vsmartcard's vpcd driver: the real PC/SC stack that emulated cards are served to.

Used by the integration tests, the benchmarks and the demo. A running pcscd that shows the
"Virtual PCD" reader is used as it is; otherwise one is started in the foreground as a child process
(root is needed for its socket in /run/pcscd) and stopped afterwards. Missing packages are a set-up
fault: the error says to run ``make setup``. The vpcd slots are machine-wide, so whoever uses them
holds a lock (:func:`exclusive_vpcd`) and a second run waits for the first.

vpcd listens on every network interface: this is for tests, the demo and a technician's bench,
never for a production kiosk.
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

from cardlib.errors import ReaderError
from cardlib.reader.pcsc import pcsc_readers

VPCD_READER = "Virtual PCD"
VPCD_PORT = 0x8C7B  # slot 0; /etc/reader.conf.d/vpcd
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_CONFIG = Path("/etc/reader.conf.d/vpcd")
SETUP_HINT = "Run `make setup` (installs pcscd, vsmartcard-vpcd, libpcsclite-dev, swig)."
#: shared with the integration tests: whoever holds it owns the vpcd slots (they are machine-wide)
LOCK_PATH = Path("/tmp/prepay-kiosk-vpcd.lock")


class PcscStackError(RuntimeError):
    """pcscd with vpcd could not be brought up."""


@dataclass
class Pcscd:
    """A pcscd serving the Virtual PCD reader; ``process`` is None when it was already running."""

    process: subprocess.Popen[bytes] | None
    log_path: Path | None

    @property
    def started_here(self) -> bool:
        return self.process is not None

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
    """Hold the machine-wide vpcd lock; a test run or benchmark holding it is waited for."""
    with open(LOCK_PATH, "a+") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PcscStackError(
                        f"Another run has held the Virtual PCD slots for {timeout:g} s"
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
    """The Virtual PCD slots pcscd shows now, or [] when pcscd is not reachable."""
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
            (f"the vpcd configuration {VPCD_CONFIG} (vsmartcard-vpcd)", VPCD_CONFIG.exists()),
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
            " restart it (systemctl restart pcscd, or stop it and let the benchmark start one)."
        )
    log_fd, log_name = tempfile.mkstemp(prefix="pcscd-", suffix=".log")
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


@contextlib.contextmanager
def running_pcscd() -> Iterator[Pcscd]:
    """Hold the vpcd lock with pcscd up; stop pcscd afterwards if it was started here."""
    with exclusive_vpcd():
        pcscd = start_pcscd()
        try:
            yield pcscd
        finally:
            pcscd.stop()
