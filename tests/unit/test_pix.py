"""PIX BR Codes against the examples of the BCB "Manual de Padrões para Iniciação do Pix"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.payments import emvco, pix
from kiosk.payments.pix import PixCode

RANDOM_KEY = "123e4567-e12b-12d1-a456-426655440000"
# Manual §2.6.3 (static, random key, no amount, txid ***)
BCB_STATIC = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)
# Manual §2.7.2 (dynamic, location URL)
BCB_DYNAMIC = (
    "00020101021226700014br.gov.bcb.pix2548pix.example.com/8b3da2f39a4140d1a91abd93113bd441"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***630464E4"
)
# Manual §2.8.5 (composite: static key with amount 100.50 plus an unreserved template 80)
BCB_COMPOSITE = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
    "5204000053039865406100.505802BR5913Fulano de Tal6008BRASILIA62070503***"
    "80740014br.gov.bcb.pix2552pix.example.com/rec/2353c790eefb11eaadc10242ac120002"
    "63042875"
)


def test_static_builder_reproduces_the_manual() -> None:
    assert pix.static_payload(RANDOM_KEY, "Fulano de Tal", "BRASILIA") == BCB_STATIC


def test_dynamic_builder_reproduces_the_manual() -> None:
    url = "https://pix.example.com/8b3da2f39a4140d1a91abd93113bd441"
    assert pix.dynamic_payload(url, "Fulano de Tal", "BRASILIA") == BCB_DYNAMIC


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (BCB_STATIC, PixCode("Fulano de Tal", "BRASILIA", key=RANDOM_KEY)),
        (
            BCB_DYNAMIC,
            PixCode(
                "Fulano de Tal",
                "BRASILIA",
                url="pix.example.com/8b3da2f39a4140d1a91abd93113bd441",
                single_use=True,
            ),
        ),
        (BCB_COMPOSITE, PixCode("Fulano de Tal", "BRASILIA", key=RANDOM_KEY, amount=10050)),
    ],
)
def test_manual_examples_parse_to_their_fields(payload: str, expected: PixCode) -> None:
    assert pix.parse_pix(payload) == expected


@pytest.mark.parametrize("payload", [BCB_STATIC, BCB_DYNAMIC, BCB_COMPOSITE])
def test_manual_examples_rebuild_exactly(payload: str) -> None:
    assert emvco.build(emvco.parse(payload)) == payload


def test_composite_keeps_its_recurrence_template() -> None:
    qr = emvco.parse(BCB_COMPOSITE)
    assert (
        qr.extra["80"]
        == "0014br.gov.bcb.pix2552pix.example.com/rec/2353c790eefb11eaadc10242ac120002"
    )


def test_static_with_amount_description_and_txid() -> None:
    payload = pix.static_payload(
        "fulano@example.com",
        "Kiosk Lobby",
        "SAO PAULO",
        amount=2550,
        txid="K01ORDER000123",
        description="Recarga cartao",
    )
    fields = dict(emvco.decode_tlv(payload))
    assert fields["26"] == "0014br.gov.bcb.pix0118fulano@example.com0214Recarga cartao"
    assert fields["54"] == "25.50" and fields["62"] == "0514K01ORDER000123"
    assert pix.parse_pix(payload) == PixCode(
        "Kiosk Lobby",
        "SAO PAULO",
        key="fulano@example.com",
        description="Recarga cartao",
        txid="K01ORDER000123",
        amount=2550,
    )


def test_upper_case_gui_from_the_wild_is_accepted() -> None:
    payload = emvco.build(
        emvco.MerchantPresentedQR(
            merchant_accounts=(
                emvco.MerchantAccount(tag="26", gui="BR.GOV.BCB.PIX", fields={"01": RANDOM_KEY}),
            ),
            currency=986,
            country="BR",
            merchant_category_code="0000",
            merchant_name="Fulano de Tal",
            merchant_city="BRASILIA",
            additional_data=emvco.AdditionalData(reference_label="***"),
        )
    )
    assert pix.parse_pix(payload).key == RANDOM_KEY


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pix.static_payload(RANDOM_KEY, "F", "B", txid="has-dash"), "txid"),
        (lambda: pix.static_payload(RANDOM_KEY, "F", "B", txid="A" * 26), "txid"),
        (lambda: pix.static_payload("k" * 78, "F", "B"), "key"),
        (lambda: pix.static_payload(RANDOM_KEY, "N" * 26, "B"), "Merchant name"),
        (lambda: pix.static_payload(RANDOM_KEY, "F", "São Paulo"), "ASCII"),
        (lambda: pix.static_payload(RANDOM_KEY, "F", "B", description="d" * 40), "99"),
        (lambda: pix.dynamic_payload("http://pix.example.com/x", "F", "B"), "https"),
    ],
)
def test_builder_refuses_bad_fields(call: object, message: str) -> None:
    with pytest.raises(emvco.EmvcoError, match=message):
        call()  # type: ignore[operator]


def _with_crc(body: str) -> str:
    body += emvco.CRC_HEADER
    return body + emvco.crc16(body)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (_with_crc(BCB_STATIC[:-8].replace("5303986", "5303840")), "BRL"),
        (_with_crc(BCB_STATIC[:-8].replace("62070503***", "")), "txid"),
        (_with_crc(BCB_DYNAMIC[:-8].replace("0503***", "0503ABC")), "\\*\\*\\*"),
        (_with_crc(BCB_STATIC[:-8].replace("br.gov.bcb.pix", "br.gov.bcb.xyz")), "no PIX"),
    ],
)
def test_codes_that_are_not_valid_pix_are_refused(payload: str, message: str) -> None:
    with pytest.raises(emvco.EmvcoError, match=message):
        pix.parse_pix(payload)


@given(
    key=st.from_regex(r"\A[a-z0-9.]{1,30}@[a-z]{1,10}\.com\Z"),
    amount=st.none() | st.integers(1, 10**9),
    txid=st.just("***") | st.from_regex(r"\A[A-Za-z0-9]{1,25}\Z"),
)
def test_static_codes_round_trip(key: str, amount: int | None, txid: str) -> None:
    payload = pix.static_payload(key, "Kiosk", "RIO", amount=amount, txid=txid)
    assert pix.parse_pix(payload) == PixCode("Kiosk", "RIO", key=key, txid=txid, amount=amount)
