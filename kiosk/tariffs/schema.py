"""The JSON form of a tariff (schema :data:`SCHEMA_VERSION`): written by admin and the backend, read
back with every field checked, and a :class:`~kiosk.tariffs.model.TariffError` naming the field
(``rate.blocks[1].price: …``) for anything wrong.

Prices travel as strings ("52.83", minor units per kWh / m³) or whole JSON numbers, never as JSON
numbers with a fraction: a float parser has already changed 0.1 before we could see it. Times are
"HH:MM" local time of the tariff's zone; weekdays are "mon".."sun". Unknown keys are refused so a
typo ("prise") is an error, not a silently missing price.

Example::

    {"schema": 1, "code": "ELEC-STD", "version": 3, "name": "Standard electricity",
     "utility": "electricity", "currency": 156, "timezone": "Asia/Shanghai",
     "rate": {"kind": "tiered", "blocks": [{"up_to": 200000, "price": "48.83"},
                                           {"up_to": null, "price": "53.83"}]},
     "fees": [{"amount": 200, "basis": "per_topup", "label": "Service fee"}],
     "debt_recovery": {"share_bp": 2500, "cap_per_topup": 5000}}
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from kiosk.tariffs.model import (
    Block,
    DebtRecovery,
    FeeBasis,
    FlatRate,
    Rate,
    ServiceFee,
    Tariff,
    TariffError,
    TieredRate,
    TimeOfUse,
    TouPeriod,
    Utility,
)
from kiosk.tariffs.tou import WEEKDAYS

SCHEMA_VERSION = 1
RATE_KINDS = ("flat", "tiered", "time_of_use")
_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def tariff_to_dict(tariff: Tariff) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "code": tariff.code,
        "version": tariff.version,
        "name": tariff.name,
        "utility": tariff.utility.value,
        "currency": tariff.currency,
        "timezone": tariff.timezone,
        "rate": None if tariff.rate is None else _rate_to_dict(tariff.rate),
        "fees": [
            {"amount": f.amount, "basis": f.basis.value, "label": f.label} for f in tariff.fees
        ],
        "debt_recovery": None
        if tariff.debt_recovery is None
        else {
            "share_bp": tariff.debt_recovery.share_bp,
            "cap_per_topup": tariff.debt_recovery.cap_per_topup,
        },
    }


def _rate_to_dict(rate: Rate) -> dict[str, Any]:
    match rate:
        case FlatRate(price=price):
            return {"kind": "flat", "price": _price_text(price)}
        case TieredRate(blocks=blocks):
            return {
                "kind": "tiered",
                "blocks": [{"up_to": b.up_to, "price": _price_text(b.price)} for b in blocks],
            }
        case TimeOfUse():
            return {
                "kind": "time_of_use",
                "periods": [
                    {
                        "name": p.name,
                        "start": p.start.strftime("%H:%M"),
                        "end": p.end.strftime("%H:%M"),
                        "weekdays": [WEEKDAYS[d] for d in sorted(p.weekdays)],
                        "price": _price_text(p.price),
                    }
                    for p in rate.periods
                ],
                "other_price": _price_text(rate.other_price),
                "other_name": rate.other_name,
            }
    raise TypeError(f"not a rate: {rate!r}")  # pragma: no cover - the type union is closed


def _price_text(price: Decimal) -> str:
    # one spelling per value ("86.00", "86" and "8.6E+1" are one price), so equal tariffs
    # write equal JSON and have equal digests
    return format(price.normalize(), "f")


def tariff_from_dict(data: Any) -> Tariff:
    """Read and check a tariff; raise TariffError naming the first field that is wrong."""
    top = _Fields(data, "")
    schema = top.integer("schema")
    if schema != SCHEMA_VERSION:
        raise TariffError(
            "schema", f"is {schema}; this kiosk reads schema {SCHEMA_VERSION} (update the kiosk?)"
        )
    utility = top.choice("utility", Utility)
    rate_data = top.take("rate", dict, optional=True)
    fees_data = top.take("fees", list, optional=True) or []
    debt_data = top.take("debt_recovery", dict, optional=True)
    fields = {
        "code": top.take("code", str),
        "version": top.integer("version"),
        "name": top.take("name", str),
        "currency": top.integer("currency"),
        "timezone": top.take("timezone", str),
    }
    top.done()
    return _build(
        "",
        Tariff,
        utility=utility,
        rate=None if rate_data is None else _rate_from_dict(rate_data, "rate"),
        fees=tuple(_fee_from_dict(f, f"fees[{i}]") for i, f in enumerate(fees_data)),
        debt_recovery=None if debt_data is None else _debt_from_dict(debt_data),
        **fields,
    )


def _rate_from_dict(data: dict[str, Any], path: str) -> Rate:
    fields = _Fields(data, path)
    kind = fields.take("kind", str)
    if kind == "flat":
        price = fields.price("price")
        fields.done()
        return _build(path, FlatRate, price=price)
    if kind == "tiered":
        blocks = []
        for i, item in enumerate(fields.take("blocks", list)):
            block = _Fields(item, f"{path}.blocks[{i}]")
            up_to = block.integer("up_to", optional=True)
            price = block.price("price")
            block.done()
            blocks.append(_build(f"{path}.blocks[{i}]", Block, up_to=up_to, price=price))
        fields.done()
        return _build(path, TieredRate, blocks=tuple(blocks))
    if kind == "time_of_use":
        periods = []
        for i, item in enumerate(fields.take("periods", list)):
            where = f"{path}.periods[{i}]"
            period = _Fields(item, where)
            name = period.take("name", str)
            start, end = period.time("start"), period.time("end")
            days = period.take("weekdays", list, optional=True)
            weekdays = frozenset(range(7)) if days is None else _weekdays(days, f"{where}.weekdays")
            price = period.price("price")
            period.done()
            periods.append(
                _build(
                    where,
                    TouPeriod,
                    name=name,
                    start=start,
                    end=end,
                    price=price,
                    weekdays=weekdays,
                )
            )
        other = fields.price("other_price")
        other_name = fields.take("other_name", str, optional=True) or "standard"
        fields.done()
        return _build(
            path, TimeOfUse, periods=tuple(periods), other_price=other, other_name=other_name
        )
    raise TariffError(f"{path}.kind", f"must be one of {', '.join(RATE_KINDS)}, got {kind!r}")


def _fee_from_dict(data: Any, path: str) -> ServiceFee:
    fields = _Fields(data, path)
    amount = fields.integer("amount")
    basis = fields.choice("basis", FeeBasis, optional=True) or FeeBasis.PER_TOPUP
    label = fields.take("label", str, optional=True) or "Service fee"
    fields.done()
    return _build(path, ServiceFee, amount=amount, basis=basis, label=label)


def _debt_from_dict(data: dict[str, Any]) -> DebtRecovery:
    fields = _Fields(data, "debt_recovery")
    share = fields.integer("share_bp")
    cap = fields.integer("cap_per_topup", optional=True)
    fields.done()
    return _build("debt_recovery", DebtRecovery, share_bp=share, cap_per_topup=cap)


def _weekdays(names: list[Any], path: str) -> frozenset[int]:
    days = set()
    for i, name in enumerate(names):
        if name not in WEEKDAYS:
            raise TariffError(f"{path}[{i}]", f"must be one of {', '.join(WEEKDAYS)}, got {name!r}")
        days.add(WEEKDAYS.index(name))
    return frozenset(days)


def _build(path: str, cls: Any, **kwargs: Any) -> Any:
    """Construct a model value; its own checks' errors get the field path put in front."""
    try:
        return cls(**kwargs)
    except TariffError as exc:
        raise exc.within(path) if path else exc from None


