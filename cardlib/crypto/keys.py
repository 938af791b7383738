"""Master keys by key version, and the keys derived from them for one card or one meter.

Derivations are exactly those of docs/card-format.md §2: every derived key is
``AN10922(master, label ‖ ... )`` with an ASCII label that separates the uses, so no two uses can
ever share a key. Key bytes never appear in a ``repr`` (they would end up in logs and tracebacks).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from cardlib.crypto.an10922 import KEY_SIZE, MAX_DIV_INPUT, diversify_aes128
from cardlib.errors import FormatError

LABEL_MAC = b"MAC"
LABEL_CLASSIC_KEY_A = b"KA"
LABEL_CLASSIC_KEY_B = b"KB"
LABEL_NTAG_PWD = b"PW"
LABEL_SLE_PSC = b"PSC"
LABEL_METER = b"MTR"

ID_SIZE = 4  # site id and meter id are uint32, big-endian, as in the header
#: The longest UID that still fits the 31 bytes of AN10922 input with the longest label.
MAX_UID_LENGTH = MAX_DIV_INPUT - max(len(LABEL_MAC), len(LABEL_SLE_PSC)) - ID_SIZE

CLASSIC_KEY_SIZE = 6
NTAG_PWD_SIZE = 4
NTAG_PACK_SIZE = 2
SLE_PSC_SIZE = 3
MAX_KEY_VERSION = 0xFF  # one byte in the header

# names of the two keys in one key version's configuration entry
CONFIG_SITE_MASTER = "site"
CONFIG_METER_MASTER = "meter"


class KeyConfigError(ValueError):
    """The key configuration is missing, malformed or incomplete (a start-up error)."""


@dataclass(frozen=True, repr=False)
class MasterKeys:
    """The two AES-128 master keys of one key version: K_site and K_meter_master."""

    site_master: bytes
    meter_master: bytes
    key_version: int

    def __post_init__(self) -> None:
        if not 0 <= self.key_version <= MAX_KEY_VERSION:
            raise KeyConfigError(
                f"key version must be 0..{MAX_KEY_VERSION}, got {self.key_version}"
            )
        for name in ("site_master", "meter_master"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != KEY_SIZE:
                raise KeyConfigError(
                    f"{name} of key version {self.key_version} must be {KEY_SIZE} bytes"
                )

    def __repr__(self) -> str:
        return f"MasterKeys(key_version={self.key_version}, keys=<hidden>)"

    def card_keys(self, uid: bytes, site_id: int) -> CardKeys:
        """Every key of the card with this UID on this site (spec §2)."""
        return CardKeys.derive(self, uid, site_id)

    def meter_key(self, meter_id: int, site_id: int) -> bytes:
        """K_meter = AN10922(K_meter_master, "MTR" ‖ meter id ‖ site id), the meter record key.

        Arguments in the order of the derivation input. It does not depend on the card: the meter
        record MAC binds the record to the card through the UID in its input.
        """
        return diversify_aes128(
            self.meter_master, LABEL_METER + _id_bytes(meter_id) + _id_bytes(site_id)
        )


@dataclass(frozen=True, repr=False)
class CardKeys:
    """Everything derived for one card (spec §2). Build with :meth:`derive`."""

    mac_key: bytes
    classic_key_a: bytes
    classic_key_b: bytes
    ntag_pwd: bytes
    ntag_pack: bytes
    sle_psc: bytes
    key_version: int

    def __repr__(self) -> str:
        return f"CardKeys(key_version={self.key_version}, keys=<hidden>)"

    @classmethod
    def derive(cls, masters: MasterKeys, uid: bytes, site_id: int) -> CardKeys:
        if not 1 <= len(uid) <= MAX_UID_LENGTH:
            raise FormatError(
                f"The card's UID is {len(uid)} bytes; at most {MAX_UID_LENGTH} are supported."
            )
        suffix = uid + _id_bytes(site_id)

        def div(label: bytes) -> bytes:
            return diversify_aes128(masters.site_master, label + suffix)

        pw = div(LABEL_NTAG_PWD)
        return cls(
            mac_key=div(LABEL_MAC),
            classic_key_a=div(LABEL_CLASSIC_KEY_A)[:CLASSIC_KEY_SIZE],
            classic_key_b=div(LABEL_CLASSIC_KEY_B)[:CLASSIC_KEY_SIZE],
            ntag_pwd=pw[:NTAG_PWD_SIZE],
            ntag_pack=pw[NTAG_PWD_SIZE : NTAG_PWD_SIZE + NTAG_PACK_SIZE],
            sle_psc=div(LABEL_SLE_PSC)[:SLE_PSC_SIZE],
            key_version=masters.key_version,
        )


class KeyRing:
    """The master keys this kiosk or meter holds, by key version (for key rotation).

    Cards name their key version in the header; :meth:`get` finds the matching keys and
    :attr:`current` (the highest version) is what new cards are issued with.
    """

    def __init__(self, keys: Mapping[int, MasterKeys] | list[MasterKeys]) -> None:
        items = list(keys.values()) if isinstance(keys, Mapping) else list(keys)
        if not items:
            raise KeyConfigError("no master keys configured")
        self._keys: dict[int, MasterKeys] = {}
        for mk in items:
            if mk.key_version in self._keys:
                raise KeyConfigError(f"key version {mk.key_version} configured twice")
            self._keys[mk.key_version] = mk

    @classmethod
    def from_mapping(cls, config: Mapping[int | str, Mapping[str, str]]) -> KeyRing:
        """Build from ``{key_version: {"site": hex, "meter": hex}}`` (the ``[keys.N]`` tables).

        Hex may contain spaces or colons. Any missing, non-hex or wrong-length key is a
        :class:`KeyConfigError` naming the entry (never a silent default).
        """
        keys: list[MasterKeys] = []
        for version_key, entry in config.items():
            try:
                version = int(version_key)
            except (TypeError, ValueError):
                raise KeyConfigError(f"key version {version_key!r} is not a number") from None
            keys.append(
                MasterKeys(
                    site_master=_parse_hex_key(entry, CONFIG_SITE_MASTER, version),
                    meter_master=_parse_hex_key(entry, CONFIG_METER_MASTER, version),
                    key_version=version,
                )
            )
        return cls(keys)

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(sorted(self._keys))

    @property
    def latest_version(self) -> int:
        """The highest key version: what new cards are issued with."""
        return max(self._keys)

    @property
    def current(self) -> MasterKeys:
        return self._keys[self.latest_version]

    def __contains__(self, key_version: object) -> bool:
        return key_version in self._keys

    def get(self, key_version: int) -> MasterKeys:
        """The keys of ``key_version``; a card of an unknown version is a :class:`FormatError`."""
        try:
            return self._keys[key_version]
        except KeyError:
            raise FormatError(
                f"This card uses key version {key_version}, which this kiosk does not have."
            ) from None

    def card_keys(self, key_version: int, uid: bytes, site_id: int) -> CardKeys:
        return self.get(key_version).card_keys(uid, site_id)

    def meter_key(self, key_version: int, meter_id: int, site_id: int) -> bytes:
        return self.get(key_version).meter_key(meter_id, site_id)

    def __repr__(self) -> str:
        return f"KeyRing(versions={self.versions})"


def generate_demo_keys(key_version: int = 1) -> MasterKeys:
    """Fresh random throw-away master keys for the demo (never for a real site)."""
    return MasterKeys(
        site_master=secrets.token_bytes(KEY_SIZE),
        meter_master=secrets.token_bytes(KEY_SIZE),
        key_version=key_version,
    )


def _parse_hex_key(entry: Mapping[str, str], name: str, version: int) -> bytes:
    if not entry.get(name):
        raise KeyConfigError(f"key version {version}: the {name} master key is missing")
    text = str(entry[name]).replace(" ", "").replace(":", "")
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise KeyConfigError(f"key version {version}: the {name} master key is not hex") from None
    if len(value) != KEY_SIZE:
        raise KeyConfigError(
            f"key version {version}: the {name} master key must be {KEY_SIZE} bytes "
            f"({2 * KEY_SIZE} hex digits), got {len(value)}"
        )
    return value


def _id_bytes(value: int) -> bytes:
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"site and meter ids are uint32, got {value}")
    return value.to_bytes(ID_SIZE, "big")
