"""``python -m kiosk.payments.simulator``: run the payment simulator as a process.

The signing secret comes from ``--secret`` or the environment variable ``PAYSIM_SECRET`` (better:
command lines are visible to every user of the machine); without one it refuses to start. When
ready it prints one line, ``paysim listening on http://HOST:PORT``, so a parent process started
with ``--port 0`` learns the port.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from types import FrameType

from kiosk.payments.simulator.server import DEFAULT_HOST, PaymentSimulator

SECRET_ENV = "PAYSIM_SECRET"


def _stop(signum: int, frame: FrameType | None) -> None:
    # serve_forever runs in the main thread: leaving it by an exception runs its clean-up.
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk.payments.simulator", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on")
    parser.add_argument("--port", type=int, default=8787, help="port (0: any free port)")
    parser.add_argument("--secret", help=f"notification signing secret (or ${SECRET_ENV})")
    parser.add_argument("--notify-url", help="where to POST notifications of orders naming none")
    parser.add_argument("--public-url", help="base of the pay links, if phones use another address")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    secret = args.secret or os.environ.get(SECRET_ENV)
    if not secret:
        parser.error(f"a signing secret is required: --secret or ${SECRET_ENV}")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    try:
        simulator = PaymentSimulator(
            secret, args.host, args.port, notify_url=args.notify_url, public_url=args.public_url
        )
    except OSError as error:
        print(f"paysim: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop)
    print(f"paysim listening on {simulator.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the ordinary way to stop it
        simulator.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
