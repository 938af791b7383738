"""Tear injection: taking an emulated card out of the field at a chosen moment.

Two ways a card leaves a real reader in the middle of a job, both needed to prove anti-tear:

- between commands: "remove the card after N commands" -- the N+1th command never reaches it;
- inside a write: "remove it half-way through writing block B" -- the first ``bytes_written`` bytes
  of the write to B land in EEPROM, the rest keep their old value, and no answer comes back.
"""

from __future__ import annotations

from dataclasses import dataclass


class Torn(Exception):
    """Raised inside the emulator when the card leaves the field; the transport turns it into a
    removal (the in-process reader raises CardRemovedError, the vpcd link closes its socket)."""


@dataclass
class TearPlan:
    #: the card leaves once this many commands have been processed (the next is never executed)
    after_commands: int | None = None
    #: a block (Classic), page (Ultralight) or byte address (SLE4442) whose write is cut short
    during_write_to: int | None = None
    #: how many bytes of that write land before the cut
    bytes_written: int = 0

    def cuts_before(self, commands_done: int) -> bool:
        return self.after_commands is not None and commands_done >= self.after_commands

    def cuts_write(self, address: int) -> bool:
        return self.during_write_to is not None and address == self.during_write_to
