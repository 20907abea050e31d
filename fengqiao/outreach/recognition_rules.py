"""The points rules of recognition (积分): what counts, how much, and the monthly caps.

Pure: plain values in, plain values out, no database. Points are computed from evidence
other modules recorded (a verification by someone else, a conversion by an officer, a
visit or check-in the phone stamped), never from a number anyone typed about themselves,
and they are never stored: the same records always give the same points.

Scale: the domain's rule for building heads is one hour of service = 1 point, so 1 point is
about an hour's work; a kind's points say roughly how many hours' worth one piece of
evidence is. Each kind has a monthly cap on the evidence that counts, so nobody climbs the
list by volume (fifty tenant reports of one building, a hundred taps at one point).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    code: str
    points: int  # per piece of evidence
    monthly_cap: int  # pieces of evidence that count in one month; the rest earn nothing
    label: str
    evidence: str  # what counts, in plain words (shown on the page)
    # False while the system does not yet record the confirmation the rule needs; the kind
    # is shown with no points rather than counted from something weaker.
    counted: bool = True


RULES: tuple[Rule, ...] = (
    Rule(
        code="tenant_report_verified",
        points=2,
        monthly_cap=15,
        label=_("租户信息核实"),
        evidence=_(
            "报告的租户入住或搬离，经社区民警核实通过（按核实月份计）。自己报告自己核实的不计分。"
        ),
    ),
    Rule(
        code="message_became_case",
        points=3,
        monthly_cap=10,
        label=_("群消息转为案件"),
        evidence=_(
            "在社区群里反映的问题，由另一名工作人员转为案件登记（重复反映的不计）。"
            "只计给有工作人员身份的发消息人。"
        ),
    ),
    Rule(
        code="sighting_confirmed",
        points=5,
        monthly_cap=5,
        label=_("预警线索被确认"),
        evidence=_(
            "寻人等预警中提供的线索，经另一名工作人员确认属实（按确认月份计）。"
            "仅提交线索不计分；提供线索的人不能确认自己的线索。"
        ),
    ),
    Rule(
        code="visit_met",
        points=1,
        monthly_cap=60,
        label=_("入户走访（见到住户）"),
        evidence=_("走访记录结果为“见到住户”的每一次入户。"),
    ),
    Rule(
        code="visit_nobody_home",
        points=0,
        monthly_cap=0,
        label=_("入户走访（无人在家）"),
        evidence=_(
            "无人在家、拒绝走访或房屋空置的走访只记次数、不计分：站在门口就能登记，无从核实。"
        ),
    ),
    Rule(
        code="patrol_checkin",
        points=1,
        monthly_cap=60,
        label=_("巡逻打卡"),
        evidence=_(
            "在打卡点范围内、巡逻班次时间内的打卡，由手机定位和服务器时间记录。"
            "偏离打卡点或班次外的打卡不计分。"
        ),
    ),
    Rule(
        code="patrol_hazard_found",
        points=2,
        monthly_cap=10,
        label=_("巡逻发现隐患"),
        evidence=_("有效巡逻打卡时发现并上报、进入受理的隐患（另加分）。"),
    ),
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
KINDS: tuple[str, ...] = tuple(rule.code for rule in RULES)


@dataclass(frozen=True)
class KindPoints:
    code: str
    evidence: int  # pieces of evidence found
    counted: int  # of which counted (the cap applied)
    points: int

    @property
    def rule(self) -> Rule:
        return RULES_BY_CODE[self.code]


@dataclass(frozen=True)
class Points:
    kinds: tuple[KindPoints, ...]

    @property
    def total(self) -> int:
        return sum(kind.points for kind in self.kinds)

    @property
    def evidence(self) -> int:
        return sum(kind.evidence for kind in self.kinds)

    def of(self, code: str) -> KindPoints:
        return next(kind for kind in self.kinds if kind.code == code)


def points_for(evidence: Mapping[str, int]) -> Points:
    """One person's points for one month from the evidence counted per kind. Unknown kinds
    are refused (a typo must not silently earn nothing); a kind's count above its cap
    earns the cap's points; a negative count is refused."""
    unknown = set(evidence) - set(RULES_BY_CODE)
    if unknown:
        raise ValueError(f"unknown evidence kinds: {sorted(unknown)}")
    kinds = []
    for rule in RULES:
        found = evidence.get(rule.code, 0)
        if found < 0:
            raise ValueError(f"negative evidence count for {rule.code}")
        counted = min(found, rule.monthly_cap) if rule.counted else 0
        kinds.append(
            KindPoints(
                code=rule.code, evidence=found, counted=counted, points=counted * rule.points
            )
        )
    return Points(kinds=tuple(kinds))


def max_monthly_points() -> int:
    """The most points anyone can earn in one month."""
    return sum(rule.points * rule.monthly_cap for rule in RULES if rule.counted)


@dataclass(frozen=True)
class Ranked:
    rank: int
    key: object
    total: int


def ranking(totals: Mapping[object, tuple[int, str]]) -> list[Ranked]:
    """Rank by total points, highest first; equal totals share a rank (1, 2, 2, 4) and are
    ordered by the second value (a name) so the list is stable. People with no points are
    left out: the list honours work done, it does not shame."""
    ordered = sorted(
        ((key, total, name) for key, (total, name) in totals.items() if total > 0),
        key=lambda row: (-row[1], row[2], str(row[0])),
    )
    ranked: list[Ranked] = []
    for index, (key, total, _name) in enumerate(ordered):
        rank = ranked[-1].rank if ranked and ranked[-1].total == total else index + 1
        ranked.append(Ranked(rank=rank, key=key, total=total))
    return ranked


# --- months (local time) -------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def last_full_month(today: dt.date) -> dt.date:
    """The month before today's: the default list, complete and no longer changing much."""
    return previous_month(today)


def month_bounds(month: dt.date, tz) -> tuple[dt.datetime, dt.datetime]:
    """The local month as [start, end) aware datetimes in ``tz`` (Asia/Shanghai): a visit
    at 23:30 local time on the 31st belongs to that month, not the next one in UTC."""
    start = dt.datetime.combine(month_start(month), dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(next_month(month), dt.time.min, tzinfo=tz)
    return start, end


def months_back(month: dt.date, count: int) -> list[dt.date]:
    """``count`` months ending with ``month``, newest first."""
    months = [month_start(month)]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months


def parse_month(text: str) -> dt.date | None:
    """``YYYY-MM`` as the month's first day, else None."""
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        return None


def month_asked(text: str, today: dt.date) -> dt.date:
    """The month a page or the API asks for (``YYYY-MM``); the last full month when it is
    missing, unreadable or still to come."""
    month = parse_month(text)
    if month is None or month > month_start(today):
        return last_full_month(today)
    return month
