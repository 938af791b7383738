"""The tenant's touchscreen session, without Qt: every decision the kiosk's screens show.

views     -- the frozen views the UI renders (Screen, View and one payload per screen, Message)
messages  -- every sentence, by stable key, for the UI to translate
account   -- the account screen of a tapped card
forecast  -- days of credit left from the meter states the card brought back
amounts   -- presets, keypad entry, limits and the preview of what an amount buys
receipt   -- the DONE screen: receipt lines, signed link, printing
tenant    -- TenantSession, the state machine the UI drives: its public methods and the steps
             without money in flight (tap, account, amount, timeouts)
paying    -- its money steps: the QR window, writing the credit, a card that leaves
base      -- the state and view-making helpers the two share
"""

from kiosk.session.tenant import TenantSession
from kiosk.session.views import Message, Screen, View

__all__ = ["Message", "Screen", "TenantSession", "View"]
