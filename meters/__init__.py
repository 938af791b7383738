"""Meters: card-based prepaid meters (the purse carries credit in and state out), networked Modbus
meters, and the low-credit policy both follow. Uses cardlib only; knows nothing of the kiosk."""
