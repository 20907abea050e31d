"""Masking of personal numbers for people whose role does not need the full value: one
stored number (``mask_phone``), or every number typed into free text (``mask_numbers``)."""

from __future__ import annotations

import re

import phonenumbers

from fengqiao.identity import mask_id_number


def mask_phone(phone: str) -> str:
    """138****5678 for a mainland mobile; otherwise keep the first 3 and last 4 digits."""
    if not phone:
        return ""
    if len(phone) == 14 and phone.startswith("+861") and phone[1:].isdigit():
        # The stored form of a mainland mobile: no need to parse it (bulk imports mask many).
        return f"{phone[3:6]}****{phone[-4:]}"
    digits = "".join(ch for ch in phone if ch.isdigit())
    try:
        parsed = phonenumbers.parse(phone, "CN")
        digits = str(parsed.national_number)
    except phonenumbers.NumberParseException:
        pass
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def display_phone(phone: str) -> str:
    """A stored E.164 number as people read it: 138 1234 5678, or the national format."""
    if not phone:
        return ""
    try:
        parsed = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        return phone
    if parsed.country_code == 86:
        national = str(parsed.national_number)
        if len(national) == 11 and national.startswith("1"):
            return f"{national[:3]} {national[3:7]} {national[7:]}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


# --- numbers typed into free text ------------------------------------------------------------

# Between the digits of a typed number: a space or two, or a dash or dot with a space either
# side at most ("138 0013 8000", "138-0013-8000", "138.0013.8000", "138 - 0013 - 8000").
_SEP = r"(?:[ \t\u00a0\u3000]?[-.·–—－．][ \t\u00a0\u3000]?|[ \t\u00a0\u3000]{1,2})?"
_OPEN, _CLOSE = r"[(（]", r"[)）]"
# A country code before a mainland number: +86, 0086, 86, (+86), （86）.
_COUNTRY = rf"(?:(?:\+|00)?86|{_OPEN}(?:\+|00)?86{_CLOSE})"
# An 18-character ID number (or a legacy 15-digit one), possibly typed 6-8-4, not inside a
# longer run of letters or digits. Address codes start 1–8, so 0086… is a phone, not an ID.
_ID_NUMBER = re.compile(
    rf"(?<![0-9A-Za-z])([1-9]\d{{5}}{_SEP}\d{{8}}{_SEP}\d{{3}}[\dXx]|[1-9]\d{{14}})(?![0-9A-Za-z])"
)
# A mainland mobile: 1[3-9] and nine more digits, the first three perhaps in parentheses,
# with separators anywhere between the digits and a country code in front.
_MOBILE = re.compile(
    rf"(?<!\d)(?:{_COUNTRY}{_SEP})?"
    rf"(?:{_OPEN}{_SEP}(1[3-9]\d){_SEP}{_CLOSE}|(1{_SEP}[3-9]{_SEP}\d))"
    rf"((?:{_SEP}\d){{8}})(?![\d])"
)
# A landline with its area code (010, 0571 …), perhaps in parentheses, then 7–8 digits.
_LANDLINE = re.compile(
    rf"(?<!\d)(?:{_OPEN}(0\d{{2,3}}){_CLOSE}|(0\d{{2,3}})){_SEP}(\d(?:{_SEP}\d){{6,7}})(?!\d)"
)
_NOT_DIGIT = re.compile(r"\D")


def _digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


def _masked_mobile(match: re.Match) -> str:
    prefix = _digits(match.group(1) or match.group(2))
    return f"{prefix}****{_digits(match.group(3))[-4:]}"


def _masked_landline(match: re.Match) -> str:
    return f"{match.group(1) or match.group(2)}****{_digits(match.group(3))[-4:]}"


def _masked_id(match: re.Match) -> str:
    typed = match.group(1)
    return mask_id_number(_digits(typed[:-1]) + typed[-1].upper())


def mask_numbers(text: str) -> str:
    """``text`` with every personal number typed in it masked: ID numbers as
    330***********0014, mobiles as 138****5678 (however they were spaced, bracketed or
    prefixed with +86), landlines as 0571****4321. For messages, notes and narratives shown
    to people who may not see the numbers."""
    if not text:
        return text
    text = _ID_NUMBER.sub(_masked_id, text)
    text = _MOBILE.sub(_masked_mobile, text)
    return _LANDLINE.sub(_masked_landline, text)


def hide_numbers(text: str, mark: str = "***") -> str:
    """``text`` with every personal number typed in it replaced by ``mark``: for what the
    public sees, where not even a masked number belongs."""
    if not text:
        return text
    for pattern in (_ID_NUMBER, _MOBILE, _LANDLINE):
        text = pattern.sub(mark, text)
    return text
