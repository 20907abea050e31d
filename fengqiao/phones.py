"""Phone numbers as people type them, stored as E.164 (+8613812345678).

Mainland mobiles are 11 digits starting 1[3-9]; landlines are 0 + area code + 7–8 digits;
both may carry +86 / 0086. Service numbers (110, 12345 …) are not personal numbers and are
refused where a person's phone is asked for (domain-notes §4.4).
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s\-()（）.]")
_MAINLAND_MOBILE = re.compile(r"(?:\+86)?(1[0-9]{10})")


@functools.cache
def _mobile_pattern() -> re.Pattern:
    """The numbers libphonenumber counts as mainland mobiles, from its own metadata."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    return re.compile(metadata.mobile.national_number_pattern)


def normalize_phone(text: str) -> str:
    """The E.164 form of a mainland mobile or landline number; "" for blank input.

    Raises ValidationError with a message that says what a valid number looks like.
    """
    raw = _SEPARATORS.sub("", text or "")
    if not raw:
        return ""
    if raw.isdigit() and len(raw) <= 6:
        raise ValidationError(
            _("“%(text)s”是服务号码，不是个人电话") % {"text": text}, code="service_number"
        )
    if raw.startswith("0086"):
        raw = "+86" + raw[4:]
    mobile = _MAINLAND_MOBILE.fullmatch(raw)
    if mobile and _mobile_pattern().fullmatch(mobile[1]):
        # Most numbers typed are mobiles: a bulk import spends most of its checking in
        # ``phonenumbers.parse`` otherwise, for the same answer.
        return "+86" + mobile[1]
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _(
                "电话号码“%(text)s”格式不正确：手机号为 11 位（如 138 1234 5678），"
                "固定电话需带区号（如 0575-8512 3456）"
            )
            % {"text": text},
            code="invalid_phone",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
