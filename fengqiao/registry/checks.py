"""Field checks shared by the forms, the services and the bulk import, so a row in a
spreadsheet is refused for exactly the reasons a form would be.

Each check takes raw text and returns the stored value or raises ValidationError with a
message that says what to fix.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import identity
from fengqiao.phones import normalize_phone

NAME_MAX = 50

# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the last is a check.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def person_name(text: str) -> str:
    value = " ".join((text or "").split())
    if not value:
        raise ValidationError(_("请填写姓名"), code="required")
    if len(value) > NAME_MAX:
        raise ValidationError(_("姓名不能超过 %(max)d 个字") % {"max": NAME_MAX}, code="long")
    if any(ch.isdigit() for ch in value):
        raise ValidationError(_("姓名里不应有数字"), code="digits")
    return value


def document(id_type: str, number: str, *, required: bool = True) -> str:
    value = identity.normalize_document(id_type or "resident_id", number)
    if required and not value:
        raise ValidationError(_("请填写证件号码"), code="required")
    return value


def phone(text: str) -> str:
    return normalize_phone(text)


def date(text: str | dt.date | None, *, label: str, allow_future: bool = False) -> dt.date | None:
    """A date typed as 2024-03-01, 2024/3/1, 2024.3.1 or 2024年3月1日 (blank → None)."""
    if text is None or text == "":
        return None
    if isinstance(text, dt.datetime):
        value = text.date()
    elif isinstance(text, dt.date):
        value = text
    else:
        cleaned = str(text).strip().replace("年", "-").replace("月", "-").rstrip("日")
        cleaned = cleaned.replace("/", "-").replace(".", "-")
        try:
            year, month, day = (int(part) for part in cleaned.split("-"))
            value = dt.date(year, month, day)
        except ValueError:
            raise ValidationError(
                _("%(label)s“%(text)s”不是有效日期，请写成 2024-03-01")
                % {"label": label, "text": text},
                code="date",
            ) from None
    if not allow_future and value > timezone.localdate():
        raise ValidationError(_("%(label)s不能晚于今天") % {"label": label}, code="future")
    if value.year < 1900:
        raise ValidationError(_("%(label)s不合理") % {"label": label}, code="date")
    return value


def credit_code(text: str) -> str:
    """A unified social credit code (GB 32100-2015), checked; "" for blank."""
    value = "".join((text or "").split()).upper()
    if not value:
        return ""
    if len(value) != 18 or any(ch not in _CREDIT_ALPHABET for ch in value):
        raise ValidationError(
            _("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）"),
            code="credit_format",
        )
    if value[17] != credit_check_character(value[:17]):
        raise ValidationError(_("统一社会信用代码校验位错误，请核对"), code="credit_check")
    return value


def credit_check_character(first17: str) -> str:
    """The check character for the first 17 characters (for demo data and tests)."""
    total = sum(
        _CREDIT_ALPHABET.index(ch) * weight
        for ch, weight in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def collect(checks: dict[str, callable]) -> tuple[dict, dict[str, list[str]]]:
    """Run every check; the cleaned values and every field's errors, so a form or a row
    reports all its problems at once."""
    cleaned: dict = {}
    errors: dict[str, list[str]] = {}
    for field, check in checks.items():
        try:
            cleaned[field] = check()
        except ValidationError as error:
            errors[field] = error.messages
    return cleaned, errors
