"""The control loop for networked meters: read, charge the wallet, decide, switch, notify."""

from kiosk.metering.backoff import Backoff
from kiosk.metering.loop import ControlLoop, MeterOutcome, Outcome

__all__ = ["Backoff", "ControlLoop", "MeterOutcome", "Outcome"]
