"""The kiosk's memory of each card's highest counter, kept in a JSON file until the database of
issue 3 takes over. A card whose counter is lower than remembered is a restored old copy."""

from __future__ import annotations

import json
import os
from pathlib import Path


class FileCounterStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self._data: dict[str, int] = json.loads(self.path.read_text())
        except FileNotFoundError:
            self._data = {}

    @staticmethod
    def _key(uid: bytes, kind: str) -> str:
        return f"{uid.hex()}:{kind}"

    def get(self, uid: bytes, kind: str) -> int | None:
        return self._data.get(self._key(uid, kind))

    def put(self, uid: bytes, kind: str, counter: int) -> None:
        key = self._key(uid, kind)
        if counter <= self._data.get(key, -1):
            return
        self._data[key] = counter
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._data, indent=1, sort_keys=True))
        os.replace(tmp, self.path)
