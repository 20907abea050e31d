"""Masking of personal numbers for people whose role does not need the full value."""

from __future__ import annotations

import phonenumbers


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
