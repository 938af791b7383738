"""The backend's ingest rate on loopback: kiosks pushing their outbox at once, and how the rate
holds up as the backend's PostgreSQL database grows.

Run: ``python -m bench.sync_ingest [--kiosks 10,100,1000] [--seconds 60] [--warmup 5]
[--sizes 0,1M,10M] [--size-kiosks 100] [--topups-per-push 1] [--every S] [--keep-alive]
[--status] [--no-sqlite] [--no-pg] [--explain] [--quick]``.

**The messages** are real: at start-up one kiosk (the kiosk core on a SQLite file, an emulated
MIFARE Classic wallet card, the payment simulator over HTTP on 127.0.0.1) makes one QR top-up and
one cash top-up by staff, and its outbox (kiosk/outbox.py) is read back. A QR top-up writes 13
messages (6 order snapshots as it goes from amount_chosen to done, 4 ledger entries, the card-write
journal row planned and settled), a cash top-up 12 (the same with an audit entry, and no
order_created step). Each is cut into a template (every id, key, amount, tenant, card UID,
out_trade_no, provider reference, ledger txn and timestamp becomes a placeholder, checked by
rendering the captured messages back); every kiosk then makes top-ups from them with its own ids
and seqs -- one cash top-up in ten, a random one of 2,000 tenants and amount -- and pushes them
with requests signed exactly as kiosk/sync_protocol.py signs them (``signed_headers``).

**Part 1, kiosks at once**: the backend is ``python -m backend serve`` in a subprocess (uvicorn,
real HTTP on 127.0.0.1) on a fresh database: PostgreSQL with ``--workers 2`` (a throw-away server,
kiosk/db/pgserver.py, durable: fsync and synchronous_commit on) and SQLite with ``--workers 1``
(WAL, synchronous=FULL). N kiosks are enrolled through the admin API (``POST
/api/v1/admin/kiosks``), then N clients (asyncio, httpx) push at once, each one push after another
with no pause, ``--topups-per-push`` top-ups a push, each push on a new connection as a kiosk that
syncs every minute makes one (uvicorn closes a connection idle for 5 s). That measures what the
backend can take: the pushes queue, and their latency is mostly the wait in that queue.
``--every 60`` paces each kiosk to one push a minute at a random phase, as kiosks on their sync
timer do, for the latency a kiosk sees at such a load. ``--keep-alive`` keeps the connections
instead: each then stays with the worker that happened to accept it. ``--status`` has each kiosk
send its status report (``POST /sync/status``, as kiosk/sync.py does after every run) after each
push answered: the reports' own p50/p99 and errors are printed beneath the table, and the pushes'
figures then show what the reports cost them.

Nothing is counted until ``--warmup`` seconds have passed *and* every kiosk has had a push
answered (with 1,000 kiosks that takes a while: the queue of waiting pushes has then reached its
steady length); then ``--seconds`` are measured. **Stored** messages and top-ups per second are
read from the backend's database (sync_messages and orders rows added in the window; an order row
is made by a top-up's first message); pushes **answered** per second and the p50/p99 latency of a
push (request sent to reply read) are the client's, for the pushes answered in the window. An
error is any push not answered 200 with every message ``stored`` and ``acked_seq`` at its last
seq; a kiosk stops at its first error. The server's log is read for errors (each traceback counted
by its exception and where in backend/ and kiosk/ it was raised).

CPU: what this load generator, the backend's processes (per worker too) and PostgreSQL's used in
the window, in % of one CPU (/proc), and "other": the rest of the machine's busy time (the kernel,
and anything else running on it -- figures taken while other work ran are not clean). On
PostgreSQL, ``pg_stat_activity`` is sampled every 20 ms: what the database's active backends wait
on (``IO:WALSync``: commit flushes, ``LWLock:WALWrite``, ``Lock:object``: e.g. the NOTIFY queue at
commit; CPU: not waiting).

**Part 2, the database's size**: one PostgreSQL database with ``--size-kiosks`` enrolled kiosks is
filled, between runs, to each of ``--sizes`` ingested messages (sync_messages rows), by SQL the
server runs (generate_series, in chunks of 2,000 top-ups on two connections): the same templates,
each kiosk's history continuing its own seqs and local ids (the kiosks then push on top of it), a
top-up every 400 s from 2025-11-25, each message's payload_hash as the backend computes it, and
the rows the backend projects from the final snapshots (orders, ledger entries, card writes, audit
entries). The unique constraints and indexes of those tables are dropped for the fill and built
again from their own definitions (checked identical), then VACUUM ANALYZE and CHECKPOINT
(max_wal_size is raised during the fill only). At each size the part 1 run is made with
``--size-kiosks`` kiosks, and the database's size on disk reported (pg_database_size).
``--explain`` prints the plans of the ingest's lookups (EXPLAIN ANALYZE, rolled back) at each size.

Never run from the tests: timings are reported, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import random
import re
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from kiosk.sync_protocol import PUSH_PATH, STATUS_PATH, signed_headers

if TYPE_CHECKING:
    from kiosk.db.pgserver import PostgresServer

ROOT = Path(__file__).resolve().parents[1]
SITE_ID = 17
CURRENCY = 156
ADMIN_TOKEN = "bench-admin-token-0123456789"
SECRET_KEY = "5e" * 32
#: one top-up in this many is a cash top-up by staff (with its audit entry); the others are QR
CASH_EVERY = 10
AMOUNTS = (20_00, 50_00, 100_00, 200_00, 500_00)
#: the tenants (and their cards) the top-ups are spread over
TENANTS = 2_000
#: the filled history: a top-up of each kiosk every FILL_STEP_S seconds from FILL_EPOCH
FILL_EPOCH = dt.datetime(2025, 11, 25, tzinfo=dt.UTC)
FILL_STEP_S = 400
#: top-ups per fill statement
FILL_CHUNK = 2_000
#: the tables whose unique constraints and indexes are dropped while filling
FILLED_TABLES = ("sync_messages", "orders", "ledger_entries", "card_writes", "audit_entries")
SAMPLE_EVERY_S = 0.02
#: the process trees whose CPU is measured: this load generator, the backend, PostgreSQL
CPU_PARTS = ("client", "backend", "postgres", "other")
FIGURES = (
    "messages/s stored | top-ups/s stored | pushes/s answered | push p50 ms | push p99 ms "
    "| errors | CPU: client / backend (workers) / PostgreSQL / other"
)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


# -- real top-ups, captured once and cut into templates ---------------------------------------


def capture_topups() -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """One QR top-up and one cash top-up by staff through the kiosk core; the outbox messages
    (kind, payload) of each, in seq order."""
    import requests
    from sqlalchemy import select

    from cardlib.crypto.keys import KeyRing, generate_demo_keys
    from cardlib.emulator.classic import EmulatedClassic
    from cardlib.purse.header import Role
    from cardlib.reader.emulated import EmulatedReader
    from cardlib.service import CardService, Issue
    from kiosk.card_counters import DbCounterStore
    from kiosk.db import Database
    from kiosk.db.models import OutboxMessage, Site, Staff
    from kiosk.payments.simulator.client import SimulatorProvider
    from kiosk.payments.simulator.server import PaymentSimulator
    from kiosk.topup.limits import Limits
    from kiosk.topup.service import TopUpService
    from kiosk.topup.states import OrderState

    simulator_secret = "bench-simulator-secret"
    with tempfile.TemporaryDirectory(prefix="bench-sync-capture-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'kiosk.db'}", kiosk_id="K1")
        db.migrate()
        with db.session() as s:
            s.add(Site(id=SITE_ID, name="Bench Tower", timezone="Asia/Shanghai", currency=CURRENCY))
            s.flush()
            s.add(Staff(id=1, site_id=SITE_ID, name="staff 1"))
        service = CardService(KeyRing([generate_demo_keys(1)]), SITE_ID, DbCounterStore(db))
        card = EmulatedClassic.blank(uid=bytes.fromhex("A1B20007"), size="1k")
        reader = EmulatedReader(card)
        with reader.connect() as conn:
            service.personalise(conn, Issue(role=Role.WALLET, card_serial=5007, tenant_id=7))
        http = requests.Session()
        with PaymentSimulator(simulator_secret) as sim:
            http.post(
                f"{sim.url}/control/settings", json={"drop_notifications": True}, timeout=5
            ).raise_for_status()
            provider = SimulatorProvider(sim.url, simulator_secret, session=http)
            topup = TopUpService(db, service, provider, "K1", limits=Limits(max_per_day=10**9))
            with reader.connect() as conn:
                tap = topup.tap(conn)
                items, quoted = topup.items_for(tap, 50_00)
                order = topup.request_payment(topup.choose(tap, items, quoted=quoted).id)
                http.post(f"{sim.url}/control/{order.out_trade_no}/pay", json={}, timeout=5)
                order = topup.check_payment(order.id)
                assert order.state is OrderState.PAID, order.state
                assert topup.deliver(order.id, tap.purse).state is OrderState.DONE
            with db.session() as s:
                paid_last = max(m.seq for m in s.scalars(select(OutboxMessage)))
            with reader.connect() as conn:
                cash = topup.staff_credit(topup.tap(conn), 50_00, staff_id=1, reason="", cash=True)
            with reader.connect() as conn:
                assert [o.id for o in topup.tap(conn).delivered] == [cash.id]
        with db.session() as s:
            rows = [(m.seq, m.kind, m.payload) for m in s.scalars(select(OutboxMessage))]
        db.dispose()
        http.close()
    rows.sort(key=lambda row: row[0])
    return {
        "paid": [(kind, payload) for seq, kind, payload in rows if seq <= paid_last],
        "cash": [(kind, payload) for seq, kind, payload in rows if seq > paid_last],
    }


def canonical_json(value: Any) -> str:
    """As backend.ingest.payload_hash serialises (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")
#: a number placeholder is a JSON string "#NAME#" (the quotes go); a text one is @NAME@ in a string
_TOKEN = re.compile(r'"#(\w+)#"|@(\w+)@')
#: which message kind projects into which table (backend.ingest._apply)
PROJECTION = {
    "order": "order",
    "ledger_entry": "ledger",
    "card_write": "card",
    "audit_entry": "audit",
}


@dataclass(frozen=True)
class TemplateMessage:
    kind: str
    #: literal, token name, literal, token name, ..., literal: the payload's canonical JSON
    parts: tuple[str, ...]
    #: the table this message's row ends in when it is the row's last snapshot in the top-up
    projection: str | None

    def render(self, values: dict[str, str]) -> str:
        return "".join(part if n % 2 == 0 else values[part] for n, part in enumerate(self.parts))


@dataclass(frozen=True)
class TopUpTemplate:
    name: str
    messages: tuple[TemplateMessage, ...]
    #: the timestamps T0, T1... as offsets from the order's creation
    offsets: tuple[dt.timedelta, ...]


def tokenise(name: str, messages: list[tuple[str, dict[str, Any]]]) -> TopUpTemplate:
    """Cut a captured top-up into a template; checked by rendering it back with its own values."""
    order = next(p for k, p in messages if k == "order")
    oid, amount, tenant = order["id"], order["amount"], order["tenant_id"]
    born = dt.datetime.fromisoformat(order["created_at"])
    literals: dict[str, str] = {order["out_trade_no"]: "@OTN@", order["idempotency_key"]: "@OKEY@"}
    refs = {p["provider_ref"] for k, p in messages if k == "order" and p.get("provider_ref")}
    literals.update({ref: "@PREF@" for ref in refs})
    txns = list(dict.fromkeys(p["txn"] for k, p in messages if k == "ledger_entry"))
    literals.update({txn: f"@TXN{n + 1}@" for n, txn in enumerate(txns)})
    ledger_ids = list(dict.fromkeys(p["id"] for k, p in messages if k == "ledger_entry"))
    stamps: dict[str, str] = {}
    card_ids = {p["id"] for k, p in messages if k == "card_write"}
    audit_ids = {p["id"] for k, p in messages if k == "audit_entry"}
    assert len(card_ids) == 1 and len(audit_ids) <= 1 and len(ledger_ids) == 4, name

    def text(value: str) -> str:
        if _STAMP.match(value):
            return stamps.setdefault(value, f"@T{len(stamps)}@")
        for literal, token in literals.items():
            value = value.replace(literal, token)
        return value

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return text(value) if isinstance(value, str) else value

    def number(value: Any, token: str, expected: Any) -> Any:
        assert value == expected, (name, token, value, expected)
        return f"#{token}#"

    cut: list[tuple[str, dict[str, Any]]] = []
    for kind, payload in messages:
        p = walk(payload)
        if kind == "order":
            p["id"] = number(p["id"], "OID", oid)
            p["kiosk_id"] = "@KIOSK@"
            p["card_uid"] = "@UID@"
            p["tenant_id"] = number(p["tenant_id"], "TENANT", tenant)
            p["amount"] = number(p["amount"], "AMT", amount)
            if p["paid_amount"] is not None:
                p["paid_amount"] = number(p["paid_amount"], "AMT", amount)
            for item in p["items"]:
                item["id"] = number(item["id"], "OID", oid)
                item["order_id"] = number(item["order_id"], "OID", oid)
                item["amount"] = number(item["amount"], "AMT", amount)
        elif kind == "ledger_entry":
            p["id"] = f"#LID{ledger_ids.index(p['id']) + 1}#"
            p["amount"] = number(abs(p["amount"]), "AMT" if p["amount"] > 0 else "NAMT", amount)
            p["order_id"] = number(p["order_id"], "OID", oid)
            if p["account"]["tenant_id"] is not None:
                p["account"]["tenant_id"] = number(p["account"]["tenant_id"], "TENANT", tenant)
        elif kind == "card_write":
            p["id"] = "#CWID#"
            p["order_id"] = number(p["order_id"], "OID", oid)
            p["uid"] = "@UID@"
            p["amount"] = number(p["amount"], "AMT", amount)
        elif kind == "audit_entry":
            p["id"] = "#AID#"
            p["detail"]["amount"] = number(p["detail"]["amount"], "AMT", amount)
            p["detail"]["card"] = "@UID@"
        else:
            raise AssertionError(f"a top-up wrote a {kind} message")
        cut.append((kind, p))

    last: dict[tuple[str, Any], int] = {}
    for n, (kind, payload) in enumerate(messages):
        last[(kind, payload["id"])] = n
    built = []
    for n, (kind, p) in enumerate(cut):
        pieces = _TOKEN.split(canonical_json(p))
        # re.split gives literal, group 1, group 2, literal...: keep the group that matched
        parts = [pieces[0]]
        for i in range(1, len(pieces), 3):
            parts += [pieces[i] or pieces[i + 1], pieces[i + 2]]
        final = last[(kind, messages[n][1]["id"])] == n
        built.append(TemplateMessage(kind, tuple(parts), PROJECTION[kind] if final else None))
    offsets = tuple(dt.datetime.fromisoformat(s) - born for s in stamps)
    template = TopUpTemplate(name, tuple(built), offsets)
    own = {
        "KIOSK": order["kiosk_id"],
        "OID": str(oid),
        "CWID": str(next(iter(card_ids))),
        "AID": str(next(iter(audit_ids), 0)),
        "TENANT": str(tenant),
        "AMT": str(amount),
        "NAMT": str(-amount),
        "UID": order["card_uid"],
        "OTN": order["out_trade_no"],
        "OKEY": order["idempotency_key"],
        "PREF": next(iter(refs), ""),
        **{f"LID{n + 1}": str(lid) for n, lid in enumerate(ledger_ids)},
        **{f"TXN{n + 1}": txn for n, txn in enumerate(txns)},
        **{token.strip("@"): stamp for stamp, token in stamps.items()},
    }
    for message, (_, payload) in zip(template.messages, messages, strict=True):
        assert message.render(own) == canonical_json(payload), (name, message.kind)
    return template


@dataclass(frozen=True)
class Templates:
    paid: TopUpTemplate
    cash: TopUpTemplate

    def of(self, t: int) -> TopUpTemplate:
        """The template of a kiosk's top-up number ``t`` (from 0)."""
        return self.cash if t % CASH_EVERY == CASH_EVERY - 1 else self.paid

    def seq_before(self, t: int) -> int:
        """How many messages a kiosk's top-ups 0 .. t-1 wrote."""
        paid, cash = len(self.paid.messages), len(self.cash.messages)
        return (t // CASH_EVERY) * ((CASH_EVERY - 1) * paid + cash) + (t % CASH_EVERY) * paid

    def topups_for(self, messages: int) -> float:
        return messages / (self.seq_before(CASH_EVERY * 1000) / (CASH_EVERY * 1000))


def make_templates() -> Templates:
    captured = capture_topups()
    return Templates(tokenise("paid", captured["paid"]), tokenise("cash", captured["cash"]))


# -- kiosks ---------------------------------------------------------------------------------------


@dataclass
class BenchKiosk:
    kiosk_id: str
    secret: str
    #: top-ups made so far (the next one's number); its seq is templates.seq_before(topups)
    topups: int = 0
    failed: bool = False

    def values(
        self, template: TopUpTemplate, rng: random.Random, born: dt.datetime
    ) -> dict[str, str]:
        t = self.topups
        tenant = rng.randint(1, TENANTS)
        amount = rng.choice(AMOUNTS)
        values = {
            "KIOSK": self.kiosk_id,
            "OID": str(t + 1),
            "CWID": str(t + 1),
            "AID": str(t // CASH_EVERY + 1),
            "TENANT": str(tenant),
            "AMT": str(amount),
            "NAMT": str(-amount),
            "UID": f"{0xA0000000 + tenant:08x}",
            "OTN": f"{self.kiosk_id}-{born:%Y%m%d}-{secrets.token_hex(5)}",
            "OKEY": str(uuid.uuid4()),
            "PREF": f"sim_{secrets.token_hex(12)}",
            "TXN1": str(uuid.uuid4()),
            "TXN2": str(uuid.uuid4()),
        }
        for n in range(4):
            values[f"LID{n + 1}"] = str(4 * t + n + 1)
        for n, offset in enumerate(template.offsets):
            values[f"T{n}"] = (born + offset).isoformat()
        return values

    def push_body(
        self, templates: Templates, topups: int, rng: random.Random
    ) -> tuple[bytes, int, int]:
        """The body of a push of ``topups`` new top-ups made now; (body, messages, last seq)."""
        born = dt.datetime.now(dt.UTC)
        seq = templates.seq_before(self.topups)
        messages = []
        for _ in range(topups):
            template = templates.of(self.topups)
            values = self.values(template, rng, born)
            for message in template.messages:
                seq += 1
                messages.append(
                    f'{{"kiosk_id":"{self.kiosk_id}","seq":{seq},'
                    f'"idempotency_key":"{uuid.uuid4()}","kind":"{message.kind}",'
                    f'"payload":{message.render(values)}}}'
                )
            self.topups += 1
        return f'{{"messages":[{",".join(messages)}]}}'.encode(), len(messages), seq


# -- the backend in a subprocess ------------------------------------------------------------------


class Backend:
    """``python -m backend serve`` on a free port of 127.0.0.1, its output in ``log``."""

    def __init__(self, db_url: str, workers: int, log: Path) -> None:
        from kiosk.db.pgserver import free_port

        self.db_url, self.workers, self.log = db_url, workers, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Backend:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PREPAY_BACKEND_ADMIN_TOKEN": ADMIN_TOKEN,
            "PREPAY_BACKEND_SECRET_KEY": SECRET_KEY,
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "backend", "serve", "--db", self.db_url,
                    "--host", "127.0.0.1", "--port", str(self.port),
                    "--workers", str(self.workers), "--log-level", "warning",
                ],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the backend exited:\n{self.log.read_text(errors='replace')}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the backend did not answer on {self.url} within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def __enter__(self) -> Backend:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def problems(self) -> Counter[str]:
        """The errors in the server's output, counted: each traceback as its exception and the
        innermost frames of the backend and of the project, other error lines as they are."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        found: Counter[str] = Counter()
        frame = re.compile(
            rf'File "{re.escape(str(ROOT))}/((?:backend|kiosk)/[^"]+)", line (\d+), in (\w+)'
        )
        exception = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\w*\b")
        block: list[str] = []

        def close() -> None:
            if not block:
                return
            frames = [m.groups() for line in block if (m := frame.search(line))]
            ours = [f"{f}:{n} {fn}" for f, n, fn in frames]
            backend = [f"{f}:{n} {fn}" for f, n, fn in frames if f.startswith("backend/")]
            last = next((line for line in reversed(block) if exception.match(line)), block[0])
            where = ", ".join(dict.fromkeys(x for x in (backend[-1:] + ours[-1:]) if x))
            found[f"{last.strip()[:160]}" + (f" (at {where})" if where else "")] += 1
            block.clear()

        for line in text.splitlines():
            if line.startswith(("ERROR:", "WARNING:", "CRITICAL:")):
                close()
                if "Exception in ASGI application" in line:
                    block.append(line)
                else:
                    found[line.strip()[:200]] += 1
            elif block:
                block.append(line)
        close()
        return found


async def enrol(url: str, count: int, prefix: str = "K") -> list[BenchKiosk]:
    """Create the site and enrol ``count`` kiosks through the admin API."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        site = {"name": "Bench Tower", "currency": CURRENCY}
        (await http.put(f"/api/v1/admin/sites/{SITE_ID}", json=site)).raise_for_status()
        gate = asyncio.Semaphore(16)

        async def one(n: int) -> BenchKiosk:
            kiosk_id = f"{prefix}{n:04d}"
            body = {"kiosk_id": kiosk_id, "site_id": SITE_ID, "name": f"Kiosk {n}"}
            async with gate:
                reply = await http.post("/api/v1/admin/kiosks", json=body)
            if reply.status_code != 201:
                raise RuntimeError(f"enrolling {kiosk_id}: {reply.status_code} {reply.text}")
            return BenchKiosk(kiosk_id, reply.json()["secret"])

        return list(await asyncio.gather(*(one(n) for n in range(1, count + 1))))


# -- measuring: CPU per process group, PostgreSQL's waits -----------------------------------------


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds so far) of every process; a process's own and that of its
    children that have ended (PostgreSQL's backends come and go with the connections)."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        table[int(entry.name)] = (int(fields[1]), ticks / CLOCK_TICKS)
    return table


def _busy_cpu() -> float:
    """CPU seconds the whole machine has been busy (all CPUs; idle and iowait excluded)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / CLOCK_TICKS


def _tree_cpu(table: dict[int, tuple[int, float]], root: int) -> dict[int, float]:
    pids, frontier = {root}, [root]
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in pids:
                pids.add(child)
                frontier.append(child)
    return {pid: table[pid][1] for pid in pids if pid in table}


@dataclass
class CpuMeter:
    """CPU used by process trees between :meth:`open` and :meth:`close` (s), by name; and by
    process (the busy ones), to see how the backend's workers shared the load."""

    roots: dict[str, int]
    before: dict[str, dict[int, float]] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)
    by_process: dict[str, list[float]] = field(default_factory=dict)
    _self: float = 0.0
    _busy: float = 0.0

    def open(self) -> None:
        table = _proc_table()
        self.before = {name: _tree_cpu(table, pid) for name, pid in self.roots.items()}
        self._self, self._busy = time.process_time(), _busy_cpu()

    def close(self) -> None:
        table = _proc_table()
        busy = _busy_cpu() - self._busy
        self.used["client"] = time.process_time() - self._self
        for name, pid in self.roots.items():
            now, then = _tree_cpu(table, pid), self.before.get(name, {})
            spent = sorted((cpu - then.get(p, 0.0) for p, cpu in now.items()), reverse=True)
            self.used[name] = sum(spent)
            self.by_process[name] = spent
        # whatever else ran on the machine meanwhile (the kernel, other people's work)
        self.used["other"] = max(0.0, busy - sum(self.used.values()))


class IngestCounter:
    """What the backend stored in the window, read from its database: messages (sync_messages
    rows) and top-ups (orders rows: one per top-up, made by its first message)."""

    def __init__(self, db_url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        args = {"timeout": 60} if db_url.startswith("sqlite") else {}
        self.engine = create_engine(db_url, poolclass=NullPool, connect_args=args)
        self.marks: dict[str, int] = {}
        self.stored: dict[str, int] = {}

    def _query(self, sql: str) -> dict[str, int]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return {
                table: int(
                    conn.execute(
                        text(sql.format(table=table, mark=self.marks.get(table, 0)))
                    ).scalar()
                    or 0
                )
                for table in ("sync_messages", "orders")
            }

    def open(self) -> None:
        self.marks = self._query("SELECT max(id) FROM {table}")

    def close(self) -> None:
        self.stored = self._query("SELECT count(*) FROM {table} WHERE id > {mark}")
        self.engine.dispose()


class Watcher(Protocol):
    """Something that measures the window: told when it opens and when it closes."""

    def open(self) -> None: ...

    def close(self) -> None: ...


class WaitSampler:
    """Samples what the active backends of one PostgreSQL database wait on."""

    def __init__(self, conninfo: str, database: str) -> None:
        self.conninfo, self.database = conninfo, database
        self.samples = 0
        self.waits: Counter[str] = Counter()
        self.sessions = self._sessions = 0
        self._stop = threading.Event()
        self._counting = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def open(self) -> None:
        self._sessions = self._sessions_so_far()
        self._counting.set()

    def close(self) -> None:
        self._counting.clear()
        self.sessions = self._sessions_so_far() - self._sessions

    def _sessions_so_far(self) -> int:
        """Connections made to the database so far (pg_stat_database, PostgreSQL 14+)."""
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            row = conn.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = %s", (self.database,)
            ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self._stop.wait(SAMPLE_EVERY_S):
                rows = conn.execute(
                    "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '') "
                    "FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                    (self.database,),
                ).fetchall()
                if not self._counting.is_set():
                    continue
                self.samples += 1
                for kind, event in rows:
                    self.waits[f"{kind}:{event}" if event else kind] += 1

    def summary(self, top: int = 5) -> str:
        total = sum(self.waits.values())
        if not self.samples or not total:
            return "no active backend seen"
        shares = ", ".join(
            f"{name} {count / total:.0%}" for name, count in self.waits.most_common(top)
        )
        return (
            f"{total / self.samples:.1f} active backends on average; {shares}; "
            f"{self.sessions:,} connections opened in the window"
        )


# -- the load ----------------------------------------------------------------------------------


@dataclass
class Run:
    database: str
    kiosks: int
    seconds: float = 0.0
    #: of the pushes answered in the window
    latencies: list[float] = field(default_factory=list)
    #: stored by the backend in the window (its database)
    messages: int = 0
    topups: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    #: seconds from the first push to the window's opening
    warmup: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    #: the backend's worker processes' CPU in the window (s), busiest first
    workers: list[float] = field(default_factory=list)
    waits: str = ""
    problems: Counter[str] = field(default_factory=Counter)
    #: of the status reports answered in the window (--status)
    status_latencies: list[float] = field(default_factory=list)

    def row(self) -> str:
        return f"| {self.database} | {self.kiosks:,} | {self.figures()} | {self.warmup:.0f} |"

    def figures(self) -> str:
        """messages/s, top-ups/s, pushes/s, p50, p99, errors, CPU: table cells."""
        cpu = [f"{self.cpu[k] / self.seconds:.0%}" if k in self.cpu else "-" for k in CPU_PARTS]
        if len(self.workers) > 1:
            cpu[1] += f" ({' + '.join(f'{w / self.seconds:.0%}' for w in self.workers)})"
        return (
            f"{self.messages / self.seconds:,.0f} | {self.topups / self.seconds:,.1f} | "
            f"{len(self.latencies) / self.seconds:,.1f} | "
            f"{pct(self.latencies, 0.5) * 1000:,.0f} | {pct(self.latencies, 0.99) * 1000:,.0f} | "
            f"{sum(self.errors.values())} | {' / '.join(cpu)}"
        )


async def push_load(
    url: str,
    kiosks: list[BenchKiosk],
    templates: Templates,
    args: argparse.Namespace,
    run: Run,
    watchers: Sequence[Watcher],
) -> None:
    """Every kiosk pushes, one push after another (or one every ``--every`` s), until the window
    closes; the window opens
    after ``--warmup`` seconds once every kiosk has had a push answered (the queue is then as
    long as it stays), and its pushes go into ``run``. ``watchers`` watch the window."""
    keep = len(kiosks) if args.keep_alive else 0
    limits = httpx.Limits(max_connections=len(kiosks), max_keepalive_connections=keep)
    timeout = httpx.Timeout(600.0, connect=60.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    window: list[float] = []  # [from, to] once open
    answered: set[str] = set()
    steady = asyncio.Event()

    def settled(kiosk: BenchKiosk) -> None:
        answered.add(kiosk.kiosk_id)
        if len(answered) == len(kiosks):
            steady.set()

    async def conductor() -> None:
        await asyncio.sleep(args.warmup)
        await steady.wait()
        now = loop.time()
        window[:] = [now, now + args.seconds]
        run.warmup = now - started
        for watcher in watchers:
            watcher.open()
        await asyncio.sleep(args.seconds)
        for watcher in watchers:
            watcher.close()

    async def kiosk_loop(http: httpx.AsyncClient, kiosk: BenchKiosk, seed: int) -> None:
        rng = random.Random(seed)
        # --every: a kiosk syncing on a timer, at a random phase; a push taking longer than the
        # interval delays the next one (a kiosk never has two pushes in flight)
        due = started + rng.uniform(0, args.every) if args.every else 0.0
        while not kiosk.failed and not (window and loop.time() >= window[1]):
            if args.every:
                await asyncio.sleep(max(0.0, due - loop.time()))
                due += args.every
                if window and loop.time() >= window[1]:
                    break
            body, count, last = kiosk.push_body(templates, args.topups_per_push, rng)
            sent = loop.time()
            try:
                reply = await signed_post(http, kiosk, PUSH_PATH, body)
                problem = _check(reply, count, last)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"[:120]
            done = loop.time()
            if problem:
                run.errors[problem] += 1
                kiosk.failed = True
            elif window and window[0] <= done <= window[1]:
                run.latencies.append(done - sent)
            if args.status and not problem:
                await report_status(http, kiosk, last, run, window, loop)
            settled(kiosk)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as http:
        await asyncio.gather(conductor(), *(kiosk_loop(http, k, n) for n, k in enumerate(kiosks)))
    run.seconds = args.seconds


async def signed_post(
    http: httpx.AsyncClient, kiosk: BenchKiosk, path: str, body: bytes
) -> httpx.Response:
    """POST ``body`` signed as ``kiosk`` signs it (kiosk/sync_protocol.py)."""
    headers = signed_headers(kiosk.kiosk_id, kiosk.secret, "POST", path, int(time.time()), body)
    headers["Content-Type"] = "application/json"
    return await http.post(path, content=body, headers=headers)


async def report_status(
    http: httpx.AsyncClient,
    kiosk: BenchKiosk,
    last: int,
    run: Run,
    window: list[float],
    loop: asyncio.AbstractEventLoop,
) -> None:
    """The report a kiosk sends after a run (kiosk/sync.py): everything sent, clock right."""
    body = json.dumps(
        {"at": dt.datetime.now(dt.UTC).isoformat(), "backlog": 0, "oldest_unsent_at": None,
         "last_seq": last, "clock_offset_s": 0, "cursor": 0, "last_error": "",
         "software": "bench"}
    ).encode()  # fmt: skip
    sent = loop.time()
    try:
        reply = await signed_post(http, kiosk, STATUS_PATH, body)
        problem = "" if reply.status_code == 200 else f"status report: HTTP {reply.status_code}"
    except httpx.HTTPError as exc:
        problem = f"status report: {type(exc).__name__}: {exc}"[:120]
    done = loop.time()
    if problem:
        run.errors[problem] += 1
    elif window and window[0] <= done <= window[1]:
        run.status_latencies.append(done - sent)


def _check(reply: httpx.Response, count: int, last: int) -> str:
    """'' when the push was stored entirely, else what went wrong."""
    if reply.status_code != 200:
        try:
            code = reply.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = reply.text[:80]
        return f"HTTP {reply.status_code} {code}"
    data = reply.json()
    statuses = Counter(r["status"] for r in data.get("results", []))
    if data.get("acked_seq") != last or statuses != Counter({"stored": count}):
        return f"acked {data.get('acked_seq')} (expected {last}), {dict(statuses)}"
    return ""


def measure(
    database: str,
    db_url: str,
    workers: int,
    kiosks: list[BenchKiosk] | None,
    count: int,
    templates: Templates,
    args: argparse.Namespace,
    tmp: Path,
    pg: PostgresServer | None = None,
) -> tuple[Run, list[BenchKiosk]]:
    """Start the backend on ``db_url``, enrol ``count`` kiosks unless given, push; the run."""
    run = Run(database, count)
    log = tmp / f"backend-{database.split()[0].lower()}-{count}-{time.monotonic_ns()}.log"
    with Backend(db_url, workers, log) as backend:
        if kiosks is None:
            kiosks = asyncio.run(enrol(backend.url, count))
        assert backend.process is not None
        roots = {"backend": backend.process.pid}
        if pg is not None:
            roots["postgres"] = postmaster_pid(pg)
        meter, stored = CpuMeter(roots), IngestCounter(db_url)
        with contextlib.ExitStack() as stack:
            watchers: list[Watcher] = [stored, meter]
            if pg is not None:
                sampler = WaitSampler(conninfo(pg, "postgres"), db_url.rsplit("/", 1)[1])
                watchers.append(stack.enter_context(sampler))
            asyncio.run(push_load(backend.url, kiosks, templates, args, run, watchers))
            if pg is not None:
                run.waits = sampler.summary()
        run.messages, run.topups = stored.stored["sync_messages"], stored.stored["orders"]
        run.cpu = meter.used
        run.workers = meter.by_process.get("backend", [])[:workers]
    run.problems = backend.problems()
    return run, kiosks


# -- PostgreSQL: the server, and filling its database ---------------------------------------------


def conninfo(pg: PostgresServer, database: str) -> str:
    return f"host=127.0.0.1 port={pg.port} user=postgres dbname={database}"


def postmaster_pid(pg: PostgresServer) -> int:
    assert pg.datadir is not None
    return int((pg.datadir / "postmaster.pid").read_text().split()[0])


@dataclass
class Indexes:
    """The unique constraints and other indexes (primary keys aside) of the filled tables."""

    constraints: list[tuple[str, str, str]]  # table, name, column list
    indexes: list[tuple[str, str, str]]  # table, name, CREATE INDEX ...

    @staticmethod
    def read(conn: Any) -> Indexes:
        constraints = conn.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(%s)",
            (list(FILLED_TABLES),),
        ).fetchall()
        indexes = conn.execute(
            "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, "
            "pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
            "AND i.indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE contype = 'u')",
            (list(FILLED_TABLES),),
        ).fetchall()
        return Indexes(
            [(t, n, d.removeprefix("UNIQUE ")) for t, n, d in constraints], list(indexes)
        )

    def definitions(self, conn: Any) -> list[str]:
        return sorted(
            row[0]
            for row in conn.execute(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid::regclass::text = ANY(%s)",
                (list(FILLED_TABLES),),
            ).fetchall()
        )

    def drop(self, conn: Any) -> None:
        for table, name, _ in self.constraints:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _, name, _ in self.indexes:
            conn.execute(f'DROP INDEX "{name}"')

    def build_statements(self) -> list[list[str]]:
        """What builds them again, one list per index (run in order), the biggest tables first."""
        order = {t: n for n, t in enumerate(FILLED_TABLES)}
        jobs = [
            (
                table,
                [
                    f'CREATE UNIQUE INDEX "{name}" ON {table} {columns}',
                    f'ALTER TABLE {table} ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{name}"',
                ],
            )
            for table, name, columns in self.constraints
        ] + [(table, [sql]) for table, _, sql in self.indexes]
        return [sql for _, sql in sorted(jobs, key=lambda job: order[job[0]])]


def _column(token: str, variant: str) -> str:
    return f'"{variant}{token}"' if re.fullmatch(r"T\d+", token) else f'"{token}"'


def fill_statement(templates: Templates, kiosk: str, first: int, end: int) -> str:
    """One INSERT (with its projections) of the top-ups ``first`` .. ``end - 1`` of ``kiosk``:
    SQL text with literals only, built from the templates."""
    from psycopg import sql

    def lit(value: Any) -> str:
        return sql.Literal(value).as_string(None)

    k = lit(kiosk)
    paid, cash = len(templates.paid.messages), len(templates.cash.messages)
    cycle = (CASH_EVERY - 1) * paid + cash
    is_cash = f"(t % {CASH_EVERY} = {CASH_EVERY - 1})"
    stamp_fmt = lit('YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    stamps = []
    for template, when in ((templates.paid, f"NOT {is_cash}"), (templates.cash, is_cash)):
        for n, offset in enumerate(template.offsets):
            micros = offset // dt.timedelta(microseconds=1)
            stamps.append(
                f"CASE WHEN {when} THEN to_char(born + {micros} * interval '1 microsecond', "
                f"{stamp_fmt}) END AS {_column(f'T{n}', template.name)}"
            )
    amounts = "ARRAY[" + ",".join(str(a) for a in AMOUNTS) + "]::bigint[]"
    branches = []
    for template, when in ((templates.paid, "NOT v.cash"), (templates.cash, "v.cash")):
        for pos, message in enumerate(template.messages):
            pieces = []
            for n, part in enumerate(message.parts):
                if n % 2 == 0:
                    if part:
                        pieces.append(lit(part))
                else:
                    pieces.append(f"v.{_column(part, template.name)}::text")
            branches.append(
                f"SELECT v.kiosk, v.sbase + {pos + 1} AS seq, {lit(message.kind)} AS kind, "
                f"{lit(message.projection)}::text AS proj, ({' || '.join(pieces)}) AS payload, "
                f"v.born + interval '1 minute' AS received FROM v WHERE {when}"
            )
    lids = ", ".join(f'4 * t + {n + 1} AS "LID{n + 1}"' for n in range(4))
    return f"""
WITH v0 AS (
  SELECT t, md5({k} || ':' || t) AS h,
         {lit(FILL_EPOCH)}::timestamptz + t * interval '{FILL_STEP_S} seconds'
           + (hashtext({k}) & 2147483647) % {FILL_STEP_S} * interval '1 second' AS born
  FROM generate_series({first}::bigint, {end - 1}::bigint) AS t
), v1 AS (
  SELECT v0.*, 1 + (hashtext(h) & 2147483647) % {TENANTS} AS tenant,
         ({amounts})[1 + (hashtext(h || 'a') & 2147483647) % {len(AMOUNTS)}] AS amount
  FROM v0
), v AS MATERIALIZED (
  SELECT {k}::text AS kiosk, {is_cash} AS cash, born,
         (t / {CASH_EVERY}) * {cycle} + (t % {CASH_EVERY}) * {paid} AS sbase,
         {k}::text AS "KIOSK", t + 1 AS "OID", t + 1 AS "CWID", t / {CASH_EVERY} + 1 AS "AID",
         {lids}, tenant AS "TENANT", amount AS "AMT", -amount AS "NAMT",
         lpad(to_hex(2684354560 + tenant), 8, '0') AS "UID",
         {k} || '-' || to_char(born, 'YYYYMMDD') || '-' || substr(h, 1, 10) AS "OTN",
         md5(h || 'k')::uuid::text AS "OKEY", 'sim_' || substr(md5(h || 'p'), 1, 24) AS "PREF",
         md5(h || 't1')::uuid::text AS "TXN1", md5(h || 't2')::uuid::text AS "TXN2",
         {", ".join(stamps)}
  FROM v1
), m AS MATERIALIZED (
  {" UNION ALL ".join(branches)}
), ins AS (
  INSERT INTO sync_messages
    (kiosk_id, seq, idempotency_key, kind, payload, payload_hash, received_at, applied_at)
  SELECT kiosk, seq, md5(kiosk || '/' || seq)::uuid::text, kind, payload::json,
         encode(sha256(convert_to('{{"kind":"' || kind || '","payload":' || payload || '}}',
                                  'UTF8')), 'hex'),
         received, received
  FROM m
), pj AS MATERIALIZED (
  SELECT kiosk, seq, proj, payload, payload::jsonb AS p FROM m WHERE proj IS NOT NULL
), o AS (
  INSERT INTO orders (kiosk_id, local_id, born_at, seq, out_trade_no, card_uid, tenant_id, state,
                      amount, currency, method, paid_amount, paid_at, created_at, updated_at,
                      snapshot)
  SELECT kiosk, (p->>'id')::bigint, (p->>'created_at')::timestamptz, seq, p->>'out_trade_no',
         p->>'card_uid', (p->>'tenant_id')::bigint, p->>'state', (p->>'amount')::bigint,
         (p->>'currency')::int, p->>'method', (p->>'paid_amount')::bigint,
         (p->>'paid_at')::timestamptz, (p->>'created_at')::timestamptz,
         (p->>'updated_at')::timestamptz, payload::json
  FROM pj WHERE proj = 'order'
), l AS (
  INSERT INTO ledger_entries (kiosk_id, local_id, born_at, seq, txn, account_kind, account_name,
                              tenant_id, currency, amount, kind, order_local_id, memo, created_at)
  SELECT kiosk, (p->>'id')::bigint, (p->>'created_at')::timestamptz, seq, p->>'txn',
         p->'account'->>'kind', coalesce(p->'account'->>'name', ''),
         (p->'account'->>'tenant_id')::bigint, (p->'account'->>'currency')::int,
         (p->>'amount')::bigint, p->>'kind', (p->>'order_id')::bigint, coalesce(p->>'memo', ''),
         (p->>'created_at')::timestamptz
  FROM pj WHERE proj = 'ledger'
), c AS (
  INSERT INTO card_writes (kiosk_id, local_id, born_at, seq, order_local_id, uid, amount, status,
                           new_counter, created_at, settled_at, snapshot)
  SELECT kiosk, (p->>'id')::bigint, (p->>'created_at')::timestamptz, seq,
         (p->>'order_id')::bigint, p->>'uid', (p->>'amount')::bigint, p->>'status',
         (p->>'new_counter')::bigint, (p->>'created_at')::timestamptz,
         (p->>'settled_at')::timestamptz, payload::json
  FROM pj WHERE proj = 'card'
), a AS (
  INSERT INTO audit_entries (kiosk_id, local_id, born_at, seq, at, actor, action, subject, detail)
  SELECT kiosk, (p->>'id')::bigint, (p->>'at')::timestamptz, seq, (p->>'at')::timestamptz,
         p->>'actor', p->>'action', coalesce(p->>'subject', ''), (payload::json)->'detail'
  FROM pj WHERE proj = 'audit'
)
SELECT count(*) FROM m
"""


@dataclass
class Fill:
    added: int = 0
    rows_s: float = 0.0
    index_s: float = 0.0
    vacuum_s: float = 0.0


def _session(conn: Any) -> None:
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET work_mem = '256MB'")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET max_parallel_maintenance_workers = 0")


def _in_parallel(pg: PostgresServer, database: str, jobs: list[list[str]], lanes: int = 2) -> int:
    """Run each job's statements in order, ``lanes`` jobs at once; the sum of the first column
    of each job's last statement's result."""
    import psycopg

    queue: SimpleQueue[list[str]] = SimpleQueue()
    for job in jobs:
        queue.put(job)
    totals: list[int] = []
    failures: list[BaseException] = []

    def lane() -> None:
        try:
            with psycopg.connect(conninfo(pg, database), autocommit=True) as conn:
                _session(conn)
                while not failures:
                    try:
                        job = queue.get_nowait()
                    except Empty:
                        return
                    cursor = None
                    for statement in job:
                        cursor = conn.execute(statement)  # type: ignore[call-overload]
                    row = cursor.fetchone() if cursor is not None and cursor.description else None
                    totals.append(int(row[0]) if row else 0)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failures.append(exc)

    threads = [threading.Thread(target=lane) for _ in range(lanes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return sum(totals)


def fill_to(
    pg: PostgresServer,
    database: str,
    kiosks: list[BenchKiosk],
    templates: Templates,
    target: int,
) -> Fill:
    """Add ingested messages (and their projections) until ``sync_messages`` holds about
    ``target`` rows, continuing each kiosk's history (see the module docstring)."""
    import psycopg

    fill = Fill()
    with psycopg.connect(conninfo(pg, database), autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM sync_messages").fetchone()[0]  # type: ignore[index]
        if target <= have:
            return fill
        per_kiosk = round(templates.topups_for(target - have) / len(kiosks))
        jobs = []
        for kiosk in kiosks:
            end = kiosk.topups + per_kiosk
            jobs += [
                [fill_statement(templates, kiosk.kiosk_id, first, min(first + FILL_CHUNK, end))]
                for first in range(kiosk.topups, end, FILL_CHUNK)
            ]
        with psycopg.connect(conninfo(pg, "postgres"), autocommit=True) as admin:
            admin.execute("ALTER SYSTEM SET max_wal_size = '32GB'")
            admin.execute("SELECT pg_reload_conf()")
        indexes = Indexes.read(conn)
        before = indexes.definitions(conn)
        indexes.drop(conn)
        started = time.perf_counter()
        fill.added = _in_parallel(pg, database, jobs)
        fill.rows_s = time.perf_counter() - started
        started = time.perf_counter()
        _in_parallel(pg, database, indexes.build_statements())
        fill.index_s = time.perf_counter() - started
        after = Indexes.read(conn).definitions(conn)
        assert after == before, (before, after)
        for kiosk in kiosks:
            kiosk.topups += per_kiosk
            seq = templates.seq_before(kiosk.topups)
            conn.execute(
                "UPDATE kiosks SET acked_seq = %s, max_seq = %s WHERE id = %s",
                (seq, seq, kiosk.kiosk_id),
            )
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        fill.vacuum_s = time.perf_counter() - started
        with psycopg.connect(conninfo(pg, "postgres"), autocommit=True) as admin:
            admin.execute("ALTER SYSTEM RESET max_wal_size")
            admin.execute("SELECT pg_reload_conf()")
            admin.execute("CHECKPOINT")
    return fill


@dataclass
class Size:
    messages: int
    ledger_entries: int
    orders: int
    bytes: int
    sync_messages_bytes: int


def size_of(pg: PostgresServer, database: str) -> Size:
    import psycopg

    with psycopg.connect(conninfo(pg, database), autocommit=True) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM sync_messages), (SELECT count(*) FROM ledger_entries), "
            "(SELECT count(*) FROM orders), pg_database_size(current_database()), "
            "pg_total_relation_size('sync_messages')"
        ).fetchone()
    assert row is not None
    return Size(*(int(v) for v in row))


def explain(pg: PostgresServer, database: str, kiosk: BenchKiosk, templates: Templates) -> str:
    """EXPLAIN ANALYZE of the ingest's lookups for ``kiosk``'s next message, rolled back."""
    import psycopg

    seq = templates.seq_before(kiosk.topups)
    queries = [
        (
            "dedup by seq (ingest._known)",
            "SELECT * FROM sync_messages WHERE kiosk_id = %(k)s AND seq = %(seq)s",
        ),
        (
            "dedup by key (ingest._known)",
            "SELECT * FROM sync_messages WHERE kiosk_id = %(k)s AND idempotency_key = %(key)s",
        ),
        (
            "held messages (ingest._ready)",
            "SELECT * FROM sync_messages WHERE kiosk_id = %(k)s AND applied_at IS NULL "
            "AND seq > %(acked)s ORDER BY seq",
        ),
        (
            "projected row (ingest._upsert, orders)",
            "SELECT * FROM orders WHERE kiosk_id = %(k)s AND local_id = %(oid)s "
            "AND born_at = now()",
        ),
        (
            "projected row (ingest._upsert, ledger_entries)",
            "SELECT * FROM ledger_entries WHERE kiosk_id = %(k)s AND local_id = %(lid)s "
            "AND born_at = now()",
        ),
        (
            "nonce purge (signing._remember)",
            "DELETE FROM request_nonces WHERE kiosk_id = %(k)s "
            "AND seen_at < now() - interval '660 seconds'",
        ),
    ]
    params = {
        "k": kiosk.kiosk_id,
        "seq": seq + 1,
        "key": str(uuid.uuid4()),
        "acked": seq,
        "oid": kiosk.topups + 1,
        "lid": 4 * kiosk.topups + 1,
    }
    lines = []
    with psycopg.connect(conninfo(pg, database)) as conn:
        for label, query in queries:
            plan = conn.execute(
                f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {query}",  # type: ignore[arg-type]
                params,
            ).fetchall()
            lines.append(f"{label}:")
            lines += [f"    {row[0]}" for row in plan]
        conn.rollback()
    return "\n".join(lines)


@contextlib.contextmanager
def postgres(enabled: bool) -> Iterator[PostgresServer | None]:
    if not enabled:
        yield None
        return
    from kiosk.db.pgserver import PostgresServer, PostgresUnavailableError

    try:
        server = PostgresServer(durable=True).start()
    except PostgresUnavailableError as error:
        print(f"(PostgreSQL skipped: {error})")
        yield None
        return
    try:
        yield server
    finally:
        server.stop()


def pg_settings(pg: PostgresServer) -> str:
    import psycopg

    names = ("server_version", "shared_buffers", "max_wal_size", "synchronous_commit", "fsync")
    with psycopg.connect(conninfo(pg, "postgres"), autocommit=True) as conn:
        values = [conn.execute(f"SHOW {name}").fetchone()[0] for name in names]  # type: ignore
    return ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True))


# -- running ---------------------------------------------------------------------------------------


def parse_count(text: str) -> int:
    text = text.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def parse_list(text: str) -> list[int]:
    return [parse_count(part) for part in text.split(",") if part.strip()]


def human(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.2f} M"
    return f"{count:,}"


def print_runs(title: str, runs: list[Run]) -> None:
    print(f"\n### {title}\n")
    print(f"| database | kiosks | {FIGURES} | warm-up s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for run in runs:
        print(run.row())
    notes = []
    for run in runs:
        if run.status_latencies:
            notes.append(
                f"- {run.database}, {run.kiosks} kiosks: status reports "
                f"{len(run.status_latencies) / run.seconds:,.1f}/s answered, p50 "
                f"{pct(run.status_latencies, 0.5) * 1000:,.0f} ms, p99 "
                f"{pct(run.status_latencies, 0.99) * 1000:,.0f} ms"
            )
        if run.errors:
            notes.append(f"- {run.database}, {run.kiosks} kiosks: errors {dict(run.errors)}")
        if run.waits:
            notes.append(f"- {run.database}, {run.kiosks} kiosks, PostgreSQL waits: {run.waits}")
        for problem, times in run.problems.most_common(6):
            notes.append(
                f"- {run.database}, {run.kiosks} kiosks, the server logged {times}x: {problem}"
            )
    if notes:
        print()
        print("\n".join(notes))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_ingest", description=__doc__)
    parser.add_argument(
        "--kiosks", default="10,100,1000", help="kiosks at once (10,100,1000; '' skips part 1)"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds (60)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds not counted (5)")
    parser.add_argument(
        "--sizes", default="0,1M,10M", help="PostgreSQL filled to these messages (0,1M,10M)"
    )
    parser.add_argument("--size-kiosks", type=int, default=100, help="kiosks of part 2 (100)")
    parser.add_argument("--topups-per-push", type=int, default=1, help="top-ups per push (1)")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="keep each kiosk's connection between pushes (default: a new one per push)",
    )
    parser.add_argument(
        "--every",
        type=float,
        default=0.0,
        help="each kiosk pushes once every this many seconds, at a random phase, as a kiosk on "
        "its sync timer does (default 0: one push after another, as fast as answered)",
    )
    parser.add_argument(
        "--status",
        action="store_true",
        help="after each push answered, the kiosk's status report (POST /sync/status) too",
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only (no part 2)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--explain", action="store_true", help="plans of the lookups per size")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="for make bench: --kiosks 10,100 --seconds 10, no sizes",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.kiosks, args.seconds, args.warmup, args.sizes = "10,100", 10.0, 3.0, ""
    counts, sizes = parse_list(args.kiosks), parse_list(args.sizes)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * max(counts + [args.size_kiosks]) + 256
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, wanted), hard))

    started = time.perf_counter()
    templates = make_templates()
    print(
        f"Messages per top-up, captured from the kiosk core: QR {len(templates.paid.messages)} "
        f"({', '.join(m.kind for m in templates.paid.messages)}); cash by staff "
        f"{len(templates.cash.messages)} (with an audit entry), 1 top-up in {CASH_EVERY}; "
        f"{args.topups_per_push} top-up(s) per push ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp_name,
        postgres(not args.no_pg) as pg,
    ):
        tmp = Path(tmp_name)
        if pg is not None:
            print(f"PostgreSQL: {pg_settings(pg)}")
        runs: list[Run] = []
        for count in counts:
            if pg is not None:
                name = f"bench_ingest_{count}"
                url = pg.create_database(name)
                run, _ = measure(
                    "PostgreSQL (2 workers)", url, 2, None, count, templates, args, tmp, pg
                )
                pg.drop_database(name)
                runs.append(run)
                print(run.row(), flush=True)
            if not args.no_sqlite:
                url = f"sqlite:///{tmp / f'ingest-{count}.db'}"
                run, _ = measure("SQLite (1 worker)", url, 1, None, count, templates, args, tmp)
                runs.append(run)
                print(run.row(), flush=True)
        if runs:
            print_runs(
                f"Kiosks pushing at once ({args.seconds:g} s measured after {args.warmup:g} s, "
                f"{os.cpu_count()} CPUs, loopback)",
                runs,
            )
        if pg is not None and sizes:
            size_runs(pg, templates, sizes, args, tmp)
    print(
        "\n(CPU: % of one CPU in the window; client = this load generator, on the same "
        f"machine; {os.cpu_count()} CPUs in all)"
    )
    print(f"total {time.perf_counter() - started:.0f} s")


