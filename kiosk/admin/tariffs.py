"""Tariffs in admin mode: list the versions, show one in words, publish a new version.

A tariff arrives as its JSON form (kiosk.tariffs.schema) -- a file staff picked, or what the
tariff editor built -- and is checked field by field; a mistake comes back as one sentence naming
the field (``rate.blocks[1].price: must be more than zero``). Publishing never changes a stored
version (kiosk.tariff_store): a new price is a new, higher version.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from kiosk import tariff_store
from kiosk.admin.errors import InvalidInputError, NotFoundError, RefusedError
from kiosk.admin.messages import Sentence, say, word
from kiosk.db import Database
from kiosk.db.models import TariffVersion
from kiosk.money import CURRENCIES, exponent, format_amount
from kiosk.tariffs import FlatRate, Tariff, TariffError, TieredRate, TimeOfUse
from kiosk.tariffs.model import FeeBasis
from kiosk.tariffs.rounding import format_units


@dataclass(frozen=True)
class TariffSummary:
    code: str
    version: int
    name: str
    utility: str
    currency: int
    valid_from: dt.datetime
    created_by: str
    digest: str
    #: the version quoted now for this code (the highest whose validity has begun)
    in_force: bool

    @property
    def ref(self) -> str:
        return f"{self.code} v{self.version}"


@dataclass(frozen=True)
class TariffDetail:
    summary: TariffSummary
    #: the tariff's JSON form, as stored
    definition: dict[str, Any]
    #: the tariff in words, one sentence a line
    said: tuple[Sentence, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        """:attr:`said` in English."""
        return tuple(line.text for line in self.said)


def _summaries(rows: list[TariffVersion], now: dt.datetime) -> list[TariffSummary]:
    current: dict[str, int] = {}
    for row in rows:
        if row.valid_from <= now and row.version > current.get(row.code, 0):
            current[row.code] = row.version
    return [
        TariffSummary(
            code=row.code,
            version=row.version,
            name=str(row.definition.get("name", "")),
            utility=str(row.definition.get("utility", "")),
            currency=int(row.definition.get("currency", 0)),
            valid_from=row.valid_from,
            created_by=row.created_by,
            digest=row.digest,
            in_force=current.get(row.code) == row.version,
        )
        for row in rows
    ]


def list_tariffs(db: Database, now: dt.datetime) -> list[TariffSummary]:
    """Every stored version, by code then version."""
    with db.session() as s:
        rows = list(
            s.scalars(select(TariffVersion).order_by(TariffVersion.code, TariffVersion.version))
        )
    return _summaries(rows, now)


def show_tariff(
    db: Database, code: str, now: dt.datetime, version: int | None = None
) -> TariffDetail:
    """One version (default: the one in force now, else the newest)."""
    with db.session() as s:
        rows = list(
            s.scalars(
                select(TariffVersion)
                .where(TariffVersion.code == code)
                .order_by(TariffVersion.version)
            )
        )
    if not rows:
        raise NotFoundError(say("no_tariff", code=repr(code)))
    summaries = _summaries(rows, now)
    if version is None:
        chosen = next((t for t in summaries if t.in_force), summaries[-1])
    else:
        found = [t for t in summaries if t.version == version]
        if not found:
            raise NotFoundError(say("no_tariff_version", code=code, version=version))
        chosen = found[0]
    row = next(r for r in rows if r.version == chosen.version)
    return TariffDetail(
        chosen, dict(row.definition), tuple(in_words(Tariff.from_dict(row.definition)))
    )


def parse_tariff(definition: Mapping[str, Any] | str) -> Tariff:
    """A tariff from its JSON form (text or already parsed); InvalidInputError names the field."""
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                say("tariff_not_json", line=exc.lineno, column=exc.colno, problem=exc.msg),
                code="bad_tariff",
            ) from None
    try:
        return Tariff.from_dict(definition)
    except TariffError as exc:
        raise InvalidInputError(tariff_sentence(exc), code="bad_tariff") from None


def tariff_sentence(exc: TariffError) -> Sentence:
    """A tariff check's finding: the field it names and its problem (the tariff layer's words)."""
    if exc.field:
        return say("tariff_field", field=exc.field, problem=exc.problem)
    return say("tariff_problem", problem=exc.problem)


def publish_tariff(
    db: Database,
    definition: Mapping[str, Any] | str,
    created_by: str,
    now: dt.datetime,
    valid_from: dt.datetime | None = None,
) -> TariffSummary:
    """Check and store a new tariff version, valid from ``valid_from`` (default: now)."""
    tariff = parse_tariff(definition)
    if valid_from is not None and valid_from.tzinfo is None:
        raise InvalidInputError(say("tariff_needs_zone"))
    with db.session() as s:
        newest = s.scalar(
            select(func.max(TariffVersion.version)).where(TariffVersion.code == tariff.code)
        )
        if newest is not None and tariff.version < newest:
            raise RefusedError(
                say("tariff_version_old", ref=tariff.ref, newest=newest, next=newest + 1),
                code="tariff_version_old",
            )
        try:
            row = tariff_store.publish(s, tariff, created_by, valid_from or now)
        except TariffError as exc:
            raise RefusedError(tariff_sentence(exc), code="tariff_version_taken") from None
        code = row.code
    return next(t for t in list_tariffs(db, now) if t.code == code and t.version == tariff.version)


# -- in words ------------------------------------------------------------------------------------


def describe(tariff: Tariff) -> list[str]:
    """A tariff as a staff member reads it before publishing, in English."""
    return [line.text for line in in_words(tariff)]


def in_words(tariff: Tariff) -> list[Sentence]:
    """A tariff as a staff member reads it before publishing, a sentence a line."""
    unit = tariff.utility.display_unit
    money = CURRENCIES[tariff.currency][0]  # a Tariff's currency is always a configured one

    def price(p: Decimal) -> str:
        whole = p.scaleb(-exponent(tariff.currency)).normalize()
        return f"{whole:f} {money}/{unit}"

    def amount(minor: int) -> str:
        return format_amount(minor, tariff.currency)

    lines = [
        say("tariff_title", ref=tariff.ref, name=tariff.name),
        say(
            "tariff_basics",
            utility=word("utility", tariff.utility.value),
            currency=money,
            timezone=tariff.timezone,
        ),
    ]
    rate = tariff.rate
    if isinstance(rate, FlatRate):
        lines.append(say("tariff_flat", price=price(rate.price)))
    elif isinstance(rate, TieredRate):
        start = 0
        for block in rate.blocks:
            begin, cost = format_units(start), price(block.price)
            if block.up_to is None:
                lines.append(say("tariff_block_above", start=begin, price=cost))
            else:
                end = format_units(block.up_to)
                lines.append(say("tariff_block", start=begin, end=end, unit=unit, price=cost))
            start = block.up_to or start
    elif isinstance(rate, TimeOfUse):
        for p in rate.periods:
            lines.append(
                say(
                    "tariff_period",
                    name=p.name,
                    start=f"{p.start:%H:%M}",
                    end=f"{p.end:%H:%M}",
                    price=price(p.price),
                )
            )
        lines.append(say("tariff_other_times", name=rate.other_name, price=price(rate.other_price)))
    for fee in tariff.fees:
        key = "tariff_fee_topup" if fee.basis is FeeBasis.PER_TOPUP else "tariff_fee_month"
        lines.append(say(key, label=fee.label, amount=amount(fee.amount)))
    if tariff.debt_recovery is not None:
        d = tariff.debt_recovery
        share = f"{Decimal(d.share_bp) / 100:f}"
        if d.cap_per_topup is None:
            lines.append(say("tariff_debt", share=share))
        else:
            lines.append(say("tariff_debt_cap", share=share, cap=amount(d.cap_per_topup)))
    return lines