class _Fields:
    """Takes typed values out of one JSON object, naming ``path.key`` in every error."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise TariffError(path, f"must be an object, got {type(data).__name__}")
        self.data = data
        self.path = path
        self.seen: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def take(self, key: str, kind: type, *, optional: bool = False) -> Any:
        self.seen.add(key)
        value = self.data.get(key)
        if value is None:
            if optional:
                return None
            raise TariffError(self.where(key), "is missing")
        # bool is an int to Python, but `"version": true` is a mistake, not version 1
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise TariffError(
                self.where(key), f"must be {kind.__name__}, got {type(value).__name__}"
            )
        return value

    def integer(self, key: str, *, optional: bool = False) -> Any:
        return self.take(key, int, optional=optional)

    def choice(self, key: str, enum_type: Any, *, optional: bool = False) -> Any:
        value = self.take(key, str, optional=optional)
        if value is None:
            return None
        try:
            return enum_type(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum_type)
            raise TariffError(self.where(key), f"must be one of {allowed}, got {value!r}") from None

    def price(self, key: str) -> Decimal:
        self.seen.add(key)
        value = self.data.get(key)
        if isinstance(value, float):
            raise TariffError(
                self.where(key), f'give prices as strings ("{value}"), not numbers with a fraction'
            )
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise TariffError(self.where(key), f'must be a price like "52.83", got {value!r}')
        try:
            return Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise TariffError(self.where(key), f"is not a number: {value!r}") from None

    def time(self, key: str) -> dt.time:
        value = self.take(key, str)
        match = _TIME.fullmatch(value)
        if not match:
            raise TariffError(self.where(key), f"must be a time HH:MM (00:00-23:59), got {value!r}")
        return dt.time(int(match[1]), int(match[2]))

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise TariffError(self.where(unknown[0]), "is not a field of this object (a typo?)")
