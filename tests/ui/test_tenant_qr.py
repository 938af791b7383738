"""The QR widget the payment and receipt screens use: what it draws decodes (zbar) to exactly its
payload at any size it is given, with whole pixels per module and no grey from smoothing."""

from __future__ import annotations

import pytest

from kiosk.payments.qr_image import MIN_MODULE_PX, QUIET_ZONE_MODULES, matrix
from tests.ui.test_tenant_env import colours, qr_png, zbar
from ui.widgets.qr import QrCode

pytestmark = pytest.mark.gui

PAYLOADS = [
    "http://127.0.0.1:41234/pay/K1-20261124-0123456789",
    # an EMVCo merchant-presented payload with UTF-8 (Chinese) in template 64
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678"
    "520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京"
    "540523.7253031565502016233030412340603***0708A60086670902ME"
    "91320016A0112233449988770708123456786304A13A",
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=["pay-url", "emvco-utf8"])
@pytest.mark.parametrize("side", [250, 517, 900])
def test_the_code_on_screen_decodes_to_exactly_the_payload(qtbot, payload: str, side: int):
    qr = QrCode()
    qtbot.addWidget(qr)
    qr.set_payload(payload)
    qr.resize(side, side + 37)  # not square: the code stays square and centred
    qr.show()
    qtbot.waitExposed(qr)
    modules = matrix(payload).size
    assert qr.modules == modules  # the quiet zone is part of the drawing
    assert qr.module_px() == side // modules >= MIN_MODULE_PX
    assert zbar(qr_png(qr)) == payload
    assert colours(qr) <= {0x000000, 0xFFFFFF}


def test_the_image_has_whole_modules_and_a_white_quiet_zone(qtbot):
    qr = QrCode()
    qtbot.addWidget(qr)
    qr.set_payload(PAYLOADS[0])
    image = qr.image(7)
    assert image.width() == image.height() == qr.modules * 7
    border = QUIET_ZONE_MODULES * 7
    for i in range(image.width()):
        for edge in (0, border - 1, image.width() - border):
            assert image.pixel(i, edge) & 0xFFFFFF == 0xFFFFFF
            assert image.pixel(edge, i) & 0xFFFFFF == 0xFFFFFF
    assert image.pixel(border, border) & 0xFFFFFF == 0x000000  # a finder pattern's corner


def test_no_payload_draws_nothing_and_asks_for_no_room(qtbot):
    qr = QrCode()
    qtbot.addWidget(qr)
    assert qr.modules == 0 and qr.module_px() == 0
    assert qr.minimumSizeHint().isEmpty() or qr.minimumSizeHint().width() == 0
    qr.set_payload(PAYLOADS[0])
    assert qr.minimumSizeHint().width() == qr.modules * MIN_MODULE_PX
    qr.set_payload("")
    assert qr.modules == 0
