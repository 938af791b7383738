"""Receipts: the record of a finished order, its renderings, and the printer.

model   -- the Receipt record (items add up to the total; the card UID masked)
text    -- plain text for 58 mm / 80 mm printers, CJK-width aware
qr      -- the signed verification link for the receipt's QR code
escpos  -- printing through python-escpos (network, USB, file), errors as ReceiptPrinterError
printer -- the receipt printer the kiosk holds (ReceiptPrinter), the python-escpos one, and the
           one ``[printer]`` configures: opened when first needed, reopened after a failure
"""

from kiosk.receipts.model import Receipt, ReceiptError, ReceiptItem, items_from_quote, mask_uid

__all__ = ["Receipt", "ReceiptError", "ReceiptItem", "items_from_quote", "mask_uid"]
