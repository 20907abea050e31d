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


def birth_date_of(value: str) -> dt.date:
    """The birth date written in a normalised 18-character number."""
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def sex_of(value: str) -> str:
    """Either "male" or "female": the sequence code's last digit is odd for men (GB 11643 §5.3)."""
    return "male" if int(value[16]) % 2 else "female"


# Documents a person may be registered with (GA/T 517 lists more; these are the ones met at
# a police room). The first three carry an 18-character number with the GB 11643 checksum.
ID_TYPES = (
    ("resident_id", "居民身份证", "Resident ID card"),
    ("hmt_residence_permit", "港澳台居民居住证", "HK/Macao/Taiwan residence permit"),
    ("foreign_permanent_id", "外国人永久居留身份证", "Foreign permanent resident ID"),
    ("hmt_travel_permit", "港澳台居民来往内地通行证", "HK/Macao/Taiwan travel permit"),
    ("passport", "护照", "Passport"),
    ("other", "其他证件", "Other document"),
)
CHECKSUMMED_TYPES = ("resident_id", "hmt_residence_permit", "foreign_permanent_id")
_HMT_PREFIXES = ("81", "82", "83")


def normalize_document(id_type: str, text: str) -> str:
    """The document number in its stored form ("" for blank). Raises ValidationError naming
    what is wrong: a checksummed type must pass GB 11643, the others are letters and digits."""
    if id_type not in {code for code, _zh, _en in ID_TYPES}:
        raise ValidationError(_("未知的证件类型“%(type)s”") % {"type": id_type}, code="id_type")
    if id_type in CHECKSUMMED_TYPES:
        value = normalize_id_number(text)
        if id_type == "hmt_residence_permit" and value and value[:2] not in _HMT_PREFIXES:
            raise ValidationError(_("港澳台居民居住证号码应以 81、82 或 83 开头"), code="id_prefix")
        if id_type == "foreign_permanent_id" and value and not value.startswith("9"):
            raise ValidationError(_("外国人永久居留身份证号码应以 9 开头"), code="id_prefix")
        return value
    value = "".join((text or "").split()).upper()
    if value and (not value.isalnum() or not value.isascii() or not 5 <= len(value) <= 20):
        raise ValidationError(_("证件号码应为 5–20 位字母或数字"), code="id_format")
    return value
