"""Unified social credit codes (统一社会信用代码, GB 32100-2015): checked and normalised.

18 characters from 31 (digits and capitals without I, O, Z, S, V): the registering
authority, the kind of body, the six-digit division code of where it registered, the nine
characters of its organisation code, and a check character (MOD 31). Like ID numbers, the
division is not looked up: codes keep the division they were issued in.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The MOD 31 check character of the first 17 characters (GB 32100-2015 §5)."""
    total = sum(CHARACTERS.index(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CHARACTERS[(31 - total % 31) % 31]


def normalize_credit_code(text: str) -> str:
    """The code in capitals without spaces ("" for blank). Raises ValidationError saying
    which part is wrong: length, a character the standard does not use, the division
    digits, the check character."""
    value = "".join((text or "").split()).upper()
    if not value:
        return ""
    if len(value) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位（现为 %(n)d 位）") % {"n": len(value)},
            code="credit_code_length",
        )
    wrong = sorted({c for c in value if c not in CHARACTERS})
    if wrong:
        raise ValidationError(
            _("统一社会信用代码中不能有字符 %(chars)s（不使用 I、O、Z、S、V）")
            % {"chars": "、".join(wrong)},
            code="credit_code_character",
        )
    if not value[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码第 3–8 位应为登记管理机关行政区划码（6 位数字）"),
            code="credit_code_division",
        )
    if check_character(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位错误，请核对"), code="credit_code_check")
    return value
