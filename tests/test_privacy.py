"""Personal numbers typed into free text are masked however they are written."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.phones import normalize_phone
from fengqiao.privacy import hide_numbers, mask_numbers


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("电话13812345678", "电话138****5678"),
        ("电话 138 1234 5678", "电话 138****5678"),
        ("138.0013.8000", "138****8000"),
        ("(138)0013-8000", "138****8000"),
        ("（138）0013 8000", "138****8000"),
        ("+86 138-0013-8000", "138****8000"),
        ("0086 13800138000", "138****8000"),
        ("(+86)13800138000", "138****8000"),
        ("8613800138000", "138****8000"),
        ("打138 - 0013 - 8000找我", "打138****8000找我"),
        ("身份证330699199001010014", "身份证330***********0014"),
        ("身份证33069919900101001x", "身份证330***********001X"),
        ("身份证 330699 19900101 0014", "身份证 330***********0014"),
        ("座机0571-8888 8888", "座机0571****8888"),
        ("座机(0571)87654321", "座机0571****4321"),
        ("座机010-12345678", "座机010****5678"),
    ],
)
def test_numbers_are_masked_however_they_are_typed(typed, shown):
    assert mask_numbers(typed) == shown


@pytest.mark.parametrize(
    "text",
    [
        "3号楼502室，20人",
        "价格13,800元，2024-01-15 12:30 见",
        "版本 v1.3.8.0.0.1",
        "银行卡6222021234567890123",  # not a phone or an ID: left to the callers' own rules
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_numbers(text) == text


def test_the_public_form_hides_the_whole_number():
    assert hide_numbers("电话(138)0013-8000，身份证330699199001010014") == "电话***，身份证***"


def _is_mobile(number: str) -> bool:
    try:
        return normalize_phone(number) == "+86" + number
    except ValidationError:
        return False


MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True).filter(_is_mobile)
SEPARATORS = st.sampled_from(["", "", "", " ", "  ", "-", ".", " - ", "\u3000", "－"])
COUNTRY = st.sampled_from(["", "+86", "0086", "86", "(+86)", "（+86）", "+86 ", "0086-"])
# What people write around a number: words and punctuation, no digits next to it.
AROUND = st.lists(
    st.sampled_from([*"电话打我找在王某，。：:!？ \n", "call ", "tel:"]), max_size=6
).map("".join)


@st.composite
def written_mobiles(draw) -> tuple[str, str]:
    """(a valid mobile, that mobile as someone might type it)."""
    number = draw(MOBILES)
    digits = list(number)
    if draw(st.booleans()):
        opening, closing = draw(st.sampled_from([("(", ")"), ("（", "）")]))
        head = opening + "".join(digits[:3]) + closing
        rest = digits[3:]
    else:
        head, rest = digits[0], digits[1:]
    typed = head
    for digit in rest:
        typed += draw(SEPARATORS) + digit
    return number, draw(COUNTRY) + typed


@given(before=AROUND, written=written_mobiles(), after=AROUND)
def test_any_formatting_of_a_valid_mobile_is_masked(before, written, after):
    number, typed = written
    shown = mask_numbers(before + typed + after)
    assert shown == f"{before}{number[:3]}****{number[-4:]}{after}"
    assert number not in re.sub(r"\D", "", shown)
