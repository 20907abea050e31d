"""Resident ID numbers (GB 11643-1999): checked, normalised, masked.

The address code is not checked against a county table: numbers never change when a county
is renamed or merged, so a current table would refuse real people (domain-notes §4.1).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(text: str) -> str:
    """The 18-character ID number in upper case ("" for blank); a 15-digit legacy number is
    upgraded. Raises ValidationError saying which part is wrong."""
    value = "".join((text or "").split()).upper()
    if not value:
        return ""
    if len(value) == 15 and value.isdigit():
        first17 = value[:6] + "19" + value[6:]
        value = first17 + check_character(first17)
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise ValidationError(_("身份证号码应为 18 位：17 位数字加 1 位数字或 X"), code="id_length")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期 %(date)s 不存在") % {"date": value[6:14]}, code="id_birth"
        ) from None
    if born > timezone.localdate() or born.year < 1890:
        raise ValidationError(
            _("身份证号码中的出生日期 %(date)s 不合理") % {"date": value[6:14]}, code="id_birth"
        )
    if check_character(value[:17]) != value[17]:
        raise ValidationError(_("身份证号码校验位错误，请核对"), code="id_check")
    return value


def mask_id_number(value: str) -> str:
    """First 3 and last 4 characters shown (domain-notes §4.5): 110***********002X."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
