"""Tariffs: what a unit of electricity or water costs, and what an amount paid buys.

model    -- the tariff as frozen, validated data (rates, fees, debt recovery), code + version
schema   -- its JSON form, read with every field checked
rounding -- the rounding rules, stated once
quote    -- the purchase preview ("100.00 CNY buys 116.3 kWh") and its inverse
cost     -- the cost of metered consumption over an interval, for the meter control loop
"""

from kiosk.tariffs.cost import Cost, CostLine, consumption_cost, standing_charge
from kiosk.tariffs.model import (
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
)
from kiosk.tariffs.quote import Quote, QuoteError, QuoteLine, quote, quote_for_units

__all__ = [
    "Block",
    "Cost",
    "CostLine",
    "DebtRecovery",
    "FeeBasis",
    "FlatRate",
    "Quote",
    "QuoteError",
    "QuoteLine",
    "ServiceFee",
    "Tariff",
    "TariffError",
    "TieredRate",
    "TimeOfUse",
    "TouPeriod",
    "Utility",
    "consumption_cost",
    "quote",
    "quote_for_units",
    "standing_charge",
]
