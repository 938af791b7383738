"""The local payment simulator (the embedded default provider for the demo and the tests).

:class:`PaymentSimulator` is the provider side, a real HTTP service on 127.0.0.1 (its API is in
:mod:`.server`); :class:`SimulatorProvider` is the kiosk side, a :class:`PaymentProvider` that
talks to it over HTTP. Run it alone with ``python -m kiosk.payments.simulator --help``.
"""

from kiosk.payments.simulator.client import SimulatorProvider
from kiosk.payments.simulator.server import PaymentSimulator

__all__ = ["PaymentSimulator", "SimulatorProvider"]
