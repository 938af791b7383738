"""DL/T 645-2007, the Chinese meter protocol, in layers: frame (the link layer codec) ->
commands (read by data identifier, remote control, replies) -> transport (serial or TCP bytes)
-> driver (a NetworkedMeter, like the Modbus one); and a simulator serving over TCP or a serial
port."""
