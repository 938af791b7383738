"""PromptPay (Thai QR) payloads against the published dtinth/promptpay-qr test vectors."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.payments import emvco, promptpay
from kiosk.payments.promptpay import PromptPayBill, PromptPayTransfer, ProxyType

# dtinth/promptpay-qr index.test.js: (what a person types, amount in satang, the payload)
PUBLISHED = [
    (
        "0801234567",
        None,
        "00020101021129370016A000000677010111011300668012345675802TH530376463046197",
    ),
    (
        "080-123-4567",
        None,
        "00020101021129370016A000000677010111011300668012345675802TH530376463046197",
    ),
    (
        "+66-89-123-4567",
        None,
        "00020101021129370016A000000677010111011300668912345675802TH5303764630429C1",
    ),
    (
        "1111111111111",
        None,
        "00020101021129370016A000000677010111021311111111111115802TH530376463047B5A",
    ),
    (
        "1-1111-11111-11-1",
        None,
        "00020101021129370016A000000677010111021311111111111115802TH530376463047B5A",
    ),
    (
        "0123456789012",
        None,
        "00020101021129370016A000000677010111021301234567890125802TH530376463040CBD",
    ),
    (
        "000-000-0000",
        422,
        "00020101021229370016A000000677010111011300660000000005802TH530376454044.226304E469",
    ),
]


@pytest.mark.parametrize(("target", "amount", "payload"), PUBLISHED)
def test_builder_reproduces_published_payloads(
    target: str, amount: int | None, payload: str
) -> None:
    assert promptpay.transfer_payload(target, amount) == payload


@pytest.mark.parametrize(("target", "amount", "payload"), PUBLISHED)
def test_published_payloads_parse_and_rebuild(
    target: str, amount: int | None, payload: str
) -> None:
    code = promptpay.parse_promptpay(payload)
    assert code == PromptPayTransfer(*promptpay.proxy_for(target), amount=amount)
    qr = emvco.parse(payload, require_merchant_details=False)
    assert emvco.build(qr, require_merchant_details=False) == payload


def test_published_payload_fields() -> None:
    code = promptpay.parse_promptpay(PUBLISHED[2][2])
    assert code == PromptPayTransfer(ProxyType.MOBILE, "0066891234567")
    amount_code = promptpay.parse_promptpay(PUBLISHED[-1][2])
    assert isinstance(amount_code, PromptPayTransfer) and amount_code.amount == 422  # 4.22 THB


def test_person_to_person_codes_lack_what_emvco_calls_mandatory() -> None:
    with pytest.raises(emvco.EmvcoError, match="52 is missing"):
        emvco.parse(PUBLISHED[0][2])


def test_bill_payment_round_trip_carries_the_order_reference() -> None:
    bill = PromptPayBill(
        biller_id="010555999999901",
        reference_1="K01ORDER000123",
        reference_2="TOPUP",
        amount=15000,
        merchant_name="LOBBY KIOSK",
        merchant_city="BANGKOK",
    )
    payload = promptpay.bill_payload(bill)
    fields = dict(emvco.decode_tlv(payload))
    assert fields["30"] == "0016A00000067701011201150105559999999010214K01ORDER0001230305TOPUP"
    assert "5406150.00" in payload and payload.startswith("000201010212")
    assert promptpay.parse_promptpay(payload) == bill


@pytest.mark.parametrize("target", ["12345", "08012345678", "+1 555 123 4567", "", "081234567a"])
def test_unusable_targets_are_refused(target: str) -> None:
    with pytest.raises(emvco.EmvcoError, match="not a Thai mobile"):
        promptpay.proxy_for(target)


def test_ewallet_ids_are_recognised() -> None:
    assert promptpay.proxy_for("123456789012345") == (ProxyType.EWALLET, "123456789012345")


@pytest.mark.parametrize(
    ("bill", "message"),
    [
        (PromptPayBill("010555999999901", "order-1"), "Reference 1"),
        (PromptPayBill("010555999999901", "R" * 21), "Reference 1"),
        (PromptPayBill("0105559999999011", "REF"), "Biller id"),
    ],
)
def test_bad_bill_fields_are_refused(bill: PromptPayBill, message: str) -> None:
    with pytest.raises(emvco.EmvcoError, match=message):
        promptpay.bill_payload(bill)


def _payload(**changes: object) -> str:
    qr = emvco.MerchantPresentedQR(
        merchant_accounts=(
            emvco.MerchantAccount(
                tag="29", gui=promptpay.AID_CREDIT_TRANSFER, fields={"01": "0066812345678"}
            ),
        ),
        currency=764,
        country="TH",
    )
    return emvco.build(dataclasses.replace(qr, **changes), require_merchant_details=False)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"currency": 840}, "THB"),
        ({"country": "LA"}, "THB"),
        (
            {"merchant_accounts": (emvco.MerchantAccount(tag="29", gui="A000000677010199"),)},
            "no PromptPay",
        ),
        (
            {
                "merchant_accounts": (
                    emvco.MerchantAccount(
                        tag="29", gui=promptpay.AID_CREDIT_TRANSFER, fields={"01": "0812345678"}
                    ),
                )
            },
            "wrong shape",
        ),
        (
            {
                "merchant_accounts": (
                    emvco.MerchantAccount(
                        tag="29",
                        gui=promptpay.AID_CREDIT_TRANSFER,
                        fields={"01": "0066812345678", "02": "1111111111111"},
                    ),
                )
            },
            "exactly one proxy",
        ),
        (
            {
                "merchant_accounts": (
                    emvco.MerchantAccount(
                        tag="30", gui=promptpay.AID_BILL_PAYMENT, fields={"01": "0105559999999"}
                    ),
                )
            },
            "reference 1",
        ),
    ],
)
def test_codes_that_are_not_promptpay_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(emvco.EmvcoError, match=message):
        promptpay.parse_promptpay(_payload(**changes))


@given(
    st.from_regex(r"\A0[689][0-9]{8}\Z"),
    st.none() | st.integers(1, 10**9),
)
def test_any_mobile_and_amount_round_trip(phone: str, amount: int | None) -> None:
    payload = promptpay.transfer_payload(phone, amount)
    assert promptpay.parse_promptpay(payload) == PromptPayTransfer(
        ProxyType.MOBILE, "0066" + phone[1:], amount
    )
