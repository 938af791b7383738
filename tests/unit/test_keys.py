"""Master keys, key rings and the per-card derivations of docs/card-format.md §2."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardlib.crypto.an10922 import diversify_aes128
from cardlib.crypto.keys import (
    MAX_UID_LENGTH,
    CardKeys,
    KeyConfigError,
    KeyRing,
    MasterKeys,
    generate_demo_keys,
)
from cardlib.errors import FormatError

SITE = bytes(range(16))
METER = bytes(range(16, 32))
MASTERS = MasterKeys(site_master=SITE, meter_master=METER, key_version=1)
UID = bytes.fromhex("04A2245A6B1C80")
SITE_ID = 0x1234


def test_derivations_follow_the_spec_table() -> None:
    keys = MASTERS.card_keys(UID, SITE_ID)
    site = SITE_ID.to_bytes(4, "big")
    assert keys.mac_key == diversify_aes128(SITE, b"MAC" + UID + site)
    assert keys.classic_key_a == diversify_aes128(SITE, b"KA" + UID + site)[:6]
    assert keys.classic_key_b == diversify_aes128(SITE, b"KB" + UID + site)[:6]
    pw = diversify_aes128(SITE, b"PW" + UID + site)
    assert (keys.ntag_pwd, keys.ntag_pack) == (pw[:4], pw[4:6])
    assert keys.sle_psc == diversify_aes128(SITE, b"PSC" + UID + site)[:3]
    assert keys.key_version == 1
    meter_key = MASTERS.meter_key(77, SITE_ID)
    assert meter_key == diversify_aes128(METER, b"MTR" + (77).to_bytes(4, "big") + site)


def test_key_sizes() -> None:
    keys = CardKeys.derive(MASTERS, UID, SITE_ID)
    sizes = [len(keys.mac_key), len(keys.classic_key_a), len(keys.classic_key_b)]
    sizes += [len(keys.ntag_pwd), len(keys.ntag_pack), len(keys.sle_psc)]
    assert sizes == [16, 6, 6, 4, 2, 3]


@given(st.binary(min_size=4, max_size=10), st.binary(min_size=4, max_size=10))
def test_one_cards_keys_open_no_other_card(uid1: bytes, uid2: bytes) -> None:
    if uid1 == uid2:
        return
    k1, k2 = MASTERS.card_keys(uid1, SITE_ID), MASTERS.card_keys(uid2, SITE_ID)
    assert k1.mac_key != k2.mac_key
    assert k1.classic_key_b != k2.classic_key_b


def test_other_site_other_keys() -> None:
    assert MASTERS.card_keys(UID, 1).mac_key != MASTERS.card_keys(UID, 2).mac_key


def test_uid_length_limit() -> None:
    MASTERS.card_keys(bytes(MAX_UID_LENGTH), SITE_ID)
    with pytest.raises(FormatError):
        MASTERS.card_keys(bytes(MAX_UID_LENGTH + 1), SITE_ID)
    with pytest.raises(FormatError):
        MASTERS.card_keys(b"", SITE_ID)


def test_repr_hides_key_bytes() -> None:
    keys = MASTERS.card_keys(UID, SITE_ID)
    for obj, secret in ((MASTERS, SITE), (MASTERS, METER), (keys, keys.mac_key)):
        text = repr(obj) + str(obj)
        assert secret.hex() not in text.lower()
        assert repr(secret) not in text
    assert "hidden" in repr(keys)


def test_master_keys_validate() -> None:
    with pytest.raises(KeyConfigError):
        MasterKeys(site_master=bytes(15), meter_master=METER, key_version=1)
    with pytest.raises(KeyConfigError):
        MasterKeys(site_master=SITE, meter_master=METER, key_version=256)


def test_keyring_from_config() -> None:
    ring = KeyRing.from_mapping(
        {
            "1": {"site": SITE.hex(), "meter": METER.hex()},
            2: {"site": "AA " * 16, "meter": ":".join(["bb"] * 16)},
        }
    )
    assert ring.versions == (1, 2)
    assert ring.current.key_version == 2
    assert ring.get(1).site_master == SITE
    assert ring.get(2).meter_master == b"\xbb" * 16
    assert ring.card_keys(1, UID, SITE_ID) == MASTERS.card_keys(UID, SITE_ID)
    assert ring.meter_key(1, 5, SITE_ID) == MASTERS.meter_key(5, SITE_ID)
    assert 1 in ring and 3 not in ring
    assert ring.latest_version == 2
    with pytest.raises(FormatError, match="key version 3"):
        ring.get(3)
    assert SITE.hex() not in repr(ring)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"site": "00" * 15, "meter": "11" * 16}, "site master key must be 16 bytes"),
        ({"site": "zz" * 16, "meter": "11" * 16}, "site master key is not hex"),
        ({"site": "00" * 16}, "meter master key is missing"),
        ({"site": "00" * 16, "meter": ""}, "meter master key is missing"),
    ],
)
def test_keyring_config_errors(entry: dict[str, str], message: str) -> None:
    with pytest.raises(KeyConfigError, match=message):
        KeyRing.from_mapping({1: entry})


def test_keyring_needs_keys_and_numeric_versions() -> None:
    with pytest.raises(KeyConfigError):
        KeyRing.from_mapping({})
    with pytest.raises(KeyConfigError):
        KeyRing.from_mapping({"one": {"site": "00" * 16, "meter": "00" * 16}})
    with pytest.raises(KeyConfigError):
        KeyRing([MASTERS, MASTERS])


def test_demo_keys_are_random() -> None:
    a, b = generate_demo_keys(), generate_demo_keys(key_version=2)
    assert a.site_master != b.site_master and a.site_master != a.meter_master
    assert (a.key_version, b.key_version) == (1, 2)
