"""EMVCo MPM payloads: published examples, the spec's limits, and property tests."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.payments import emvco
from kiosk.payments.provider import PaymentError

# EMV QRCPS-MPM specification, appendix example (also the test vector of mvallim/emv-qrcode,
# dongri/emv-qrcode and others): two merchant templates, tip prompt, additional data, a
# Chinese-language template and an unreserved template 91, in a non-ascending order.
EMVCO_SPEC_EXAMPLE = (
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678"
    "520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京"
    "540523.7253031565502016233030412340603***0708A60086670902ME"
    "91320016A0112233449988770708123456786304A13A"
)
# phannaly/emv-qr-code README, "Merchant Presented Mode decode".
PHANNALY_README = (
    "00020101021252044131153137210116372101160123456789ABCDE6016Banteay Meanchey"
    "5913Kuntheas Shop5802KH540510.005303840621201081234567863041FF2"
)


def test_crc_is_ccitt_false() -> None:
    assert emvco.crc16("123456789") == "29B1"  # the catalogued check value of CRC-16/CCITT-FALSE


def test_spec_example_parses_to_its_fields() -> None:
    qr = emvco.parse(EMVCO_SPEC_EXAMPLE)
    assert qr.point_of_initiation is emvco.PointOfInitiation.DYNAMIC
    assert qr.merchant_accounts == (
        emvco.MerchantAccount(tag="29", gui="D15600000000", fields={"05": "A93FO3230Q"}),
        emvco.MerchantAccount(tag="31", gui="D15600000001", fields={"03": "12345678"}),
    )
    assert (qr.merchant_category_code, qr.currency, qr.country) == ("4111", 156, "CN")
    assert (qr.merchant_name, qr.merchant_city) == ("BEST TRANSPORT", "BEIJING")
    assert qr.amount == 2372  # 23.72 CNY
    assert qr.tip is emvco.TipIndicator.PROMPT
    assert qr.additional_data == emvco.AdditionalData(
        store_label="1234",
        customer_label="***",
        terminal_label="A6008667",
        consumer_data_request="ME",
    )
    assert qr.language == emvco.MerchantLanguage(language="ZH", name="最佳运输", city="北京")
    assert qr.extra == {"91": "0016A011223344998877070812345678"}


def test_spec_example_rebuilds_to_the_same_string() -> None:
    assert emvco.build(emvco.parse(EMVCO_SPEC_EXAMPLE)) == EMVCO_SPEC_EXAMPLE


def test_spec_example_built_from_fields_in_canonical_order_has_a_valid_crc() -> None:
    qr = dataclasses.replace(emvco.parse(EMVCO_SPEC_EXAMPLE), tag_order=())
    payload = emvco.build(qr)
    assert payload != EMVCO_SPEC_EXAMPLE  # ids ascending now
    assert payload.startswith("000201010212")
    assert emvco.parse(payload) == qr


def test_published_readme_example_has_a_good_crc_but_breaks_the_city_limit() -> None:
    # The payload is framed and checksummed correctly...
    emvco.check_crc(PHANNALY_README)
    fields = dict(emvco.decode_tlv(PHANNALY_README))
    assert fields["15"] == "37210116372101160123456789ABCDE"  # a card-network primitive (02-25)
    assert fields["54"] == "10.00" and fields["53"] == "840"
    # ...but "Banteay Meanchey" is 16 characters and EMVCo caps the city at 15.
    with pytest.raises(emvco.EmvcoError, match="city") as caught:
        emvco.parse(PHANNALY_README)
    assert caught.value.tag == emvco.TAG_MERCHANT_CITY


def _with_crc(body: str) -> str:
    body += emvco.CRC_HEADER
    return body + emvco.crc16(body)


MINIMAL_BODY = "00020101021126120008GUI.TEST5204000053037645802TH5904Shop6007Bangkok"


def test_minimal_payload_parses() -> None:
    qr = emvco.parse(_with_crc(MINIMAL_BODY))
    assert qr.merchant_accounts[0] == emvco.MerchantAccount(tag="26", gui="GUI.TEST")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("", "empty"),
        (MINIMAL_BODY, "CRC object"),
        (_with_crc(MINIMAL_BODY)[:-4] + "0000", "does not match"),
        (_with_crc(MINIMAL_BODY)[:-4] + _with_crc(MINIMAL_BODY)[-4:].lower(), "upper-case"),
        (_with_crc("000201" + "2612" + "0008GUI.TES"), "characters but only"),
        (_with_crc(MINIMAL_BODY.replace("5904Shop", "59X4Shop")), "non-numeric length"),
        (_with_crc(MINIMAL_BODY + "5802TH"), "appears twice"),
        (_with_crc(MINIMAL_BODY.replace("5303764", "")), "53 is missing"),
        (_with_crc(MINIMAL_BODY.replace("5802TH", "")), "58 is missing"),
        (_with_crc(MINIMAL_BODY.replace("52040000", "")), "52 is missing"),
        (_with_crc(MINIMAL_BODY.replace("5904Shop", "")), "59 is missing"),
        (_with_crc(MINIMAL_BODY.replace("6007Bangkok", "")), "60 is missing"),
        (_with_crc(MINIMAL_BODY.replace("000201", "000202")), "format"),
        (_with_crc(MINIMAL_BODY[6:] + "000201"), "start with the format"),
        (_with_crc(MINIMAL_BODY.replace("010211", "010213")), "Point of initiation"),
        (_with_crc(MINIMAL_BODY.replace("5904Shop", "5904Shöp")), "non-ASCII"),
        (_with_crc(MINIMAL_BODY.replace("5904Shop", "5900")), "empty"),
        (_with_crc(MINIMAL_BODY.replace("26120008GUI.TEST", "")), "merchant account"),
        (_with_crc(MINIMAL_BODY.replace("0008GUI.TEST", "0108GUI.TEST")), "GUI"),
        (_with_crc(MINIMAL_BODY.replace("5904Shop", "5926" + "A" * 26)), "25"),
        (_with_crc(MINIMAL_BODY + "5414" + "1" * 11 + ".00"), "Amount"),
        (_with_crc(MINIMAL_BODY + "54051.005"), "decimals"),
        (_with_crc(MINIMAL_BODY + "54041,00"), "Amount"),
        (_with_crc(MINIMAL_BODY + "54040.00"), "more than zero"),
        (_with_crc(MINIMAL_BODY + "550202"), "56"),
        (_with_crc(MINIMAL_BODY + "56041.00"), "56"),
        (_with_crc(MINIMAL_BODY + "5502035703100"), "percentage"),
        (_with_crc(MINIMAL_BODY + "62070903MMA"), "A, M, E"),
        (_with_crc(MINIMAL_BODY + "62100300" + "0102AB"), "empty"),
        (_with_crc(MINIMAL_BODY + "64060002EN"), "name"),
        (_with_crc(MINIMAL_BODY + "8004ABCD"), "non-numeric id"),
        (_with_crc(MINIMAL_BODY + "80100101A0201B"), "GUI"),
        (_with_crc(MINIMAL_BODY) + "000201", "CRC object"),
    ],
)
def test_bad_payloads_are_refused_with_a_reason(payload: str, message: str) -> None:
    with pytest.raises(emvco.EmvcoError, match=message):
        emvco.parse(payload)


def test_errors_are_payment_errors_with_codes() -> None:
    bad_crc = _with_crc(MINIMAL_BODY)[:-4] + "0000"
    with pytest.raises(PaymentError) as caught:
        emvco.parse(bad_crc)
    assert isinstance(caught.value, emvco.EmvcoCrcError)
    assert caught.value.code == "emvco_bad_crc" and caught.value.tag == emvco.TAG_CRC


def test_merchant_details_can_be_optional_for_schemes_that_omit_them() -> None:
    body = "000201010211" + "2620" + "0016A000000677010111" + "5802TH5303764"
    with pytest.raises(emvco.EmvcoError, match="52 is missing"):
        emvco.parse(_with_crc(body))
    assert emvco.parse(_with_crc(body), require_merchant_details=False).country == "TH"


def _qr(**changes: object) -> emvco.MerchantPresentedQR:
    base = emvco.MerchantPresentedQR(
        merchant_accounts=(emvco.MerchantAccount(tag="26", gui="com.example"),),
        currency=840,
        country="US",
        merchant_category_code="5999",
        merchant_name="Kiosk",
        merchant_city="Springfield",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"merchant_name": "N" * 26}, "Merchant name must be 1 to 25"),
        ({"merchant_city": "C" * 16}, "Merchant city must be 1 to 15"),
        ({"merchant_name": "Café"}, "printable ASCII"),
        ({"postal_code": "1" * 11}, "Postal code"),
        ({"merchant_category_code": "599"}, "4 digits"),
        ({"country": "usa"}, "two upper-case"),
        ({"amount": 10.5}, "integer"),
        ({"amount": 0}, "more than zero"),
        ({"amount": 10**12}, "longer than 13"),
        ({"currency": 999, "amount": 100}, "not configured"),
        ({"merchant_accounts": ()}, "at least one"),
        ({"merchant_accounts": (emvco.MerchantAccount(tag="26", gui="G" * 33),)}, "GUI"),
        ({"merchant_accounts": (emvco.MerchantAccount(tag="15", gui="x"),)}, "plain value"),
        ({"merchant_accounts": (emvco.MerchantAccount(tag="52", gui="x"),)}, "02-51"),
        (
            {
                "merchant_accounts": (
                    emvco.MerchantAccount(tag="26", gui="g", fields={"01": "x" * 95}),
                )
            },
            "99",
        ),
        ({"tip": emvco.TipIndicator.FIXED_FEE}, "56"),
        ({"convenience_fee_percentage": "1.5"}, "57"),
        ({"extra": {"50": "x"}}, "65-99"),
        ({"additional_data": emvco.AdditionalData(bill_number="B" * 26)}, "Additional data 01"),
        ({"additional_data": emvco.AdditionalData()}, "62\\) is empty"),
        ({"language": emvco.MerchantLanguage(language="zho", name="x")}, "ISO 639"),
        ({"language": emvco.MerchantLanguage(language="zh", name="名" * 26)}, "25"),
    ],
)
def test_builder_refuses_what_the_spec_forbids(changes: dict[str, object], message: str) -> None:
    with pytest.raises(emvco.EmvcoError, match=message):
        emvco.build(_qr(**changes))


@pytest.mark.parametrize(
    ("currency", "minor", "text"),
    [(840, 1, "0.01"), (840, 123456, "1234.56"), (392, 500, "500"), (764, 100, "1.00")],
)
def test_amounts_use_the_currency_exponent(currency: int, minor: int, text: str) -> None:
    assert emvco.format_amount(minor, currency) == text
    assert emvco.parse_amount(text, currency) == minor


def test_fewer_decimals_are_read_exactly() -> None:
    assert emvco.parse_amount("10", 840) == 1000
    assert emvco.parse_amount("10.5", 840) == 1050
    with pytest.raises(emvco.EmvcoError):
        emvco.parse_amount("10.5", 392)  # JPY has no decimals


# --- properties -----------------------------------------------------------------------------------
ANS = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
LOCAL = st.characters(categories=["L", "N", "P", "S"])  # any script, for template 64


def _ans(max_size: int) -> st.SearchStrategy[str]:
    return st.text(ANS, min_size=1, max_size=max_size)


def _sub_ids(exclude: set[int], low: int = 1, high: int = 99) -> st.SearchStrategy[str]:
    return st.integers(low, high).filter(lambda n: n not in exclude).map(lambda n: f"{n:02d}")


@st.composite
def merchant_accounts(draw: st.DrawFn) -> tuple[emvco.MerchantAccount, ...]:
    tags = draw(st.lists(st.integers(2, 51), min_size=1, max_size=3, unique=True))
    accounts = []
    for number in tags:
        tag = f"{number:02d}"
        if number <= emvco.LAST_PRIMITIVE_ACCOUNT:
            accounts.append(emvco.MerchantAccount(tag=tag, value=draw(_ans(30))))
        else:
            fields = draw(st.dictionaries(_sub_ids(set()), _ans(20), max_size=2))
            accounts.append(emvco.MerchantAccount(tag=tag, gui=draw(_ans(16)), fields=fields))
    return tuple(accounts)


@st.composite
def additional_data(draw: st.DrawFn) -> emvco.AdditionalData:
    names = draw(
        st.lists(
            st.sampled_from(sorted(emvco._ADDITIONAL_FIELDS.values())),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    values: dict[str, Any] = {}  # keyword arguments of AdditionalData
    for name in names:
        if name == "consumer_data_request":
            values[name] = "".join(draw(st.permutations("AME"))[: draw(st.integers(1, 3))])
        else:
            values[name] = draw(_ans(15))
    return emvco.AdditionalData(**values)


@st.composite
def qr_codes(draw: st.DrawFn, *, unicode_names: bool = True) -> emvco.MerchantPresentedQR:
    currency = draw(st.sampled_from([156, 392, 764, 840, 986]))
    tip = draw(st.none() | st.sampled_from(emvco.TipIndicator))
    language = None
    if draw(st.booleans()):
        alphabet = LOCAL if unicode_names else ANS
        language = emvco.MerchantLanguage(
            language=draw(st.sampled_from(["zh", "TH", "pt", "en"])),
            name=draw(st.text(alphabet, min_size=1, max_size=25)),
            city=draw(st.none() | st.text(alphabet, min_size=1, max_size=15)),
        )
    extra = draw(st.dictionaries(_sub_ids(set(), 65, 79), _ans(20), max_size=2))
    if draw(st.booleans()):
        extra[f"{draw(st.integers(80, 99)):02d}"] = emvco.encode_tlv("00", draw(_ans(20)))
    root_ids = [f"{n:02d}" for n in range(1, 100) if n != 63]
    return emvco.MerchantPresentedQR(
        merchant_accounts=draw(merchant_accounts()),
        currency=currency,
        country=draw(
            st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=2, max_size=2)
        ),
        merchant_category_code=draw(st.from_regex(r"\A[0-9]{4}\Z")),
        merchant_name=draw(_ans(25)),
        merchant_city=draw(_ans(15)),
        point_of_initiation=draw(st.none() | st.sampled_from(emvco.PointOfInitiation)),
        amount=draw(st.none() | st.integers(1, 10**10)),
        tip=tip,
        convenience_fee_fixed=draw(st.integers(1, 10**6))
        if tip is emvco.TipIndicator.FIXED_FEE
        else None,
        convenience_fee_percentage=draw(st.sampled_from(["0.01", "3", "12.5", "99.99"]))
        if tip is emvco.TipIndicator.PERCENTAGE_FEE
        else None,
        postal_code=draw(st.none() | _ans(10)),
        additional_data=draw(st.none() | additional_data()),
        language=language,
        extra=extra,
        tag_order=tuple(draw(st.permutations(root_ids))),
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(qr_codes())
def test_build_then_parse_gives_the_same_code(qr: emvco.MerchantPresentedQR) -> None:
    payload = emvco.build(qr)
    parsed = emvco.parse(payload)
    assert parsed == qr
    assert emvco.build(parsed) == payload  # and the string survives a second trip


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(qr_codes(unicode_names=False), st.data())
def test_any_single_changed_character_is_caught(
    qr: emvco.MerchantPresentedQR, data: st.DataObject
) -> None:
    payload = emvco.build(qr)
    index = data.draw(st.integers(0, len(payload) - 1))
    replacement = data.draw(
        st.characters(exclude_categories=["Cs"]).filter(lambda c: c != payload[index])
    )
    changed = payload[:index] + replacement + payload[index + 1 :]
    with pytest.raises(emvco.EmvcoError):
        emvco.parse(changed)
