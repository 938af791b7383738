"""What an emulated card is to the transports that carry it (in-process reader, vpcd link).

An :class:`EmulatedCard` stands in for reader and card together, like vicc does: it answers the
PC/SC part 3 pseudo-APDUs an ACS reader would take (class FF) and applies them to a card model
with the real card's rules. Transports only call :meth:`power_on`, :meth:`process` and
:meth:`power_off`, and treat :class:`~cardlib.emulator.tear.Torn` as the card leaving the field.
"""

from __future__ import annotations

import abc

from cardlib.emulator.tear import TearPlan, Torn


class EmulatedCard(abc.ABC):
    """A card in front of an emulated ACS reader."""

    def __init__(self) -> None:
        self.tear: TearPlan | None = None
        #: commands processed since the tear plan was set (what TearPlan.after_commands counts)
        self.commands_since_plan = 0
        #: False once the card has been torn away; a transport re-inserts it with :meth:`reinsert`
        self.in_field = True

    @property
    @abc.abstractmethod
    def atr(self) -> bytes:
        """The ATR the reader reports for this card."""

    def power_on(self) -> None:
        """The card enters the field or is reset: volatile state (authentication, PSC) is lost."""
        self._reset_volatile()

    def power_off(self) -> None:
        self._reset_volatile()

    @abc.abstractmethod
    def _reset_volatile(self) -> None: ...

    def arm_tear(self, plan: TearPlan) -> None:
        self.tear = plan
        self.commands_since_plan = 0

    def reinsert(self) -> None:
        """Put a torn card back: no tear plan, fresh power-up."""
        self.tear = None
        self.in_field = True
        self.power_on()

    def process(self, apdu: bytes) -> bytes:
        """Answer one C-APDU with its R-APDU (data + SW), or raise :class:`Torn`."""
        if not self.in_field:
            raise Torn("the card is not in the field")
        if self.tear is not None and self.tear.cuts_before(self.commands_since_plan):
            self.leave_field()
        self.commands_since_plan += 1
        return self._process(apdu)

    @abc.abstractmethod
    def _process(self, apdu: bytes) -> bytes: ...

    def dump(self) -> bytes:
        """The card's memory, as a cloner with every key would copy it."""
        raise NotImplementedError(f"{type(self).__name__} has no memory to dump")

    def restore(self, dump: bytes) -> None:
        """Write a :meth:`dump` back (the replay attack: an old copy restored onto the card)."""
        raise NotImplementedError(f"{type(self).__name__} has no memory to restore")

    def flip_bit(self, offset: int, bit: int) -> None:
        """Invert one bit of :meth:`dump`'s byte ``offset``, as a tamperer would."""
        raise NotImplementedError(f"{type(self).__name__} has no memory")

    def leave_field(self) -> None:
        """Called by card models when a tear fires: the card is gone, nothing more is answered."""
        self.in_field = False
        self._reset_volatile()
        raise Torn("card removed")
