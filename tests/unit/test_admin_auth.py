"""Signing in to admin mode: staff card and PIN, lockout and its end, every attempt audited (never
the PIN), cards that open nothing, roles, and sessions that end."""

from __future__ import annotations

import contextlib
import json

import pytest

from kiosk.admin import (
    LockedError,
    LoginRefusedError,
    NotAllowedError,
    PinError,
    SessionExpiredError,
    WeakPinError,
    check_pin,
)
from kiosk.admin.errors import CardProblemError
from kiosk.db.models import Staff
from tests import cards
from tests.unit.test_admin_env import (
    MANAGER,
    OPERATOR,
    PINS,
    WALLET_REQUEST,
    admin_rig,
)


def test_the_right_pin_opens_a_session(tmp_path):
    with admin_rig(tmp_path) as rig:
        rig.put(rig.staff_cards[MANAGER])
        session = rig.admin.login(PINS[MANAGER])
        assert session.staff_id == MANAGER and session.role.value == "manager"
        assert rig.admin.is_live(session)
        ok = rig.audit("login_ok")[-1]
        assert ok.actor == "staff:1" and ok.subject == rig.staff_cards[MANAGER].uid.hex()


def test_a_wrong_pin_says_how_many_attempts_are_left(tmp_path):
    with admin_rig(tmp_path) as rig:
        rig.put(rig.staff_cards[MANAGER])
        with pytest.raises(PinError, match="Wrong PIN. 4 attempts left") as caught:
            rig.admin.login("9999")
        assert caught.value.attempts_left == 4 and caught.value.code == "wrong_pin"
        failed = rig.audit("login_failed")[-1]
        assert failed.actor == "staff:1" and failed.detail == {
            "reason": "wrong_pin",
            "attempts_left": 4,
        }


def test_five_wrong_pins_lock_the_staff_member_out_for_fifteen_minutes(tmp_path):
    with admin_rig(tmp_path) as rig:
        rig.put(rig.staff_cards[MANAGER])
        for left in (4, 3, 2, 1):
            with pytest.raises(PinError) as caught:
                rig.admin.login("0001")
            assert caught.value.attempts_left == left
        with pytest.raises(LockedError, match="locked for this card until") as locked:
            rig.admin.login("0001")
        assert locked.value.until == rig.clock.now + rig.admin.auth.policy.lockout
        # while locked, even the right PIN is refused (and not checked)
        rig.clock.advance(minutes=14, seconds=59)
        with pytest.raises(LockedError):
            rig.admin.login(PINS[MANAGER])
        # the other staff member is not locked
        assert rig.login(OPERATOR).staff_id == OPERATOR
        rig.clock.advance(seconds=2)
        rig.put(rig.staff_cards[MANAGER])
        assert rig.admin.login(PINS[MANAGER]).staff_id == MANAGER
        with rig.db.session() as s:
            staff = s.get(Staff, MANAGER)
            assert (staff.failed_attempts, staff.locked_until) == (0, None)


def test_after_a_lockout_ends_the_count_starts_again(tmp_path):
    with admin_rig(tmp_path) as rig:
        rig.put(rig.staff_cards[MANAGER])
        for _ in range(4):
            with pytest.raises(PinError):
                rig.admin.login("0001")
        with pytest.raises(LockedError):
            rig.admin.login("0001")
        rig.clock.advance(minutes=16)
        with pytest.raises(PinError) as caught:
            rig.admin.login("0001")
        assert caught.value.attempts_left == 4


def test_a_right_pin_resets_the_count(tmp_path):
    with admin_rig(tmp_path) as rig:
        rig.put(rig.staff_cards[MANAGER])
        for _ in range(4):
            with pytest.raises(PinError):
                rig.admin.login("0001")
        rig.admin.login(PINS[MANAGER])
        with pytest.raises(PinError) as caught:
            rig.admin.login("0001")
        assert caught.value.attempts_left == 4


def test_every_attempt_is_audited_and_no_pin_is_ever_written(tmp_path):
    with admin_rig(tmp_path) as rig:
        stranger = cards.ntag213()
        manager = rig.login(MANAGER)
        rig.put(stranger)
        rig.admin.issue_card(manager, WALLET_REQUEST)  # a tenant's card now
        before = len(rig.audit())
        rig.put(rig.staff_cards[OPERATOR])
        attempts = ["1111", PINS[OPERATOR], "8080", "1357"]
        for pin in attempts:
            with contextlib.suppress(PinError):
                rig.admin.login(pin)
        rig.put(stranger)
        with pytest.raises(LoginRefusedError, match="not a staff card"):
            rig.admin.login("4682")
        rig.put(cards.classic_4k())  # blank: not even readable as a card of this site
        with pytest.raises(CardProblemError, match="not been issued"):
            rig.admin.login("4682")
        entries = rig.audit()[before:]
        login_entries = [e for e in entries if e.action.startswith("login")]
        assert [e.action for e in login_entries] == [
            "login_failed",
            "login_ok",
            "login_failed",
            "login_failed",
            "login_failed",
            "login_failed",
        ]
        assert login_entries[-2].actor == f"card:{stranger.uid.hex()}"
        assert login_entries[-2].detail == {"reason": "not_staff_card"}
        assert login_entries[-1].actor == "reader"
        dumped = json.dumps([[e.actor, e.subject, e.detail] for e in rig.audit()])
        for pin in [*attempts, "4682", *PINS.values()]:
            assert pin not in dumped


