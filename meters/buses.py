"""Every networked meter by its address: Modbus (tcp://, rtu://) and DL/T 645-2007 (dlt645://,
dlt645+tcp://) on the buses they share, so the control loop names a meter and gets a driver."""

from __future__ import annotations

from urllib.parse import urlsplit

from meters.base import NetworkedMeter
from meters.dlt645.driver import Dlt645Buses
from meters.modbus.driver import ModbusBuses
from meters.modbus.profile import Profile

#: the profile name a DL/T 645 meter is configured with (its data identifiers are the standard's)
DLT645_PROFILE = "dlt645"
DLT645_SCHEMES = ("dlt645", "dlt645+tcp")


class MeterBuses(ModbusBuses):
    """Modbus buses, and DL/T 645 buses for the addresses that name that protocol."""

    def __init__(self, *, timeout: float = 1.0, retries: int = 1) -> None:
        super().__init__(timeout=timeout, retries=retries)
        self.dlt645 = Dlt645Buses()

    def meter(self, address: str, profile: Profile | str) -> NetworkedMeter:  # type: ignore[override]
        if urlsplit(address).scheme in DLT645_SCHEMES:
            return self.dlt645.meter(address)
        return super().meter(address, profile)

    def close(self) -> None:
        super().close()
        self.dlt645.close()
