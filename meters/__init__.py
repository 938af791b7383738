"""Meters: card-based prepaid meters (the purse carries credit in and state out), networked Modbus
and DL/T 645 meters, and the low-credit policy they follow. Uses cardlib only; knows nothing of the
kiosk."""
