"""UPI payment links against the NPCI linking specification's samples."""

from __future__ import annotations

import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.payments import upi
from kiosk.payments.upi import UpiPayment

# NPCI "UPI Linking Specifications" v1.6, §2 Implementation Samples (hyperlink and QR code).
NPCI_SAMPLE = (
    "upi://pay?pa=nadeem@npci&pn=nadeem%20chinna&mc=0000&tid=cxnkjcnkjdfdvjndkjfvn"
    "&tr=4894398cndhcd23&tn=Pay%20to%20mystar%20store&am=10&mam=null&cu=INR"
    "&url=https://mystar.com/orderid=9298yw89e8973e87389e78923ue892"
)


def test_npci_sample_parses_to_its_fields() -> None:
    assert upi.parse_uri(NPCI_SAMPLE) == UpiPayment(
        payee_address="nadeem@npci",
        payee_name="nadeem chinna",
        amount=1000,  # "10" rupees
        reference="4894398cndhcd23",
        note="Pay to mystar store",
        merchant_code="0000",
        transaction_id="cxnkjcnkjdfdvjndkjfvn",
        url="https://mystar.com/orderid=9298yw89e8973e87389e78923ue892",
        extra={"mam": "null"},
    )


def test_npci_sample_survives_build_and_parse() -> None:
    payment = upi.parse_uri(NPCI_SAMPLE)
    assert upi.parse_uri(upi.build_uri(payment)) == payment


def test_kiosk_link_is_written_as_expected() -> None:
    payment = UpiPayment(
        payee_address="lobby.kiosk@okhdfcbank",
        payee_name="Lobby Kiosk & Co",
        amount=25050,
        reference="K01ORDER000123",
        note="Top-up 100% card",
        merchant_code="4900",
    )
    assert upi.build_uri(payment) == (
        "upi://pay?pa=lobby.kiosk@okhdfcbank&pn=Lobby%20Kiosk%20%26%20Co&mc=4900"
        "&tr=K01ORDER000123&tn=Top-up%20100%25%20card&am=250.50&cu=INR"
    )


def test_special_characters_are_percent_encoded_and_come_back() -> None:
    payment = UpiPayment(
        payee_address="a.b-c_d@ybl",
        payee_name="रमेश + Sons=1",
        note="a&b?c#d/e",
        url="https://example.com/r?x=1&y=2",
    )
    uri = upi.build_uri(payment)
    query = uri.removeprefix("upi://pay?")
    assert " " not in uri and "+" not in query and "#" not in query
    assert query.count("&") == 4  # five parameters: pa, pn, tn, cu, url
    assert upi.parse_uri(uri) == payment


def test_plus_from_form_encoding_reads_as_space() -> None:
    assert upi.parse_uri("upi://pay?pa=x@upi&pn=Ramesh+Kumar").payee_name == "Ramesh Kumar"


def test_parameter_names_are_case_insensitive() -> None:
    assert upi.parse_uri("UPI://PAY?PA=x@upi&PN=Shop&AM=1").amount == 100


@pytest.mark.parametrize(
    "vpa",
    ["nadeem@npci", "9876543210@ybl", "a.b-c_d@okhdfcbank", "123456789@HDFC0000001.ifsc.npci"],
)
def test_valid_vpas(vpa: str) -> None:
    assert upi.validate_vpa(vpa) == vpa


@pytest.mark.parametrize(
    "vpa", ["", "nadeem", "@npci", "nadeem@", "na deem@npci", "a@@b", "a@1bank", ".a@b", "a@b c"]
)
def test_invalid_vpas(vpa: str) -> None:
    with pytest.raises(upi.UpiError, match="not a UPI address"):
        upi.validate_vpa(vpa)


@pytest.mark.parametrize(
    ("text", "paise"), [("10", 1000), ("10.5", 1050), ("0.01", 1), ("1.00", 100)]
)
def test_amounts_are_read_exactly(text: str, paise: int) -> None:
    assert upi.parse_amount(text) == paise


@pytest.mark.parametrize("text", ["10.505", "0", "0.00", "-1", "1,000", "1e3", ".5", ""])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(upi.UpiError):
        upi.parse_amount(text)


@pytest.mark.parametrize("paise", [0, -100, 10.5, True])
def test_amounts_to_build_are_positive_integers(paise: object) -> None:
    with pytest.raises(upi.UpiError):
        upi.format_amount(paise)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("upi://collect?pa=x@upi&pn=S", "starts with"),
        ("https://pay?pa=x@upi&pn=S", "starts with"),
        ("upi://pay?pn=Shop", "'pa'"),
        ("upi://pay?pa=x@upi", "'pn'"),
        ("upi://pay?pa=x@upi&pn=S&pa=y@upi", "twice"),
        ("upi://pay?pa=x@upi&pn=S&cu=USD", "INR"),
        ("upi://pay?pa=x@upi&pn=S&am=1.234", "two decimals"),
        ("upi://pay?pa=x@upi&pn=S&mc=12", "4 digits"),
        ("upi://pay?pa=x@upi&pn=S&tr=", "empty"),
        ("upi://pay?pa=x@upi&pn=S&junk", "name=value"),
        ("upi://pay?pa=not-a-vpa&pn=S", "not a UPI address"),
    ],
)
def test_bad_links_are_refused(uri: str, message: str) -> None:
    with pytest.raises(upi.UpiError, match=message):
        upi.parse_uri(uri)


TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)


@given(
    payment=st.builds(
        UpiPayment,
        payee_address=st.from_regex(r"\A[a-z0-9][a-z0-9._-]{0,20}@[a-z][a-z0-9.]{0,10}\Z"),
        payee_name=TEXT.filter(str.strip),
        amount=st.none() | st.integers(1, 10**12),
        reference=st.none() | TEXT,
        note=st.none() | TEXT,
        merchant_code=st.none() | st.from_regex(r"\A[0-9]{4}\Z"),
        transaction_id=st.none() | TEXT,
        url=st.none() | TEXT,
        extra=st.dictionaries(st.sampled_from(["mam", "mode", "orgid", "sign"]), TEXT, max_size=2),
    )
)
def test_build_then_parse_gives_the_same_payment(payment: UpiPayment) -> None:
    uri = upi.build_uri(payment)
    assert uri == urllib.parse.quote(uri, safe=":/?&=@%-._~")  # nothing left unencoded
    assert upi.parse_uri(uri) == payment
