"""Personal numbers typed into messages, masked for viewers who are not staff: a neighbour
who posts a phone number or an ID number should not hand it to the whole group."""

from __future__ import annotations

import re

from fengqiao.identity import mask_id_number

# An 18-character ID number (or a legacy 15-digit one), not inside a longer run of digits.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# A mainland mobile, with or without +86 and with spaces or dashes between the groups.
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
# A landline with its area code: 0571-87654321, 0571 8765 4321.
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[\s-]?(\d{3,4})[\s-]?(\d{4})(?!\d)")


def mask_numbers(text: str) -> str:
    """``text`` with ID numbers shown as 330***********0014 and phone numbers as
    138****5678 / 0571****4321."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1).upper()), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
