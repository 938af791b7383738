"""Brazilian PIX "BR Code" on top of :mod:`kiosk.payments.emvco`.

Banco Central do Brasil, Manual de Padrões para Iniciação do Pix: merchant account template 26
with GUI "br.gov.bcb.pix" and either

- static: 01 the receiver's PIX key (e-mail, phone "+55...", CPF/CNPJ or random key), optional 02
  description; 62-05 carries a txid of up to 25 letters/digits, or "***" for none;
- dynamic: 25 the location URL (without "https://") of a charge created through the PSP's API;
  62-05 is "***" because the txid lives in the charge behind the URL.

Currency 986 (BRL), country BR, MCC "0000" when the PSP gives none. Dynamic codes carry 01 = 12
(single use); static codes leave 01 out, as the manual's example does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.payments import emvco

TAG_PIX = "26"  # Merchant Account Information template for PIX
PIX_GUI = "br.gov.bcb.pix"
SUB_KEY = "01"  # chave: the receiver's PIX key (static)
SUB_DESCRIPTION = "02"  # infoAdicional: text shown to the payer (static)
SUB_URL = "25"  # location URL of a dynamic charge

BRL = 986  # ISO 4217 numeric
COUNTRY_BR = "BR"
MCC_UNSPECIFIED = "0000"
TXID_NONE = "***"  # 62-05 when there is no txid (all dynamic codes)
MAX_TXID = 25
MAX_KEY = 77  # the key must fit in template 26 (<= 99) with the 18-character GUI object
HTTPS = "https://"

_TXID = re.compile(r"[A-Za-z0-9]{1,25}")


@dataclass(frozen=True)
class PixCode:
    """What a PIX BR Code says. Exactly one of ``key`` (static) and ``url`` (dynamic) is set."""

    merchant_name: str
    merchant_city: str
    key: str | None = None
    url: str | None = None  # without the scheme
    description: str | None = None
    txid: str = TXID_NONE
    amount: int | None = None  # centavos
    single_use: bool = False


def static_payload(
    key: str,
    merchant_name: str,
    merchant_city: str,
    *,
    amount: int | None = None,
    txid: str = TXID_NONE,
    description: str | None = None,
) -> str:
    """A static BR Code paying ``key``; ``amount`` in centavos, ``txid`` to reconcile with."""
    if not 1 <= len(key) <= MAX_KEY:
        raise emvco.EmvcoError(f"A PIX key is 1 to {MAX_KEY} characters.", tag=TAG_PIX)
    if txid != TXID_NONE and not _TXID.fullmatch(txid):
        raise emvco.EmvcoError(
            f"PIX txid '{txid}' must be 1 to {MAX_TXID} letters or digits, or '{TXID_NONE}'.",
            tag=emvco.TAG_ADDITIONAL_DATA,
        )
    fields = {SUB_KEY: key}
    if description:
        fields[SUB_DESCRIPTION] = description
    return _build(fields, merchant_name, merchant_city, amount, txid, None)


def dynamic_payload(
    location_url: str, merchant_name: str, merchant_city: str, *, amount: int | None = None
) -> str:
    """A dynamic BR Code for a charge the PSP created; the payer's bank fetches the charge from
    ``location_url`` (the "https://" is dropped, as the manual requires)."""
    url = location_url.removeprefix(HTTPS)
    if "://" in url:
        raise emvco.EmvcoError("A PIX location must be an https URL.", tag=TAG_PIX)
    return _build(
        {SUB_URL: url},
        merchant_name,
        merchant_city,
        amount,
        TXID_NONE,
        emvco.PointOfInitiation.DYNAMIC,
    )


def _build(
    fields: dict[str, str],
    name: str,
    city: str,
    amount: int | None,
    txid: str,
    initiation: emvco.PointOfInitiation | None,
) -> str:
    qr = emvco.MerchantPresentedQR(
        merchant_accounts=(emvco.MerchantAccount(tag=TAG_PIX, gui=PIX_GUI, fields=fields),),
        currency=BRL,
        country=COUNTRY_BR,
        merchant_category_code=MCC_UNSPECIFIED,
        merchant_name=name,
        merchant_city=city,
        point_of_initiation=initiation,
        amount=amount,
        additional_data=emvco.AdditionalData(reference_label=txid),
    )
    return emvco.build(qr)


def parse_pix(payload: str) -> PixCode:
    """Read a BR Code; raises :class:`emvco.EmvcoError` if it is not a valid PIX code."""
    qr = emvco.parse(payload)
    if qr.currency != BRL or qr.country != COUNTRY_BR:
        raise emvco.EmvcoError(
            f"A PIX code is in BRL (986) for BR, not {qr.currency} for {qr.country}."
        )
    account = next((a for a in qr.merchant_accounts if a.tag == TAG_PIX), None)
    # The GUI is compared case-insensitively: "BR.GOV.BCB.PIX" is common in the wild.
    if account is None or (account.gui or "").lower() != PIX_GUI:
        raise emvco.EmvcoError("The code has no PIX merchant account (26, br.gov.bcb.pix).")
    key, url = account.fields.get(SUB_KEY), account.fields.get(SUB_URL)
    if (key is None) == (url is None):
        raise emvco.EmvcoError(
            "A PIX code has either a key (26-01) or a location URL (26-25), not both or neither.",
            tag=TAG_PIX,
        )
    txid = qr.additional_data.reference_label if qr.additional_data else None
    if txid is None:
        raise emvco.EmvcoError(
            "A PIX code needs a txid in 62-05 ('***' for none).", tag=emvco.TAG_ADDITIONAL_DATA
        )
    if url is not None and txid != TXID_NONE:
        raise emvco.EmvcoError(
            "A dynamic PIX code has txid '***' in 62-05.", tag=emvco.TAG_ADDITIONAL_DATA
        )
    assert qr.merchant_name is not None and qr.merchant_city is not None  # parse required them
    return PixCode(
        merchant_name=qr.merchant_name,
        merchant_city=qr.merchant_city,
        key=key,
        url=url,
        description=account.fields.get(SUB_DESCRIPTION),
        txid=txid,
        amount=qr.amount,
        single_use=qr.point_of_initiation is emvco.PointOfInitiation.DYNAMIC,
    )
