"""QR images decode, with zbar (Debian zbar-tools), to exactly the payload they were drawn from."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.payments import pix, promptpay, qr_image, upi

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EMVCO_SPEC_EXAMPLE = (  # has UTF-8 (Chinese) in template 64
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678"
    "520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京"
    "540523.7253031565502016233030412340603***0708A60086670902ME"
    "91320016A0112233449988770708123456786304A13A"
)
PAYLOADS = [
    EMVCO_SPEC_EXAMPLE,
    pix.dynamic_payload("https://pix.example.com/8b3da2f39a4140d1a91abd93113bd441", "Kiosk", "RIO"),
    promptpay.transfer_payload("0801234567", 15000),
    upi.build_uri(upi.UpiPayment("kiosk@okhdfcbank", "Lobby Kiosk", amount=25050, reference="K1")),
    "1234567890",  # numeric mode only
    "HTTPS://EXAMPLE.COM/PAY",  # alphanumeric mode only
]


def zbar_decode(png: bytes) -> bytes:
    """The raw bytes zbarimg reads from ``png`` (no charset guessing: -Sbinary)."""
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.fail("zbarimg not found: install the Debian package zbar-tools")
    result = subprocess.run(
        [zbarimg, "--quiet", "--nodbus", "--raw", "-Sbinary", "-"],
        input=png,
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 0, f"zbarimg found no code: {result.stderr!r}"
    return result.stdout


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendered_code_decodes_to_exactly_the_payload(payload: str) -> None:
    png = qr_image.render_png(payload)
    assert png.startswith(PNG_SIGNATURE)
    assert zbar_decode(png) == payload.encode("utf-8")


@pytest.mark.parametrize("target_px", [300, 720, 1000])
def test_image_fits_the_target_with_whole_pixels_per_module(target_px: int) -> None:
    payload = PAYLOADS[1]
    image = qr_image.render_image(payload, target_px)
    modules = qr_image.matrix(payload).size
    assert image.width == image.height <= target_px
    assert image.width % modules == 0  # every module is the same whole number of pixels
    assert image.width // modules == target_px // modules  # and as large as fits
    assert zbar_decode(qr_image.render_png(payload, target_px)) == payload.encode()


def test_default_size_is_large_on_a_1080_wide_screen() -> None:
    image = qr_image.render_image(PAYLOADS[0])
    assert 0.5 * 1080 <= image.width <= qr_image.DEFAULT_TARGET_PX


def test_matrix_has_the_quiet_zone_and_the_version_size() -> None:
    code = qr_image.matrix(PAYLOADS[2])
    quiet = qr_image.QUIET_ZONE_MODULES
    assert code.size == 17 + 4 * code.version + 2 * quiet  # ISO/IEC 18004 symbol size
    assert not any(any(row) for row in code.rows[:quiet] + code.rows[-quiet:])
    assert not any(any(row[:quiet]) or any(row[-quiet:]) for row in code.rows)
    assert all(code.rows[quiet][quiet : quiet + 7])  # top edge of the finder pattern


def test_matrix_matches_the_image() -> None:
    payload = PAYLOADS[3]
    code = qr_image.matrix(payload)
    image = qr_image.render_image(payload, 500).convert("L")
    box = image.width // code.size
    for y, row in enumerate(code.rows):
        for x, dark in enumerate(row):
            pixel = image.getpixel((x * box + box // 2, y * box + box // 2))
            assert (pixel == 0) == dark


def test_target_too_small_is_refused() -> None:
    with pytest.raises(qr_image.QrImageError, match="px"):
        qr_image.render_image(PAYLOADS[0], 100)


def test_empty_payload_is_refused() -> None:
    with pytest.raises(qr_image.QrImageError, match="empty"):
        qr_image.render_png("")


@settings(max_examples=25, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=200))
def test_any_text_survives_render_and_decode(payload: str) -> None:
    assert zbar_decode(qr_image.render_png(payload)).decode("utf-8") == payload