def test_a_blocked_staff_card_and_an_inactive_staff_member_open_nothing(tmp_path):
    with admin_rig(tmp_path) as rig:
        manager = rig.login(MANAGER)
        operator_card = rig.staff_cards[OPERATOR].uid.hex()
        rig.admin.block_card(manager, operator_card, "left on the bus")
        rig.put(rig.staff_cards[OPERATOR])
        with pytest.raises(LoginRefusedError, match="blocked"):
            rig.admin.login(PINS[OPERATOR])
        with rig.db.session() as s:
            s.get(Staff, MANAGER).active = False
        rig.put(rig.staff_cards[MANAGER])
        with pytest.raises(LoginRefusedError, match="no longer active"):
            rig.admin.login(PINS[MANAGER])
        reasons = [e.detail["reason"] for e in rig.audit("login_failed")]
        assert reasons[-2:] == ["card_blocked", "staff_inactive"]


def test_a_staff_member_without_a_pin_is_told_how_to_set_one(tmp_path):
    with admin_rig(tmp_path) as rig:
        with rig.db.session() as s:
            s.get(Staff, OPERATOR).pin_hash = ""
        rig.put(rig.staff_cards[OPERATOR])
        with pytest.raises(LoginRefusedError, match="staff pin --id 2") as caught:
            rig.admin.login("")
        assert caught.value.code == "no_pin"


def test_no_card_on_the_reader_is_said(tmp_path):
    with admin_rig(tmp_path) as rig:
        with pytest.raises(CardProblemError, match="No card on the reader") as caught:
            rig.admin.login(PINS[MANAGER])
        assert caught.value.code == "no_card"


def test_pins_are_stored_as_argon2id_hashes(tmp_path):
    with admin_rig(tmp_path) as rig, rig.db.session() as s:
        stored = s.get(Staff, MANAGER).pin_hash
        assert stored.startswith("$argon2id$") and PINS[MANAGER] not in stored


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("123", "4 to 8 digits"),
        ("123456789", "4 to 8 digits"),
        ("12a4", "4 to 8 digits"),
        ("１２３４５", "4 to 8 digits"),  # full-width digits are not keypad digits
        ("0000", "one digit repeated"),
        ("77777777", "one digit repeated"),
        ("1234", "consecutive digits"),
        ("98765", "consecutive digits"),
        ("7890", "consecutive digits"),
        ("1212", "one pair repeated"),
        ("909090", "one pair repeated"),
        ("2580", "pattern on the keypad"),
    ],
)
def test_easy_or_malformed_pins_are_refused_with_the_reason(pin, message):
    with pytest.raises(WeakPinError, match=message):
        check_pin(pin)


def test_a_pin_is_changed_by_its_owner_or_a_manager_only(tmp_path):
    with admin_rig(tmp_path) as rig:
        operator = rig.login(OPERATOR)
        with pytest.raises(WeakPinError):
            rig.admin.set_pin(operator, "4444")
        rig.admin.set_pin(operator, "6093")
        with pytest.raises(NotAllowedError, match="An operator cannot set pin"):
            rig.admin.set_pin(operator, "6093", staff_id=MANAGER)
        manager = rig.login(MANAGER)
        rig.admin.set_pin(manager, "4816", staff_id=OPERATOR)
        rig.put(rig.staff_cards[OPERATOR])
        with pytest.raises(PinError):
            rig.admin.login("6093")
        assert rig.admin.login("4816").staff_id == OPERATOR
        assert [e.actor for e in rig.audit("pin_set")][-2:] == ["staff:2", "staff:1"]


def test_an_operator_is_refused_manager_actions_and_the_refusal_is_audited(tmp_path):
    with admin_rig(tmp_path) as rig:
        operator = rig.login(OPERATOR)
        with pytest.raises(NotAllowedError, match="An operator cannot refund: ask a manager"):
            rig.admin.refund(operator, 1, "tenant asked")
        with pytest.raises(NotAllowedError, match="cannot day end"):
            rig.admin.day_end(operator)
        with pytest.raises(NotAllowedError):
            rig.admin.publish_tariff(operator, "{}")
        refused = rig.audit("not_allowed")
        assert [(e.actor, e.subject) for e in refused] == [
            ("staff:2", "refund"),
            ("staff:2", "day_end"),
            ("staff:2", "publish_tariff"),
        ]
        # what operators are for works
        assert rig.admin.hardware_check(operator)
        assert rig.admin.audit_log(operator, limit=5)


def test_a_session_left_idle_expires_and_says_so(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        rig.clock.advance(minutes=4, seconds=59)
        rig.admin.sync_status(session)  # used: the idle time starts again
        rig.clock.advance(minutes=4, seconds=59)
        rig.admin.sync_status(session)
        rig.clock.advance(minutes=5, seconds=1)
        assert not rig.admin.is_live(session)
        with pytest.raises(SessionExpiredError, match="Signed out after 5 minutes"):
            rig.admin.sync_status(session)
        with pytest.raises(SessionExpiredError, match="signed out"):
            rig.admin.sync_status(session)  # and stays ended
        assert rig.audit("session_expired")[-1].actor == "staff:2"


def test_logout_ends_the_session(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        rig.admin.logout(session)
        rig.admin.logout(session)  # twice is harmless
        with pytest.raises(SessionExpiredError):
            rig.admin.x_report(session)
        assert len(rig.audit("logout")) == 1


def test_deactivating_a_staff_member_ends_their_session(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        with rig.db.session() as s:
            s.get(Staff, OPERATOR).active = False
        with pytest.raises(SessionExpiredError, match="no longer active"):
            rig.admin.hardware_check(session)


def test_a_role_changed_meanwhile_applies_at_the_next_action(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        with rig.db.session() as s:
            s.get(Staff, OPERATOR).role = "manager"
        assert rig.admin.x_report(session).kind == "X"
