"""A card's state as the lines a technician reads on the command line."""

from __future__ import annotations

from cardlib.purse.header import Role, Utility
from cardlib.purse.records import MeterFlags
from cardlib.service import CardState
from kiosk.money import format_amount


def describe(state: CardState) -> str:
    h = state.header
    cur = h.currency
    lines = [
        f"Card       {state.card_type.label}, UID {state.uid.hex(' ').upper()}",
        f"Role       {h.role.name.lower()} card, serial {h.card_serial}, "
        f"{'staff' if h.role is Role.STAFF else 'tenant'} {h.tenant_id}",
        f"Site       {h.site_id}, key version {h.key_version}, issued {h.issue_date.isoformat()}",
    ]
    k = state.kiosk
    if h.role is Role.WALLET:
        lines.append(f"Balance    {format_amount(k.value, cur)} (counter {k.counter})")
    elif h.role is Role.METER:
        lines.append(f"Meter      {h.meter_id} ({h.utility.name.lower()})")
        if k.purchase_seq:
            where = "NOT YET LOADED into the meter" if state.pending_purchase else "loaded"
            lines.append(
                f"Purchase   #{k.purchase_seq}: {format_amount(k.value, cur)}, {where} "
                f"(counter {k.counter})"
            )
        else:
            lines.append("Purchase   none yet")
        m = state.meter
        if m is not None:
            unit = "L" if h.utility is Utility.WATER else "Wh"
            lines.append(
                f"Meter said reading {m.reading} {unit}, credit {format_amount(m.credit, cur)}, "
                f"relay {'OFF' if m.flags & MeterFlags.RELAY_OPEN else 'on'}, "
                f"at {m.time.isoformat()}"
            )
        elif state.meter_problem:
            lines.append(f"Meter      state unreadable: {state.meter_problem}")
    return "\n".join(lines)
