"""What one command needs: the configuration, the kiosk's parts, a reader and an optional trace."""

from __future__ import annotations

import argparse
import sys
from typing import Self

from cardlib.apdu import Trace
from cardlib.reader.base import CardConnection
from kiosk import app
from kiosk import config as config_mod


class CommandSession:
    def __init__(
        self, args: argparse.Namespace, config_path: str | None = None, reader: str | None = None
    ) -> None:
        self.config = config_mod.load(config_path or args.config)
        self.kiosk = app.build(self.config)
        self.reader = self.kiosk.reader(reader or getattr(args, "reader", None))
        self.trace = Trace(echo=print, keep=False) if getattr(args, "trace", False) else None
        self.wait: float = getattr(args, "wait", 10.0)

    def connect(self) -> CardConnection:
        print(f"Reader: {self.reader.name}. Waiting for a card…", file=sys.stderr)
        return self.reader.connect_when_present(self.wait, self.trace)

    def close(self) -> None:
        self.reader.close()
        self.kiosk.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
