"""Receipts: the record of a finished order, and its renderings.

model  -- the Receipt record (items add up to the total; the card UID masked)
text   -- plain text for 58 mm / 80 mm printers, CJK-width aware
qr     -- the signed verification link for the receipt's QR code
escpos -- printing through python-escpos (network, USB, file), errors as ReceiptPrinterError
"""

from kiosk.receipts.model import Receipt, ReceiptError, ReceiptItem, items_from_quote, mask_uid

__all__ = ["Receipt", "ReceiptError", "ReceiptItem", "items_from_quote", "mask_uid"]
