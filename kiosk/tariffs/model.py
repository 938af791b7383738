"""What a tariff is: frozen, validated values (a rate, fees, debt recovery) under a code + version.

A tariff is data: staff create it in admin mode or the kiosk pulls it from the backend
(:mod:`kiosk.tariffs.schema` reads and writes the JSON form). A published (code, version) never
changes; a new price is a new version, and every order records the code and version it was quoted
with (and :meth:`Tariff.digest`, so two different tariffs under one code and version are caught).

Units (see :mod:`kiosk.tariffs.rounding`): money in integer minor units of ``currency``; energy in
Wh, water in litres; every price in minor units per 1000 base units (per kWh, per m³) as a
``Decimal`` with at most 4 places. Time of use and calendar months are in the tariff's ``timezone``.

A tariff has at most one *rate* (flat, tiered or time of use) -- exactly one for electricity and
water, none for a service wallet, where money is the credit -- plus any number of fixed fees and
at most one debt-recovery rule. The debt itself is the tenant's, not the tariff's: it is passed in.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.money import AmountError, exponent
from kiosk.tariffs.checks import TariffError, check_amount, check_price
from kiosk.tariffs.rounding import BASIS_POINTS
from kiosk.tariffs.tou import TimeOfUse, TouPeriod

# TariffError, TimeOfUse and TouPeriod are part of this module's vocabulary: re-exported
__all__ = [
    "Block",
    "DebtRecovery",
    "FeeBasis",
    "FlatRate",
    "Rate",
    "ServiceFee",
    "Tariff",
    "TariffError",
    "TieredRate",
    "TimeOfUse",
    "TouPeriod",
    "Utility",
]

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")


class Utility(enum.Enum):
    ELECTRICITY = "electricity"
    WATER = "water"
    SERVICE = "service"  # a wallet for services: money is the credit, there are no units

    @property
    def base_unit(self) -> str:
        return {"electricity": "Wh", "water": "L", "service": ""}[self.value]

    @property
    def display_unit(self) -> str:
        """The unit prices are quoted in and people read: 1000 base units."""
        return {"electricity": "kWh", "water": "m³", "service": ""}[self.value]


class FeeBasis(enum.Enum):
    PER_TOPUP = "per_topup"  # taken from every top-up before anything is bought
    PER_MONTH = "per_month"  # a standing charge on the account on the 1st of each local month


@dataclass(frozen=True)
class FlatRate:
    """One price for every unit, at any time."""

    price: Decimal  # minor units per kWh / m³

    def __post_init__(self) -> None:
        check_price(self.price)


@dataclass(frozen=True)
class Block:
    """A step of a tiered rate: units up to ``up_to`` (cumulative in the month; None = no end)."""

    up_to: int | None
    price: Decimal

    def __post_init__(self) -> None:
        if self.up_to is not None:
            check_amount(self.up_to, "up_to")
        check_price(self.price)


@dataclass(frozen=True)
class TieredRate:
    """Blocks per calendar month (local time): the first ``up_to`` units of the month at the
    first price, the next ones at the next, and so on; the last block has no end."""

    blocks: tuple[Block, ...]

    def __post_init__(self) -> None:
        if not self.blocks:
            raise TariffError("blocks", "needs at least one block")
        previous = 0
        for i, block in enumerate(self.blocks):
            last = i == len(self.blocks) - 1
            if block.up_to is None and not last:
                raise TariffError(f"blocks[{i}].up_to", "only the last block may have no end")
            if block.up_to is not None and last:
                raise TariffError(f"blocks[{i}].up_to", "the last block must have no end (null)")
            if block.up_to is not None and block.up_to <= previous:
                raise TariffError(
                    f"blocks[{i}].up_to",
                    f"must be more than the previous block's end ({previous}), got {block.up_to}",
                )
            previous = block.up_to or previous

    def block_starts(self) -> tuple[int, ...]:
        return (0,) + tuple(b.up_to for b in self.blocks[:-1] if b.up_to is not None)


@dataclass(frozen=True)
class ServiceFee:
    """A fixed charge: taken from each top-up, or a standing charge each month."""

    amount: int  # minor units
    basis: FeeBasis = FeeBasis.PER_TOPUP
    label: str = "Service fee"

    def __post_init__(self) -> None:
        check_amount(self.amount, "amount")
        if not self.label.strip():
            raise TariffError("label", "must not be empty (it is printed on receipts)")


@dataclass(frozen=True)
class DebtRecovery:
    """Recover a tenant's debt (or fixed charges owed) as a capped share of each top-up."""

    share_bp: int  # basis points of the amount paid: 2500 = 25 %
    cap_per_topup: int | None = None  # minor units; None = no cap beyond the share

    def __post_init__(self) -> None:
        check_amount(self.share_bp, "share_bp")
        if self.share_bp > BASIS_POINTS:
            raise TariffError(
                "share_bp", f"must be at most {BASIS_POINTS} (100 %), got {self.share_bp}"
            )
        if self.cap_per_topup is not None:
            check_amount(self.cap_per_topup, "cap_per_topup")


Rate = FlatRate | TieredRate | TimeOfUse


@dataclass(frozen=True)
class Tariff:
    code: str  # stable name, e.g. "ELEC-STD"; with version, what orders record
    version: int  # 1, 2, …: a new price is a new version, never an edit
    name: str  # shown to people; any language
    utility: Utility
    currency: int  # ISO 4217 numeric
    timezone: str  # IANA name: where months begin and time-of-use periods are
    rate: Rate | None = None
    fees: tuple[ServiceFee, ...] = ()
    debt_recovery: DebtRecovery | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not CODE_PATTERN.fullmatch(self.code):
            raise TariffError(
                "code", f"must be 1-32 letters, digits, '-', '_' or '.', got {self.code!r}"
            )
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise TariffError("version", f"must be a whole number from 1, got {self.version!r}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise TariffError("name", "must not be empty")
        try:
            exponent(self.currency)
        except AmountError as exc:
            raise TariffError("currency", str(exc)) from None
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise TariffError(
                "timezone", f"is not a known IANA time zone: {self.timezone!r}"
            ) from None
        if self.utility is Utility.SERVICE and self.rate is not None:
            raise TariffError("rate", "a service tariff has no rate: its credit is money")
        if self.utility is not Utility.SERVICE and self.rate is None:
            raise TariffError("rate", f"a {self.utility.value} tariff needs a rate")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def topup_fee(self) -> int:
        """Minor units taken from every top-up by the per-top-up fees."""
        return sum(f.amount for f in self.fees if f.basis is FeeBasis.PER_TOPUP)

    @property
    def monthly_fee(self) -> int:
        return sum(f.amount for f in self.fees if f.basis is FeeBasis.PER_MONTH)

    @property
    def ref(self) -> str:
        """What an order or a receipt shows: ``ELEC-STD v3``."""
        return f"{self.code} v{self.version}"

    def to_dict(self) -> dict[str, Any]:
        # imported here: the schema module builds these classes, so it imports this one
        from kiosk.tariffs.schema import tariff_to_dict

        return tariff_to_dict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Tariff:
        from kiosk.tariffs.schema import tariff_from_dict

        return tariff_from_dict(data)

    def digest(self) -> str:
        """SHA-256 (hex, first 16) of the canonical JSON form: what the tariff *says*. Equal
        tariffs have equal digests (prices are written normalised: "86.00" as "86")."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]
