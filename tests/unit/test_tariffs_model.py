"""Tariffs as data: the JSON form round-trips, and bad data is refused naming the field."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from kiosk.tariffs import (
    Block,
    DebtRecovery,
    FeeBasis,
    FlatRate,
    ServiceFee,
    Tariff,
    TariffError,
    TieredRate,
    TimeOfUse,
    TouPeriod,
    Utility,
    quote,
)

NOW = dt.datetime(2025, 3, 5, 4, 0, tzinfo=dt.UTC)


def sample() -> dict[str, Any]:
    return {
        "schema": 1,
        "code": "ELEC-STD",
        "version": 3,
        "name": "标准电价 Standard electricity",
        "utility": "electricity",
        "currency": 156,
        "timezone": "Asia/Shanghai",
        "rate": {
            "kind": "tiered",
            "blocks": [
                {"up_to": 200000, "price": "48.83"},
                {"up_to": 400000, "price": "53.83"},
                {"up_to": None, "price": "78.83"},
            ],
        },
        "fees": [{"amount": 200, "basis": "per_topup", "label": "Service fee"}],
        "debt_recovery": {"share_bp": 2500, "cap_per_topup": 5000},
    }


def tou_sample() -> dict[str, Any]:
    data = sample()
    data["rate"] = {
        "kind": "time_of_use",
        "periods": [
            {
                "name": "peak",
                "start": "08:00",
                "end": "22:00",
                "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                "price": "120",
            },
            {"name": "valley", "start": "22:00", "end": "08:00", "price": "40"},
        ],
        "other_price": "80",
        "other_name": "weekend",
    }
    return data


def test_round_trip_through_json_keeps_every_field_and_the_digest() -> None:
    for data in (sample(), tou_sample()):
        tariff = Tariff.from_dict(data)
        again = Tariff.from_dict(json.loads(json.dumps(tariff.to_dict())))
        assert again == tariff
        assert again.digest() == tariff.digest()
        assert again.to_dict() == tariff.to_dict()


def test_read_values_are_the_typed_model() -> None:
    tariff = Tariff.from_dict(sample())
    assert tariff.utility is Utility.ELECTRICITY
    assert tariff.rate == TieredRate(
        (
            Block(200000, Decimal("48.83")),
            Block(400000, Decimal("53.83")),
            Block(None, Decimal("78.83")),
        )
    )
    assert tariff.fees == (ServiceFee(200, FeeBasis.PER_TOPUP, "Service fee"),)
    assert tariff.debt_recovery == DebtRecovery(2500, 5000)
    assert tariff.ref == "ELEC-STD v3"
    tou = Tariff.from_dict(tou_sample()).rate
    assert isinstance(tou, TimeOfUse)
    assert tou.periods[0].weekdays == frozenset(range(5))
    assert tou.periods[1].weekdays == frozenset(range(7))  # weekdays left out: every day


def test_a_new_version_is_a_new_tariff_and_quotes_record_it() -> None:
    v3 = Tariff.from_dict(sample())
    changed = sample()
    changed["version"] = 4
    changed["rate"]["blocks"][0]["price"] = "49.10"
    v4 = Tariff.from_dict(changed)
    assert v4 != v3 and v4.digest() != v3.digest()
    assert (quote(v3, 10000, at=NOW).tariff_code, quote(v3, 10000, at=NOW).tariff_version) == (
        "ELEC-STD",
        3,
    )
    assert quote(v4, 10000, at=NOW).tariff_ref == "ELEC-STD v4"
    # same code and version but other content: the digest tells them apart
    clash = sample()
    clash["rate"]["blocks"][0]["price"] = "49.10"
    assert Tariff.from_dict(clash).digest() != v3.digest()


def test_one_price_spelt_two_ways_is_one_tariff() -> None:
    plain, padded = sample(), sample()
    padded["rate"]["blocks"][0]["price"] = "48.8300"
    assert Tariff.from_dict(plain) == Tariff.from_dict(padded)
    assert Tariff.from_dict(plain).digest() == Tariff.from_dict(padded).digest()
    assert Tariff.from_dict(padded).to_dict()["rate"]["blocks"][0]["price"] == "48.83"


def _set(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(base if base is not None else sample())
    *parents, last = path.split("/")
    target: Any = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is _DELETE:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


_DELETE = object()

BAD = [
    # (path to change, new value, field named in the error, words in the message)
    ("code", _DELETE, "code", "missing"),
    ("code", "ELEC STD", "code", "letters"),
    ("version", "3", "version", "must be int"),
    ("version", True, "version", "must be int"),
    ("version", 0, "version", "from 1"),
    ("schema", 2, "schema", "update the kiosk"),
    ("utility", "gas", "utility", "electricity, water, service"),
    ("currency", 999, "currency", "not configured"),
    ("timezone", "Mars/Olympus", "timezone", "IANA"),
    ("prise", "1", "prise", "not a field"),
    ("rate/kind", "stepped", "rate.kind", "flat, tiered, time_of_use"),
    ("rate/blocks/0/price", 48.83, "rate.blocks[0].price", "as strings"),
    ("rate/blocks/0/price", "48.83001", "rate.blocks[0].price", "4 decimal places"),
    ("rate/blocks/0/price", "-1", "rate.blocks[0].price", "more than zero"),
    ("rate/blocks/0/price", "abc", "rate.blocks[0].price", "not a number"),
    ("rate/blocks/0/price", "NaN", "rate.blocks[0].price", "decimal number"),
    ("rate/blocks/1/up_to", 100000, "rate.blocks[1].up_to", "previous block's end (200000)"),
    ("rate/blocks/2/up_to", 900000, "rate.blocks[2].up_to", "no end"),
    ("rate/blocks/0/up_to", None, "rate.blocks[0].up_to", "only the last"),
    ("rate/blocks", [], "rate.blocks", "at least one"),
    ("fees/0/amount", 0, "fees[0].amount", "more than zero"),
    ("fees/0/basis", "weekly", "fees[0].basis", "per_topup, per_month"),
    ("debt_recovery/share_bp", 10001, "debt_recovery.share_bp", "at most 10000"),
    ("debt_recovery/cap_per_topup", -5, "debt_recovery.cap_per_topup", "more than zero"),
    ("rate", None, "rate", "needs a rate"),
]


@pytest.mark.parametrize(("path", "value", "field", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_data_is_refused_naming_the_field(
    path: str, value: Any, field: str, words: str
) -> None:
    with pytest.raises(TariffError) as caught:
        Tariff.from_dict(_set(path, value))
    assert caught.value.field == field
    assert str(caught.value).startswith(field + ":")
    assert words in str(caught.value)


BAD_TOU = [
    ("rate/periods/0/start", "8:00", "rate.periods[0].start", "HH:MM"),
    ("rate/periods/0/end", "24:00", "rate.periods[0].end", "HH:MM"),
    ("rate/periods/0/weekdays", ["monday"], "rate.periods[0].weekdays[0]", "mon, tue"),
    (
        "rate/periods/1/start",
        "21:00",
        "rate.periods[1]",
        "'valley' overlaps 'peak' on mon at 21:00",
    ),
    ("rate/periods/0/name", " ", "rate.periods[0].name", "empty"),
    ("rate/other_price", None, "rate.other_price", "price"),
]


@pytest.mark.parametrize(("path", "value", "field", "words"), BAD_TOU, ids=[b[0] for b in BAD_TOU])
def test_bad_time_of_use_is_refused_naming_the_field(
    path: str, value: Any, field: str, words: str
) -> None:
    with pytest.raises(TariffError) as caught:
        Tariff.from_dict(_set(path, value, tou_sample()))
    assert caught.value.field == field
    assert words in str(caught.value)


def test_not_an_object_at_all() -> None:
    with pytest.raises(TariffError, match="must be an object"):
        Tariff.from_dict(["not", "a", "tariff"])
    with pytest.raises(TariffError, match=r"fees\[0\]: must be an object"):
        Tariff.from_dict(_set("fees/0", 200))


def test_service_tariff_has_no_rate() -> None:
    data = sample()
    data["utility"] = "service"
    with pytest.raises(TariffError, match="rate: a service tariff has no rate"):
        Tariff.from_dict(data)
    data["rate"] = None
    assert Tariff.from_dict(data).rate is None


def test_models_built_in_code_are_checked_too() -> None:
    with pytest.raises(TariffError, match="price: must be more than zero"):
        FlatRate(Decimal(0))
    with pytest.raises(TariffError, match="whole minute"):
        TouPeriod("peak", dt.time(8, 0, 30), dt.time(9), Decimal(1))
    whole_day = TouPeriod("all", dt.time(0), dt.time(0), Decimal(1))
    assert len(whole_day.week_minutes()) == 7 * 24 * 60
