"""A throw-away PostgreSQL server for tests and benchmarks (DESIGN.md §9): Debian's binaries, a
temporary data directory, a free port on 127.0.0.1, unix sockets inside the temporary directory,
trust authentication for the local superuser ``postgres``; everything removed on stop.

PostgreSQL refuses to run as root, so as root initdb and pg_ctl run as the ``postgres`` user
(``runuser -u postgres -- ...``) in a directory handed over to it; as any other user they run
directly. Nothing here touches the machine's own cluster (/var/lib/postgresql).

    with PostgresServer() as pg:
        url = pg.create_database("kiosk_test")   # postgresql+psycopg://postgres@127.0.0.1:PORT/..
        ...
        pg.drop_database("kiosk_test")

``python -m kiosk.db.pgserver`` starts one, prints its URL and runs until Ctrl-C.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

SUPERUSER = "postgres"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL (or its driver) is not installed, or the server would not start."""


def find_bindir() -> Path:
    """The directory holding initdb and pg_ctl: $PG_BINDIR, Debian's newest
    /usr/lib/postgresql/<version>/bin, or the PATH."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.parent.name
        return tuple(int(p) for p in part.split(".") if p.isdigit())

    candidates += [
        Path(p).parent
        for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True)
    ]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    raise PostgresUnavailableError(
        "PostgreSQL is not installed (no initdb/pg_ctl in /usr/lib/postgresql/*/bin or on the "
        "PATH): run make setup (Debian package: postgresql)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One PostgreSQL server in a temporary directory; see the module docstring.

    ``durable=False`` (the default, for tests) turns off fsync, full-page writes and synchronous
    commit: a crash of a throw-away server loses nothing anyone wants. Benchmarks pass
    ``durable=True`` to measure commits as production would make them.
    """

    def __init__(self, durable: bool = False, port: int | None = None) -> None:
        self.durable = durable
        self.port = port or free_port()
        self.bindir = find_bindir()
        self.root: Path | None = None
        self.datadir: Path | None = None
        self.running = False
        self._as_root = os.geteuid() == 0
        if self._as_root:
            try:
                self._owner = pwd.getpwnam(SUPERUSER)
            except KeyError as exc:
                raise PostgresUnavailableError(
                    "running as root needs the 'postgres' system user (created by Debian's "
                    "postgresql package): run make setup"
                ) from exc
            if shutil.which("runuser") is None:
                raise PostgresUnavailableError("running as root needs runuser (util-linux)")
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise PostgresUnavailableError(
                "the PostgreSQL driver is not installed (pip install 'psycopg[binary]'): "
                "run make setup"
            ) from exc

    # -- life cycle -------------------------------------------------------------------------------

    def start(self) -> PostgresServer:
        self.root = Path(tempfile.mkdtemp(prefix="prepay-kiosk-pg-"))
        self.datadir = self.root / "data"
        if self._as_root:
            os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)
        try:
            self._run(
                "initdb",
                "-D", str(self.datadir),
                "-U", SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
                *(() if self.durable else ("--no-sync",)),
            )  # fmt: skip
            options = [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.root}",
                "-c max_connections=200",
            ]
            if not self.durable:
                options += ["-c fsync=off", "-c full_page_writes=off", "-c synchronous_commit=off"]
            self._run(
                "pg_ctl", "start", "-w", "-t", "60",
                "-D", str(self.datadir),
                "-l", str(self.root / "server.log"),
                "-o", " ".join(options),
            )  # fmt: skip
            self.running = True
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its directory. Safe to call twice."""
        if self.running and self.datadir is not None:
            try:
                self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.datadir))
            except PostgresUnavailableError:
                self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.datadir))
            self.running = False
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = self.datadir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases --------------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of one database on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """CREATE DATABASE ``name``; return its URL."""
        self._admin(f'CREATE DATABASE "{self._checked(name)}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing any connection still open to it."""
        self._admin(f'DROP DATABASE IF EXISTS "{self._checked(name)}" WITH (FORCE)')

    def log(self) -> str:
        path = self.root / "server.log" if self.root else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    # -- internals --------------------------------------------------------------------------------

    @staticmethod
    def _checked(name: str) -> str:
        if not _NAME.match(name):
            raise ValueError(f"not a plain database name: {name!r}")
        return name

    def _admin(self, sql: str) -> None:
        import psycopg

        conninfo = f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self._as_root:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        result = subprocess.run(
            command,
            cwd=self.root,  # the postgres user may not be allowed into the caller's directory
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise PostgresUnavailableError(
                f"{tool} failed ({result.returncode}): {result.stdout.strip()}\n{self.log()}"
            )


def main() -> None:
    with PostgresServer(durable=True) as pg:
        url = pg.create_database("kiosk")
        print(f"PostgreSQL {pg.bindir.parent.name} on 127.0.0.1:{pg.port}: {url}", flush=True)
        print("Ctrl-C stops it and removes its data.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
