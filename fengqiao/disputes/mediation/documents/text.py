"""User text and numbers as the documents print them: escaped markup, dates, Chinese
numerals, amounts in figures and in financial capitals.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CN_DIGITS = "零一二三四五六七八九"
# Filled in by hand on paper; underscores because Paragraph collapses runs of spaces.
_BLANK_DATE = "____年__月__日"


def _markup(text: object) -> str:
    """User text made safe for Paragraph's mini-markup, keeping the writer's line breaks."""
    if text is None:
        return ""
    cleaned = _CONTROL.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return escape(cleaned).replace("\n", "<br/>")


def _date(value: dt.date | None) -> str:
    if value is None:
        return ""
    text = f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, dt.datetime):
        text += f" {value.hour:02d}:{value.minute:02d}"
    return text


def _names(names: Sequence[str]) -> str:
    return "、".join(n for n in names if n)


def _cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一; numbering of terms and sessions (below 100)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _group_capitals(group: int) -> str:
    out, zero = "", False
    for power, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = group // power % 10
        if digit == 0:
            zero = bool(out)
            continue
        out += ("零" if zero else "") + _DIGITS[digit] + unit
        zero = False
    return out


def rmb_capitals(amount: Decimal) -> str:
    """Amount in Chinese financial capitals, e.g. 10005.5 → 壹万零伍元伍角整.

    Money in an agreement is written both ways so a figure cannot be altered unnoticed.
    Supports 0 ≤ amount < 10^12; rounds half up to the fen.
    """
    cents = int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if cents < 0 or cents >= 10**14:
        raise ValueError(f"金额 {amount} 超出可用大写书写的范围")
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    out, pending_zero = "", False
    for unit, group in (("亿", yuan // 10**8), ("万", yuan // 10**4 % 10**4), ("", yuan % 10**4)):
        if group == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or group < 1000):
            out += "零"
        out += _group_capitals(group) + unit
        pending_zero = False
    if yuan:
        out += "元"
    if jiao:
        out += _DIGITS[jiao] + "角"
    if fen:
        out += ("零" if yuan and not jiao else "") + _DIGITS[fen] + "分"
    if not cents:
        return "零元整"
    return out if fen else out + "整"


def _amount(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    figures = f"{Decimal(amount).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    try:
        return f"人民币 {figures} 元（大写：{rmb_capitals(amount)}）"
    except ValueError:
        return f"人民币 {figures} 元"
