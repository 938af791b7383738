"""The control loop for networked meters (DESIGN.md §7): poll, charge, decide, switch, notify.

For each networked meter in the database, one :meth:`ControlLoop.poll_once` does:

1. read the meter; a meter that does not answer is retried with exponential backoff and jitter
   (per meter), reported by a METER_UNREACHABLE notice after ``report_after`` failures, and shows
   up in the outcome of every poll -- never skipped silently;
2. charge the energy used since the last reading at the tariff in force to the tenant's WALLET
   (WALLET -> REVENUE, kind CONSUMPTION), cumulatively exact so small readings never round to zero;
3. decide with :func:`meters.policy.decide` on the wallet balance (keep-power from the tenant);
4. switch the relay only when it differs from the decision: the command is written with its reason
   before it is sent and updated with the meter's confirmation (``relay_commands``, audit log);
5. notify each change of alarm level once, and every disconnection and reconnection.

The database work of one meter is its own transaction; meter I/O happens outside transactions.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.db import Database
from kiosk.db.base import utcnow
from kiosk.db.models import (
    AccountKind,
    AuditEntry,
    EntryKind,
    Meter,
    MeterKind,
    MeterReadingRow,
    RelayCommand,
    Site,
    Tenant,
)
from kiosk.ledger import Ledger
from kiosk.metering.backoff import Backoff
from kiosk.money import format_amount
from kiosk.tariff_store import in_force
from kiosk.tariffs.cost import consumption_cost
from kiosk.tariffs.rounding import charge_increment
from meters.base import NetworkedMeter, Reading, RelayState
from meters.errors import MeterError
from meters.notify import Notice, NoticeKind, Notifier, NotifyError
from meters.policy import Alarm, Decision, Policy, decide

log = logging.getLogger(__name__)

ACTOR = "system:control-loop"

#: the notice for a new, worse alarm level (CUT only when the supply stays on: the relay's own
#: DISCONNECTED notice covers a cut)
ALARM_NOTICES = {
    Alarm.LOW: NoticeKind.LOW_CREDIT,
    Alarm.VERY_LOW: NoticeKind.VERY_LOW_CREDIT,
    Alarm.EMERGENCY: NoticeKind.EMERGENCY_CREDIT,
    Alarm.CUT: NoticeKind.CREDIT_EXHAUSTED,
}


class Outcome(enum.Enum):
    CHARGED = "charged"  # read, charged (possibly 0), decided
    BASELINE = "baseline"  # first reading (or a register reset): stored, nothing charged
    UNASSIGNED = "unassigned"  # no tenant: read, nothing charged or switched
    FAILED = "failed"  # the meter did not answer; the next attempt is scheduled
    WAITING = "waiting"  # still in backoff after failures: not read this time
    NO_DRIVER = "no_driver"  # in the database, but no driver configured for it
    NO_TARIFF = "no_tariff"  # no tariff in force: consumption kept to be charged later
    ERROR = "error"  # an unexpected error (a bug): logged with its traceback


@dataclass(frozen=True)
class MeterOutcome:
    meter_id: int
    outcome: Outcome
    message: str = ""
    credit: int | None = None
    charged: int = 0  # minor units posted this poll
    decision: Decision | None = None
    relay_command: bool | None = None  # the relay state commanded this poll (True: closed)
    relay_confirmed: bool | None = None
    next_attempt: dt.datetime | None = None


@dataclass
class _Health:
    failures: int = 0
    next_attempt: dt.datetime | None = None
    reported: bool = False


class ControlLoop:
    def __init__(
        self,
        db: Database,
        meters: Mapping[int, NetworkedMeter],
        policy_for: Callable[[Meter, Tenant], Policy],
        notifier: Notifier,
        clock: Callable[[], dt.datetime] = utcnow,
        *,
        backoff: Backoff | None = None,
        report_after: int = 3,
    ) -> None:
        self.db = db
        self.meters = meters
        self.policy_for = policy_for
        self.notifier = notifier
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.report_after = report_after
        self._health: dict[int, _Health] = {}

    # -- the loop ------------------------------------------------------------------------------

    def run(self, stop: threading.Event, interval: dt.timedelta) -> None:
        """Poll every ``interval`` until ``stop`` is set (for a worker thread)."""
        while not stop.is_set():
            self.poll_once()
            stop.wait(interval.total_seconds())

    def poll_once(self) -> list[MeterOutcome]:
        """One pass over every networked meter in the database; one outcome per meter."""
        with self.db.session() as s:
            meters = list(
                s.scalars(select(Meter).where(Meter.kind == MeterKind.MODBUS).order_by(Meter.id))
            )
        outcomes = []
        for meter in meters:
            try:
                outcome = self._poll(meter)
            except Exception as exc:  # a bug must not stop the other meters; it is reported
                log.exception("meter %s: control loop error", meter.id)
                outcome = MeterOutcome(meter.id, Outcome.ERROR, f"{type(exc).__name__}: {exc}")
            outcomes.append(outcome)
        return outcomes

    def health(self, meter_id: int) -> tuple[int, dt.datetime | None]:
        """Consecutive failures of a meter and when it is tried next."""
        h = self._health.get(meter_id, _Health())
        return h.failures, h.next_attempt

    # -- one meter -----------------------------------------------------------------------------

    def _poll(self, meter: Meter) -> MeterOutcome:
        driver = self.meters.get(meter.id)
        if driver is None:
            message = f"meter {meter.id} is networked but no driver is configured for it"
            log.error(message)
            return MeterOutcome(meter.id, Outcome.NO_DRIVER, message)
        now = self.clock()
        health = self._health.setdefault(meter.id, _Health())
        if health.next_attempt is not None and now < health.next_attempt:
            return MeterOutcome(
                meter.id,
                Outcome.WAITING,
                f"not answering ({health.failures} failures): next try at "
                f"{health.next_attempt.isoformat()}",
                next_attempt=health.next_attempt,
            )
        try:
            reading = driver.read()
        except MeterError as exc:
            return self._failed(meter, driver, health, exc, now)
        self._answered(meter, driver, health, now)
        return self._control(meter, driver, reading, now)

    def _failed(
        self,
        meter: Meter,
        driver: NetworkedMeter,
        health: _Health,
        exc: MeterError,
        now: dt.datetime,
    ) -> MeterOutcome:
        health.failures += 1
        health.next_attempt = now + self.backoff.delay(health.failures)
        message = (
            f"meter {meter.id} ({driver.address}) did not answer ({exc.code}: {exc.message}); "
            f"failure {health.failures}, next try at {health.next_attempt.isoformat()}"
        )
        log.warning(message)
        if health.failures >= self.report_after and not health.reported:
            health.reported = True
            with self.db.session() as s:
                s.add(
                    AuditEntry(
                        at=now,
                        actor=ACTOR,
                        action="meter_unreachable",
                        subject=f"meter {meter.id}",
                        detail={"failures": health.failures, "error": exc.message},
                    )
                )
            self._notify(
                NoticeKind.METER_UNREACHABLE,
                meter,
                driver,
                now,
                f"Meter {meter.id} has not answered {health.failures} times in a row "
                f"({exc.message}). Check its cable, address and power.",
                {"failures": health.failures, "error": exc.code},
            )
        return MeterOutcome(meter.id, Outcome.FAILED, message, next_attempt=health.next_attempt)

    def _answered(
        self, meter: Meter, driver: NetworkedMeter, health: _Health, now: dt.datetime
    ) -> None:
        if health.failures and health.reported:
            self._notify(
                NoticeKind.METER_BACK,
                meter,
                driver,
                now,
                f"Meter {meter.id} answers again after {health.failures} failed attempts.",
                {"failures": health.failures},
            )
        if health.failures:
            log.info("meter %s answers again after %d failures", meter.id, health.failures)
        self._health[meter.id] = _Health()

    def _control(
        self, meter: Meter, driver: NetworkedMeter, reading: Reading, now: dt.datetime
    ) -> MeterOutcome:
        with self.db.session() as s:
            outcome, message, charged = self._charge(s, meter, reading, now)
            if outcome is Outcome.NO_TARIFF or meter.tenant_id is None:
                return MeterOutcome(meter.id, outcome, message, charged=charged)
            tenant = s.get(Tenant, meter.tenant_id)
            site = s.get(Site, meter.site_id)
            assert tenant is not None and site is not None  # foreign keys
            ledger = Ledger(s)
            credit = ledger.balance(ledger.account(AccountKind.WALLET, site.currency, tenant.id))
            policy = self.policy_for(meter, tenant)
            if tenant.keep_power and not policy.keep_power:
                policy = replace(policy, keep_power=True)
            state = s.get(MeterReadingRow, meter.id)
            assert state is not None
            decision = decide(policy, credit, now, state.cut)
            previous = Alarm(state.alarm)
            state.alarm = int(decision.alarm)
            command = None
            if reading.relay is not RelayState.NONE and decision.relay_closed != (
                reading.relay is RelayState.CLOSED
            ):
                command = RelayCommand(
                    meter_id=meter.id, closed=decision.relay_closed, reason=decision.reason, at=now
                )
                s.add(command)
                s.flush()
            currency = site.currency
        details = {"credit": format_amount(credit, currency), "alarm": decision.alarm.name}
        if decision.alarm > previous and not (
            decision.alarm is Alarm.CUT and command is not None and not command.closed
        ):
            self._notify(
                ALARM_NOTICES[decision.alarm],
                meter,
                driver,
                now,
                _alarm_message(decision, credit, currency),
                details,
            )
        confirmed = None
        if command is not None:
            confirmed = self._switch(meter, driver, command, decision, credit, currency, now)
        return MeterOutcome(
            meter.id,
            outcome,
            message or decision.reason,
            credit=credit,
            charged=charged,
            decision=decision,
            relay_command=None if command is None else command.closed,
            relay_confirmed=confirmed,
        )

    def _charge(
        self, s: Session, meter: Meter, reading: Reading, now: dt.datetime
    ) -> tuple[Outcome, str, int]:
        """Charge the consumption since the last reading; move the reading on."""
        state = s.get(MeterReadingRow, meter.id)
        if state is None:
            s.add(MeterReadingRow(meter_id=meter.id, energy_wh=reading.energy_wh, at=now))
            s.flush()
            return Outcome.BASELINE, f"first reading {reading.energy_wh} Wh stored", 0
        if reading.energy_wh < state.energy_wh:
            message = (
                f"meter {meter.id}: register went back from {state.energy_wh} to "
                f"{reading.energy_wh} Wh (replaced or reset?): new baseline, nothing charged"
            )
            log.warning(message)
            s.add(
                AuditEntry(
                    at=now,
                    actor=ACTOR,
                    action="meter_register_reset",
                    subject=f"meter {meter.id}",
                    detail={"before": state.energy_wh, "after": reading.energy_wh},
                )
            )
            state.energy_wh, state.at = reading.energy_wh, now
            return Outcome.BASELINE, message, 0
        used = reading.energy_wh - state.energy_wh
        if meter.tenant_id is None:
            state.energy_wh, state.at = reading.energy_wh, now
            return Outcome.UNASSIGNED, f"no tenant: {used} Wh not charged", 0
        tariff = in_force(s, meter.tariff_code, now)
        if tariff is None:
            message = (
                f"meter {meter.id}: no tariff {meter.tariff_code!r} in force: {used} Wh kept "
                "to charge when one is"
            )
            log.error(message)
            return Outcome.NO_TARIFF, message, 0
        site = s.get(Site, meter.site_id)
        assert site is not None
        if tariff.currency != site.currency:
            raise ValueError(
                f"tariff {tariff.ref} is in currency {tariff.currency}, the site in {site.currency}"
            )
        cost = consumption_cost(tariff, used, state.at, now, used_this_month=state.month_used)
        exact = Fraction(state.cost_exact) + cost.exact
        amount = charge_increment(exact, state.charged)
        if amount > 0:
            ledger = Ledger(s)
            ledger.transfer(
                EntryKind.CONSUMPTION,
                ledger.account(AccountKind.WALLET, site.currency, meter.tenant_id),
                ledger.account(AccountKind.REVENUE, site.currency),
                amount,
                memo=(
                    f"meter {meter.id}: {used} Wh {state.at:%Y-%m-%d %H:%M}-{now:%H:%M} UTC, "
                    f"tariff {tariff.ref}"
                ),
            )
        state.cost_exact = str(exact)
        state.charged += amount
        state.month_used = cost.used_this_month_after
        state.energy_wh, state.at = reading.energy_wh, now
        return Outcome.CHARGED, "", amount

    def _switch(
        self,
        meter: Meter,
        driver: NetworkedMeter,
        command: RelayCommand,
        decision: Decision,
        credit: int,
        currency: int,
        now: dt.datetime,
    ) -> bool:
        """Send a relay command already logged; record the meter's answer; notify."""
        want = RelayState.CLOSED if command.closed else RelayState.OPEN
        error = ""
        try:
            got = driver.set_relay(command.closed)
            if got is not want:
                error = f"relay reads {got.value} after the command"
        except MeterError as exc:
            error = f"{exc.code}: {exc.message}"
        confirmed = not error
        with self.db.session() as s:
            row = s.get(RelayCommand, command.id)
            state = s.get(MeterReadingRow, meter.id)
            assert row is not None and state is not None
            row.confirmed, row.error = confirmed, error[:255]
            was_cut = state.cut
            if confirmed:
                state.cut = not command.closed
            s.add(
                AuditEntry(
                    at=now,
                    actor=ACTOR,
                    action="relay_close" if command.closed else "relay_open",
                    subject=f"meter {meter.id}",
                    detail={
                        "reason": command.reason,
                        "credit": credit,
                        "confirmed": confirmed,
                        "error": error,
                    },
                )
            )
        shown = format_amount(credit, currency)
        details = {"credit": shown, "reason": command.reason}
        if not confirmed:
            log.error("meter %s: relay command not confirmed: %s", meter.id, error)
            self._notify(
                NoticeKind.RELAY_FAILED,
                meter,
                driver,
                now,
                f"Meter {meter.id} did not confirm the command to "
                f"{'reconnect' if command.closed else 'disconnect'} ({error}); it is tried "
                "again on the next poll.",
                details,
            )
        elif not command.closed:
            self._notify(
                NoticeKind.DISCONNECTED,
                meter,
                driver,
                now,
                f"The supply was disconnected: credit {shown} ({decision.reason}). "
                "Top up to reconnect.",
                details,
            )
        elif was_cut:
            self._notify(
                NoticeKind.RECONNECTED,
                meter,
                driver,
                now,
                f"The supply was reconnected: credit {shown}.",
                details,
            )
        log.info(
            "meter %s: relay %s (%s), confirmed=%s",
            meter.id,
            "closed" if command.closed else "open",
            command.reason,
            confirmed,
        )
        return confirmed

    def _notify(
        self,
        kind: NoticeKind,
        meter: Meter,
        driver: NetworkedMeter,
        now: dt.datetime,
        message: str,
        detail: Mapping[str, object],
    ) -> None:
        notice = Notice(
            kind, meter.tenant_id, f"{meter.id} ({driver.address})", message, now, dict(detail)
        )
        try:
            self.notifier.notify(notice)
        except NotifyError as exc:
            log.warning("meter %s: %s notice not delivered: %s", meter.id, kind.value, exc.message)


def _alarm_message(decision: Decision, credit: int, currency: int) -> str:
    shown = format_amount(credit, currency)
    if decision.alarm is Alarm.LOW:
        return f"Credit is low: {shown}. Please top up."
    if decision.alarm is Alarm.VERY_LOW:
        return f"Credit is very low: {shown}. Top up soon to keep the supply."
    if decision.alarm is Alarm.EMERGENCY:
        return f"Credit is used up ({shown}): running on emergency credit. Top up now."
    return f"Credit is exhausted ({shown}); the supply is kept on ({decision.reason})."
