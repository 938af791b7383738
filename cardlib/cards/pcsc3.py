"""PC/SC part 3 pseudo-APDUs for storage cards, as ACS readers implement them (class FF).

Sources: PC/SC part 3 v2.02 §3.2.2; ACS ACR122U API v2.04 §3-5; ACS ACR38x/ACR39x references for
the SLE4442 commands. Only the bytes live here; what a command means for a card is in its driver.
"""

from __future__ import annotations

from cardlib.apdu import command

CLA_PSEUDO = 0xFF  # PC/SC part 3: commands addressed to the reader, not the card

INS_GET_DATA = 0xCA  # GET DATA: P1 00 = UID, 01 = ATS
INS_LOAD_KEY = 0x82  # LOAD KEYS
INS_GENERAL_AUTHENTICATE = 0x86
INS_READ_BINARY = 0xB0
INS_UPDATE_BINARY = 0xD6
INS_VALUE_OPERATION = 0xD7  # ACS: value block store/increment/decrement, and restore (op 03)
INS_READ_VALUE = 0xB1  # ACS: read value block (also SLE4442 READ ERROR COUNTER)
INS_DIRECT_TRANSMIT = 0x00  # ACS: pass a frame to the PN532 (P1 P2 00 00)

GENERAL_AUTHENTICATE_VERSION = 0x01
KEY_TYPE_A = 0x60  # MIFARE AUTHENTICATION with Key A
KEY_TYPE_B = 0x61  # MIFARE AUTHENTICATION with Key B

VALUE_OP_STORE = 0x00
VALUE_OP_INCREMENT = 0x01
VALUE_OP_DECREMENT = 0x02
VALUE_OP_RESTORE = 0x03  # FF D7 00 <src> 02 03 <dst>: copy a value block within its sector

PN532_IN_COMMUNICATE_THRU = bytes((0xD4, 0x42))  # host -> PN532
PN532_IN_COMMUNICATE_THRU_RESPONSE = bytes((0xD5, 0x43))  # PN532 -> host, then a status byte
PN532_STATUS_OK = 0x00


def get_uid() -> bytes:
    return command(CLA_PSEUDO, INS_GET_DATA, 0x00, 0x00, le=0x00)


def load_key(slot: int, key: bytes) -> bytes:
    if len(key) != 6:
        raise ValueError("a MIFARE Classic key is 6 bytes")
    return command(CLA_PSEUDO, INS_LOAD_KEY, 0x00, slot, key)


def general_authenticate(block: int, key_type: int, slot: int) -> bytes:
    data = bytes((GENERAL_AUTHENTICATE_VERSION, 0x00, block & 0xFF, key_type, slot))
    return command(CLA_PSEUDO, INS_GENERAL_AUTHENTICATE, 0x00, 0x00, data)


def read_binary(block: int, length: int) -> bytes:
    return command(CLA_PSEUDO, INS_READ_BINARY, block >> 8, block & 0xFF, le=length)


def update_binary(block: int, data: bytes) -> bytes:
    return command(CLA_PSEUDO, INS_UPDATE_BINARY, block >> 8, block & 0xFF, data)


def value_operation(block: int, op: int, value: int) -> bytes:
    # The APDU carries the value most significant byte first; the card stores it LSB first.
    return command(
        CLA_PSEUDO,
        INS_VALUE_OPERATION,
        0x00,
        block,
        bytes((op,)) + value.to_bytes(4, "big", signed=True),
    )


def restore_value(source: int, target: int) -> bytes:
    return command(CLA_PSEUDO, INS_VALUE_OPERATION, 0x00, source, bytes((VALUE_OP_RESTORE, target)))


def read_value(block: int) -> bytes:
    return command(CLA_PSEUDO, INS_READ_VALUE, 0x00, block, le=0x04)


def direct_transmit(frame: bytes) -> bytes:
    """Wrap a native card frame in PN532 InCommunicateThru, in an ACS direct-transmit APDU."""
    return command(CLA_PSEUDO, INS_DIRECT_TRANSMIT, 0x00, 0x00, PN532_IN_COMMUNICATE_THRU + frame)
