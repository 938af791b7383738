"""Tariffs in admin mode: published as data and versioned, shown in words, and every mistake in a
tariff said with the field it is in."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from kiosk.admin import InvalidInputError, NotAllowedError, NotFoundError, RefusedError
from tests.unit.test_admin_env import MANAGER, OPERATOR, admin_rig

EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "examples" / "tariff-elec-std.json").read_text()
)


def test_a_tariff_is_published_listed_and_shown_in_words(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        published = rig.admin.publish_tariff(session, json.dumps(EXAMPLE))
        assert (published.ref, published.in_force, published.created_by) == (
            "ELEC-STD v1",
            True,
            "staff:1",
        )
        assert rig.audit("tariff_published")[-1].subject == "ELEC-STD v1"
        newer = copy.deepcopy(EXAMPLE)
        newer["version"] = 2
        newer["rate"]["blocks"][0]["price"] = "55.00"
        later = rig.clock.now + dt.timedelta(days=7)
        rig.admin.publish_tariff(session, newer, valid_from=later)
        listed = rig.admin.tariffs(session)
        assert [(t.ref, t.in_force) for t in listed] == [
            ("ELEC-STD v1", True),  # v2 is not valid before next week
            ("ELEC-STD v2", False),
        ]
        shown = rig.admin.tariff(session, "ELEC-STD")
        assert shown.summary.version == 1
        assert shown.lines == (
            "ELEC-STD v1: Standard electricity",
            "electricity, CNY, time zone Asia/Shanghai",
            "From 0.0 to 200.0 kWh a month: 0.5283 CNY/kWh",
            "From 200.0 and above a month: 0.5783 CNY/kWh",
            "Service fee: 0.50 CNY per top-up",
            "Debt recovery: 20 % of each top-up, at most 20.00 CNY",
        )
        v2 = rig.admin.tariff(session, "ELEC-STD", 2)
        assert v2.definition["rate"]["blocks"][0]["price"] == "55"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.pop("currency"), "Tariff: currency: is missing"),
        (lambda t: t["rate"]["blocks"][1].update(price="-1"), "rate.blocks[1].price"),
        (lambda t: t.update(timezone="Mars/Olympus"), "timezone: is not a known IANA time zone"),
        (lambda t: t["fees"][0].update(amout=5), "fees[0].amout: is not a field"),
        (lambda t: t.update(code="no spaces"), "code: must be 1-32 letters"),
    ],
)
def test_a_bad_tariff_is_refused_with_the_field_named(tmp_path, change, message):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        bad = copy.deepcopy(EXAMPLE)
        change(bad)
        with pytest.raises(InvalidInputError, match=message.replace("[", r"\[")) as caught:
            rig.admin.publish_tariff(session, bad)
        assert caught.value.code == "bad_tariff"
        assert rig.admin.tariffs(session) == []


def test_text_that_is_not_json_is_refused_with_where(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        with pytest.raises(InvalidInputError, match=r"not JSON \(line 1, column 2"):
            rig.admin.publish_tariff(session, "{oops")


def test_a_published_version_is_never_changed(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        rig.admin.publish_tariff(session, EXAMPLE)
        assert rig.admin.publish_tariff(session, EXAMPLE).version == 1  # the same again: fine
        other = copy.deepcopy(EXAMPLE)
        other["name"] = "Cheaper"
        with pytest.raises(RefusedError, match="publish it as a new version"):
            rig.admin.publish_tariff(session, other)
        other["version"] = 3
        rig.admin.publish_tariff(session, other)
        other["version"] = 2
        with pytest.raises(RefusedError, match="older than the newest version, v3"):
            rig.admin.publish_tariff(session, other)
        with pytest.raises(NotFoundError, match="no version 7"):
            rig.admin.tariff(session, "ELEC-STD", 7)
        with pytest.raises(NotFoundError, match="no tariff 'GAS'"):
            rig.admin.tariff(session, "GAS")


def test_operators_neither_see_nor_publish_tariffs(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        with pytest.raises(NotAllowedError):
            rig.admin.publish_tariff(session, EXAMPLE)
        with pytest.raises(NotAllowedError):
            rig.admin.tariffs(session)
