"""kiosk.admin.messages: every sentence admin mode says is a key and its values, and every key
kiosk.admin uses is one of MESSAGES; the English rendering is what logs and the CLI show.

The source of kiosk/admin is read (ast) so that a branch no test reaches still cannot build an
AdminError from a ready-made English string, nor name a key MESSAGES does not have."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kiosk.admin
from kiosk.admin import errors
from kiosk.admin.errors import AdminError, InvalidInputError, NotAllowedError, PinError
from kiosk.admin.lower import parse_cash
from kiosk.admin.messages import CARD_ERRORS, MESSAGES, REMOVED_WHILE, card_sentence, say, word
from kiosk.admin.roles import Action, StaffRole
from kiosk.db.models import CardRole, CardStatus
from kiosk.tariffs.model import Utility
from kiosk.topup.states import OrderState
from meters.base import RelayState

ADMIN = Path(kiosk.admin.__file__).parent
ERROR_CLASSES = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, AdminError)
}
#: the helpers that make a Sentence (their first argument is a key or a family)
SENTENCE_MAKERS = {"say", "word", "both", "card_sentence", "tariff_sentence", "_amount_sentence"}


def _calls(path: Path) -> list[ast.Call]:
    return [
        n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Call)
    ]


def _name(call: ast.Call) -> str:
    func = call.func
    return (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )


def _sources() -> list[Path]:
    return sorted(p for p in ADMIN.glob("*.py") if p.name != "messages.py")


def test_kiosk_admin_never_raises_a_ready_made_english_sentence():
    plain = []
    for path in _sources():
        for call in _calls(path):
            if _name(call) in ERROR_CLASSES - {"NotAllowedError", "PinError", "LockedError"}:
                first = call.args[0] if call.args else None
                made = isinstance(first, ast.Call) and _name(first) in SENTENCE_MAKERS
                keyed = isinstance(first, ast.Name)  # a Sentence made just before
                if not (made or keyed):
                    plain.append(f"{path.name}:{call.lineno}")
    assert plain == [], f"an AdminError built from a string, not a Sentence: {plain}"


def test_every_key_kiosk_admin_names_is_in_messages():
    unknown = []
    for path in [*_sources(), ADMIN / "messages.py"]:
        for call in _calls(path):
            literal = call.args[0] if call.args else None
            named = _name(call) == "say" and isinstance(literal, ast.Constant)
            if named and literal.value not in MESSAGES:
                unknown.append(f"{path.name}:{call.lineno} {literal.value!r}")
    assert unknown == []
    assert set(CARD_ERRORS.values()) | set(REMOVED_WHILE.values()) <= set(MESSAGES)


@pytest.mark.parametrize(
    ("family", "values"),
    [
        ("role", [r.value for r in CardRole]),
        ("status", [s.value for s in CardStatus]),
        ("state", [s.value for s in OrderState]),
        ("utility", [u.value for u in Utility]),
        ("relay", [r.value for r in RelayState]),
        ("action", [a.value for a in Action]),
    ],
)
def test_every_stored_value_of_a_family_has_its_word(family, values):
    for value in values:
        assert word(family, value).key in MESSAGES


def test_every_template_formats_with_its_placeholders():
    import string

    for key, template in MESSAGES.items():
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f]
        sentence = say(key, **{name: f"<{name}>" for name in names})
        assert all(f"<{name}>" in sentence.text for name in names), key


def test_a_sentence_renders_in_english_with_nested_sentences():
    refused = NotAllowedError(Action.SET_PIN.value, StaffRole.OPERATOR.value)
    assert refused.message == "An operator cannot set pin: ask a manager."
    assert refused.sentence is not None and refused.sentence.key == "not_allowed_operator"
    assert refused.sentence.args["action"] == say("action_set_pin")
    assert str(PinError(1)) == "Wrong PIN. 1 attempt left before admin mode locks."
    assert PinError(3).sentence == say("wrong_pin", n="3")


def test_a_plain_string_error_of_the_command_line_has_no_sentence():
    exc = InvalidInputError("The two PINs differ: nothing was changed.")
    assert exc.sentence is None and exc.message == "The two PINs differ: nothing was changed."


def test_a_card_problem_is_said_by_cardlibs_code():
    assert card_sentence("no_card").text.startswith("No card on the reader")
    assert card_sentence("card_removed", "it was being issued").key == "removed_while_issuing"
    assert card_sentence("something_new").key == "card_error"


@pytest.mark.parametrize(
    ("typed", "key", "english"),
    [
        ("1.255", "amount_too_many_decimals", "'1.255' has more than 2 decimal places."),
        ("0", "amount_not_positive", "The amount must be more than zero."),
        ("abc", "amount_not_number", "'abc' is not an amount."),
    ],
)
def test_a_typed_cash_amount_is_refused_in_admin_words(typed, key, english):
    with pytest.raises(InvalidInputError) as caught:
        parse_cash(typed, 156)
    assert caught.value.sentence is not None and caught.value.sentence.key == key
    assert caught.value.message == english and caught.value.code == "bad_amount"
    assert parse_cash("25.5", 156) == 2550
