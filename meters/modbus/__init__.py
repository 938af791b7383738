"""Networked meters over Modbus (pymodbus 3.x): register profiles as data files, the driver, and a
simulator on pymodbus's server. Layers: profile (data) -> driver (client, errors) -> simulator."""
