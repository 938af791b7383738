"""Keep the Simplified Chinese translation in step with the touchscreen's source strings.

``pyside6-lupdate`` (shipped with PySide6) reads every .py file under ui/ (tests excepted) and
merges what it finds into assets/i18n/prepay_zh_CN.ts: new strings are added as unfinished, strings
no longer in the code are dropped (``-no-obsolete``), translations already made are kept. No source
locations are written (``-locations none``) and messages are sorted within their context
(``-sort-messages``), so moving code around does not change the file: its diff shows only strings
added, removed or translated::

    python -m ui.i18n_update            # update the .ts after changing texts in ui/
    python -m ui.i18n_update --check    # exit 1, naming them, when a string is missing,
                                        # unfinished, left over or loses a {placeholder}

Then translate the new entries (Qt Linguist, or by hand: fill ``<translation>`` and drop
``type="unfinished"``); ui.i18n compiles the .ts with lrelease on first use.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import PySide6

from ui.i18n import Language, ts_path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "ui"
#: the languages kept as .ts files (English is the source language: it has none)
LANGUAGES = (Language.ZH_CN,)
LUPDATE_OPTIONS = ("-no-obsolete", "-locations", "none", "-sort-messages", "-silent")
#: a str.format placeholder: {name}, {0}, {name:>8} (doubled braces are literal braces)
PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")

#: (context, source text): how Qt looks a translation up
Key = tuple[str, str]


class UpdateError(Exception):
    """lupdate is missing or failed; the message says why."""


def lupdate_path() -> Path:
    """PySide6's lupdate: the wrapper on PATH (the venv's bin) or the binary inside the package."""
    found = shutil.which("pyside6-lupdate")
    if found:
        return Path(found)
    inside = Path(PySide6.__file__).resolve().parent / "lupdate"
    if inside.exists():
        return inside
    raise UpdateError("pyside6-lupdate not found (it ships with PySide6)")


def is_test(path: Path) -> bool:
    parts = path.relative_to(UI).parts
    name = path.name
    return (
        any(p in ("tests", "test") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def source_files(root: Path = UI) -> list[Path]:
    """Every .py file under ui/ that can show text: all of them but tests, sorted."""
    return sorted(p for p in root.rglob("*.py") if not is_test(p))


def run_lupdate(ts: Path, language: Language, files: Iterable[Path] | None = None) -> None:
    """Merge the strings of ``files`` (default: :func:`source_files`) into ``ts``."""
    ts.parent.mkdir(parents=True, exist_ok=True)
    sources = [str(p) for p in (source_files() if files is None else files)]
    done = subprocess.run(
        [
            str(lupdate_path()),
            *LUPDATE_OPTIONS,
            "-source-language",
            "en",
            "-target-language",
            language.value,
            *sources,
            "-ts",
            str(ts),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise UpdateError(f"lupdate failed on {ts}: {(done.stderr or done.stdout).strip()}")


@dataclass(frozen=True)
class Entry:
    context: str
    source: str
    translation: str
    unfinished: bool  # type="unfinished" (or an empty translation)
    kind: str  # the translation's type attribute: "", "unfinished", "obsolete", "vanished"

    @property
    def key(self) -> Key:
        return (self.context, self.source)


def read_ts(ts: Path) -> dict[Key, Entry]:
    """The messages of a Linguist file, by (context, source)."""
    entries: dict[Key, Entry] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            node = message.find("translation")
            kind = "" if node is None else node.get("type", "")
            text = "" if node is None else "".join(node.itertext())
            entries[(name, source)] = Entry(
                name, source, text, kind == "unfinished" or not text, kind
            )
    return entries


def source_strings(files: Iterable[Path] | None = None) -> set[Key]:
    """What lupdate extracts from ``files`` (default: ui/ without tests), as (context, source)."""
    with tempfile.TemporaryDirectory(prefix="prepay-lupdate-") as tmp:
        ts = Path(tmp) / "sources.ts"
        run_lupdate(ts, Language.ZH_CN, files)
        return set(read_ts(ts))


def placeholders(text: str) -> list[str]:
    """The ``{placeholders}`` of a format string, sorted (their order may change in a language)."""
    return sorted(PLACEHOLDER.findall(text))


def problems(ts: Path, sources: set[Key] | None = None) -> list[str]:
    """Everything wrong with ``ts`` against the code, one line each (empty: all is well)."""
    if not ts.exists():
        return [f"{ts}: missing: run python -m ui.i18n_update, then translate it"]
    sources = source_strings() if sources is None else sources
    entries = read_ts(ts)
    found: list[str] = []

    def where(key: Key) -> str:
        return f"[{key[0]}] {key[1]!r}"

    for key in sorted(sources - set(entries)):
        found.append(f"missing from the .ts: {where(key)}")
    for key, entry in sorted(entries.items()):
        if key not in sources or entry.kind in ("obsolete", "vanished"):
            found.append(f"no longer in ui/ (run python -m ui.i18n_update): {where(key)}")
        elif entry.unfinished:
            found.append(f"not translated: {where(key)}")
        elif placeholders(entry.translation) != placeholders(entry.source):
            found.append(
                f"placeholders differ: {where(key)} -> {entry.translation!r} "
                f"(needs {placeholders(entry.source)}, has {placeholders(entry.translation)})"
            )
    return found


def shown(path: Path) -> Path:
    """``path`` as printed: relative to the checkout when inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ui.i18n_update",
        description="Update assets/i18n/prepay_<lang>.ts from the texts in ui/ (pyside6-lupdate).",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 naming every string missing, unfinished or out of date",
    )
    args = parser.parse_args(argv)
    try:
        if not args.check:
            for language in LANGUAGES:
                ts = ts_path(language)
                run_lupdate(ts, language)
                left = [p for p in problems(ts) if p.startswith("not translated")]
                print(f"{shown(ts)}: updated, {len(left)} string(s) to translate")
            return 0
        sources = source_strings()
        failed = False
        for language in LANGUAGES:
            ts = ts_path(language)
            found = problems(ts, sources)
            if found:
                failed = True
                print(f"{shown(ts)}: {len(found)} problem(s)")
                for line in found:
                    print(f"  {line}")
            else:
                print(f"{shown(ts)}: every one of {len(sources)} strings is translated")
        return int(failed)
    except UpdateError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
