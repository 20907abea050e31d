"""Pure decisions of anti-fraud work: the months a figures page covers, and what amounts
look like. No database.

The analytics module has its own periods, but nothing in a work module may import it
(DESIGN.md §2), so the few lines a month picker needs live here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Figures pages cover at most this many months at once (a year and a bit).
MAX_MONTHS = 24
# Amounts (yuan, two decimals) fit the models' DecimalField(max_digits=12).
MAX_AMOUNT = Decimal("9999999999.99")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before) ``month``'s."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(text: str | None) -> dt.date | None:
    """``2026-09`` as the first of that month; None for blank or unreadable text."""
    match = _MONTH.match((text or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


@dataclass(frozen=True)
class MonthSpan:
    """Whole months from ``first`` to ``last`` (firsts of months, both included)."""

    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.date:
        return self.first

    @property
    def end(self) -> dt.date:
        """The last day of the last month."""
        return add_months(self.last, 1) - dt.timedelta(days=1)

    @property
    def months(self) -> list[dt.date]:
        months, month = [], self.first
        while month <= self.last:
            months.append(month)
            month = add_months(month, 1)
        return months

    def param(self, month: dt.date) -> str:
        return month.strftime("%Y-%m")


def month_span(first: str | None, last: str | None, *, today: dt.date) -> MonthSpan:
    """The months a page asked for (``?from=YYYY-MM&to=YYYY-MM``), made sensible: a missing
    end is this month, a missing start the same month as the end, the two swapped when
    reversed, nothing after this month, and at most ``MAX_MONTHS`` ending at the end."""
    this_month = first_of_month(today)
    end = min(parse_month(last) or this_month, this_month)
    start = min(parse_month(first) or end, this_month)
    if start > end:
        start, end = end, start
    start = max(start, add_months(end, -(MAX_MONTHS - 1)))
    return MonthSpan(first=start, last=end)


def parse_amount(value) -> Decimal | None:
    """A yuan amount as typed (``35000``, ``35,000.00``, ``¥35000``) or given, as a
    Decimal; None when it is not a number. Blank is zero."""
    if isinstance(value, Decimal):
        return value
    if value is None:
        return Decimal("0")
    if isinstance(value, (int, float)):
        value = str(value)
    text = str(value).strip().replace(",", "").replace("，", "").lstrip("¥￥")
    if not text:
        return Decimal("0")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def amount_problem(amount: Decimal | None) -> str | None:
    """What is wrong with an amount, as a code: ``not_a_number``, ``negative``,
    ``too_precise`` (more than two decimals), ``too_large``; None when it is fine."""
    if amount is None:
        return "not_a_number"
    if amount < 0:
        return "negative"
    if amount != amount.quantize(Decimal("0.01")):
        return "too_precise"
    if amount > MAX_AMOUNT:
        return "too_large"
    return None


def yuan(amount) -> str:
    """An amount as shown: thousands grouped, two decimals (``35,000.00``)."""
    amount = parse_amount(amount)
    return "—" if amount is None else f"{amount.quantize(Decimal('0.01')):,}"
