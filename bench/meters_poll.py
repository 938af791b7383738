"""Modbus meters polled per second on loopback, as the number of simulated meters grows.

Run: ``python -m bench.meters_poll [--meters 10,100,1000] [--profile sdm120] [--seconds 3]
[--quick]``.

For each size N, N simulated meters are served by ceil(N / 200) simulator processes
(``python -m meters.modbus.simulator``, device ids 1..200 each, one TCP port each: a Modbus TCP
gateway serves at most 247 ids), so the server side runs on other cores than the poller. The poller
is the kiosk's: one ``ModbusBuses`` (one connection per port), every meter ``read()`` in turn
(energy, power, voltage and, on a relay meter, the relay: 3 or 4 Modbus requests), round after
round for ``--seconds`` (at least one full round). Reported: polls (meter readings) per second, the
wall time of one poll (median and p95, ms), requests per poll, and the time to start the
simulators. ``--parallel`` polls each port from its own thread, as a kiosk with several gateways
could.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from meters.modbus.driver import ModbusBuses, ModbusMeter
from meters.modbus.profile import load_profile

PER_PORT = 200


@contextmanager
def simulators(profile: str, n: int) -> Iterator[list[str]]:
    """Start ceil(n / PER_PORT) simulator processes; yield the meter addresses."""
    procs: list[subprocess.Popen[str]] = []
    addresses: list[str] = []
    try:
        for k in range(math.ceil(n / PER_PORT)):
            count = min(PER_PORT, n - k * PER_PORT)
            cmd = [
                sys.executable,
                "-m",
                "meters.modbus.simulator",
                "--profile",
                profile,
                "--devices",
                f"1-{count}",
                "--port",
                "0",
                "--load",
                "1500",
            ]
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                text=True,
                stderr=subprocess.DEVNULL,
                env={**os.environ},
            )
            procs.append(proc)
            assert proc.stdout is not None
            line = proc.stdout.readline()
            url = next((w.rstrip(",") for w in line.split() if w.startswith("tcp://")), None)
            if url is None:
                raise RuntimeError(f"simulator did not start: {line!r}")
            addresses += [f"{url}/{d}" for d in range(1, count + 1)]
        yield addresses
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


def _poll(meters: list[ModbusMeter], seconds: float, out: list[float]) -> None:
    end = time.perf_counter() + seconds
    while True:
        for m in meters:
            t0 = time.perf_counter()
            m.read()
            out.append(time.perf_counter() - t0)
        if time.perf_counter() >= end:
            return


def run(n: int, profile: str, seconds: float, parallel: bool) -> dict[str, float]:
    t0 = time.perf_counter()
    with simulators(profile, n) as addresses:
        started = time.perf_counter() - t0
        buses = ModbusBuses(timeout=2.0, retries=0)
        meters = [buses.meter(a, profile) for a in addresses]
        for m in meters:  # connect every bus and warm up
            m.read()
        times: list[float] = []
        t1 = time.perf_counter()
        if parallel:
            groups: dict[str, list[ModbusMeter]] = {}
            for m in meters:
                groups.setdefault(m.bus.name, []).append(m)
            outs = [[] for _ in groups]  # type: list[list[float]]
            threads = [
                threading.Thread(target=_poll, args=(g, seconds, o))
                for g, o in zip(groups.values(), outs, strict=True)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            times = [x for o in outs for x in o]
        else:
            _poll(meters, seconds, times)
        wall = time.perf_counter() - t1
        buses.close()
    prof = load_profile(profile)
    times.sort()
    return {
        "meters": n,
        "ports": math.ceil(n / PER_PORT),
        "polls": len(times),
        "rate": len(times) / wall,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[max(0, math.ceil(0.95 * len(times)) - 1)] * 1000,
        "requests": len(prof.registers) + (1 if prof.relay else 0),
        "start_s": started,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m bench.meters_poll",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--meters", default="10,100,1000", help="sizes, comma separated")
    ap.add_argument("--profile", action="append", help="profile(s); default sdm120 and dds238")
    ap.add_argument("--seconds", type=float, default=3.0, help="polling time per size")
    ap.add_argument("--parallel", action="store_true", help="also poll each port from a thread")
    ap.add_argument("--quick", action="store_true", help="1 s per size (a full round at least)")
    args = ap.parse_args(argv)
    seconds = 1.0 if args.quick else args.seconds
    sizes = [int(x) for x in args.meters.split(",")]
    print(
        f"Modbus TCP on loopback, python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"{seconds:g} s per row (at least one full round)\n"
    )
    print(
        "| profile | meters | ports | polling | polls | polls/s | ms/poll median | p95 "
        "| requests/poll | simulators start, s |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for profile in args.profile or ["sdm120", "dds238"]:
        for n in sizes:
            for parallel in (False, True) if args.parallel else (False,):
                r = run(n, profile, seconds, parallel)
                mode = "thread per port" if parallel else "one loop"
                print(
                    f"| {profile} | {n} | {r['ports']} | {mode} | {r['polls']} | "
                    f"{r['rate']:.0f} | {r['median_ms']:.2f} | {r['p95_ms']:.2f} | "
                    f"{r['requests']} | {r['start_s']:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
