"""A block of ``QT_TRANSLATE_NOOP`` calls generated into a module from a table of sentences.

``pyside6-lupdate`` reads source code, not data: the templates of a Qt-free message table
(:data:`kiosk.session.messages.MESSAGES`, :data:`kiosk.admin.messages.MESSAGES`) reach the
translators only when written out as literal calls. :class:`GeneratedCatalog` writes that block
between two marker lines of the module it belongs to, and checks it is up to date; each
``message_catalog`` module is one table's catalog and its command line (``--write``/``--check``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

END = "# -- end of generated block --"


def _literal(text: str) -> str:
    """A double-quoted Python literal lupdate reads back as ``text``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class GeneratedCatalog:
    #: the module holding the block
    path: Path
    #: where the templates come from, named in the opening marker
    source: str
    #: the Qt Linguist context the templates are translated in
    context: str
    #: key -> English template, read when the block is generated
    templates: Callable[[], dict[str, str]]

    @property
    def begin(self) -> str:
        return f"# -- generated from {self.source}: do not edit below --"

    def generated_block(self) -> str:
        """The block as the table says it should be, markers included."""
        lines = [
            self.begin,
            "# one whole literal per line, however long, as lupdate reads it",
            "# ruff: noqa: E501",
            "# fmt: off",
            "CATALOG: dict[str, object] = {",
        ]
        for key, template in self.templates().items():
            call = f'QT_TRANSLATE_NOOP("{self.context}", {_literal(template)})'
            lines.append(f'    "{key}": {call},')
        lines += ["}", "# fmt: on", END]
        return "\n".join(lines)

    def current_block(self, source: str) -> str:
        # the markers as whole lines: the module's own text may spell them inside quotes
        start = source.index("\n" + self.begin + "\n") + 1
        end = source.index("\n" + END + "\n", start) + 1 + len(END)
        return source[start:end]

    def write(self) -> bool:
        """Rewrite the block in the module; True when it changed."""
        source = self.path.read_text(encoding="utf-8")
        fresh = source.replace(self.current_block(source), self.generated_block())
        if fresh == source:
            return False
        self.path.write_text(fresh, encoding="utf-8")
        return True

    def is_stale(self) -> bool:
        return self.current_block(self.path.read_text(encoding="utf-8")) != self.generated_block()

    def main(self, description: str, argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(description=description)
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--write", action="store_true", help="regenerate the block")
        group.add_argument("--check", action="store_true", help="exit 1 when it is out of date")
        args = parser.parse_args(argv)
        if args.write:
            print(f"{self.path}: {'regenerated' if self.write() else 'already up to date'}")
            return 0
        stale = self.is_stale()
        print(f"{self.path}: {'out of date: run --write' if stale else 'up to date'}")
        return int(stale)