def size_runs(
    pg: PostgresServer,
    templates: Templates,
    sizes: list[int],
    args: argparse.Namespace,
    tmp: Path,
) -> None:
    """Part 2: the --size-kiosks run on a database filled to each size."""
    name = "bench_ingest_big"
    url = pg.create_database(name)
    with Backend(url, 1, tmp / "backend-enrol.log") as backend:
        kiosks = asyncio.run(enrol(backend.url, args.size_kiosks))
    lines: list[tuple[str, str]] = []
    for size in sorted(sizes):
        fill = fill_to(pg, name, [k for k in kiosks if not k.failed], templates, size)
        if fill.added:
            print(
                f"filled: +{fill.added:,} messages in {fill.rows_s:.0f} s, indexes built again "
                f"in {fill.index_s:.0f} s, VACUUM ANALYZE {fill.vacuum_s:.0f} s",
                flush=True,
            )
        before = size_of(pg, name)
        if args.explain:
            print(f"\nPlans at {before.messages:,} messages:\n")
            print(explain(pg, name, next(k for k in kiosks if not k.failed), templates))
        live = [k for k in kiosks if not k.failed]
        run, _ = measure("PostgreSQL", url, 2, live, len(live), templates, args, tmp, pg)
        line = (
            f"| {human(before.messages)} | {human(before.ledger_entries)} | "
            f"{human(before.orders)} | {before.bytes / 2**30:.2f} GiB | "
            f"{before.sync_messages_bytes / 2**30:.2f} GiB | {run.figures()} |"
        )
        print(line, flush=True)
        notes = [f"PostgreSQL waits: {run.waits}"]
        if fill.added:
            notes.append(
                f"filled +{fill.added:,} messages: rows {fill.rows_s:.0f} s, indexes "
                f"{fill.index_s:.0f} s, VACUUM ANALYZE {fill.vacuum_s:.0f} s"
            )
        if run.errors:
            notes.append(f"errors {dict(run.errors)}")
        notes += [f"the server logged {n}x: {p}" for p, n in run.problems.most_common(6)]
        lines.append((line, "; ".join(notes)))
    print(
        f"\n### {args.size_kiosks} kiosks pushing at once on a bigger PostgreSQL database "
        f"(2 workers, {args.seconds:g} s measured)\n"
    )
    print(
        "| messages stored before the run | ledger entries | orders | database on disk "
        f"| sync_messages + indexes | {FIGURES} |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for line, _ in lines:
        print(line)
    print()
    for line, note in lines:
        print(f"- {line.split('|')[1].strip()} messages: {note}")
    pg.drop_database(name)


if __name__ == "__main__":
    main()
