"""The indicators of services to the people (服务群众), in the shape of the others
(``indicators.Result``: definition, numerator, denominator, value, 环比 and 同比), read from
the applications through ``services.figures``.

They are not rows of ``indicators.json``: those are sums of the cases' daily facts, each
with a drill-down to cases, and the evaluation and the briefs read all of them. These are
counted from the applications, a cohort by the day an application was made, three queries
for a period with its 环比 and 同比 (one aggregate each). Like the response times they have
a page (``/figures/services/``) and an API section of their own
(``/api/v1/indicators/services/``). The ratios use ``indicators.ratio_value``, the one rule
of every figure: a zero denominator is no value, never 0.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fengqiao.analytics.indicators import Definition, Period, Result, Target, ratio_value
from fengqiao.org.permissions import VIEW_FIGURES
from fengqiao.services import figures
from fengqiao.services.figures import Tally

# Who may read them: the figures, and the applications they are made of.
VIEW_SERVICE_FIGURES = (VIEW_FIGURES, "services.view_application")

DEFINITIONS = {
    d.code: d
    for d in (
        Definition(
            code="service_applications",
            zh="服务申请数",
            en="Service applications",
            unit="count",
            good="none",
            definition_zh="本期提交的户籍及行政服务申请、预约数（各渠道）",
            definition_en="Applications and bookings for household-registration and "
            "administrative services made in the period (every channel)",
            numerator="applications",
        ),
        Definition(
            code="service_on_time_rate",
            zh="服务按时办结率",
            en="Services finished on time",
            unit="percent",
            good="up",
            definition_zh="在办结期限内办结（办理或书面不予办理）的申请数 / 办结的申请数；"
            "等待补正材料的时间不计入期限",
            definition_en="Applications finished (done or refused in writing) by their due "
            "time / applications finished; time waiting for missing materials does not count",
            numerator="on_time",
            denominator="finished",
        ),
        Definition(
            code="service_one_visit_rate",
            zh="一次办结率",
            en="Done in one visit",
            unit="percent",
            good="up",
            definition_zh="从未被要求补正材料即办结的申请数 / 已办结（办理完成）的申请数",
            definition_en="Applications completed without ever being sent away for a missing "
            "material / applications completed",
            numerator="one_visit",
            denominator="completed",
        ),
        Definition(
            code="service_satisfaction_rate",
            zh="服务满意率",
            en="Service satisfaction rate",
            unit="percent",
            good="up",
            definition_zh="申请人本人评价为4或5星（满意、非常满意）的申请数 / 评价的申请数",
            definition_en="Applications the applicants themselves rated 4 or 5 stars / "
            "applications rated",
            numerator="satisfied",
            denominator="rated",
        ),
        Definition(
            code="service_visit_rate",
            zh="上门服务完成率",
            en="Door-to-door visits done",
            unit="percent",
            good="up",
            definition_zh="已上门服务的上门申请数 / 上门服务申请数",
            definition_en="Door-to-door requests visited / door-to-door requests",
            numerator="visited",
            denominator="door",
        ),
    )
}


def _sums(found: Tally) -> dict[str, int]:
    return {name: getattr(found, name) for name in figures.AGGREGATES}


def tally_of(user, target: Target, period: Period) -> Tally:
    """Every count of the applications made in the period in the target's area (one query)."""
    if target.person is not None:
        raise ValidationError({"person": _("服务群众按地区或单位统计，不能按人员统计")})
    start, end = period.bounds()
    return figures.tally(
        figures.applications_for_figures(user, start=start, end=end, region_path=target.path)
    )


def results(user, target: Target, period: Period, *, current: Tally | None = None) -> list[Result]:
    """Each service indicator for the target and period with 环比 and 同比 (``current`` when
    the period's counts are already known)."""
    now = current if current is not None else tally_of(user, target, period)
    before = tally_of(user, target, period.previous())
    last_year = tally_of(user, target, period.last_year())
    return [
        Result(
            definition=definition,
            current=ratio_value(definition, _sums(now)),
            previous=ratio_value(definition, _sums(before)),
            last_year=ratio_value(definition, _sums(last_year)),
        )
        for definition in DEFINITIONS.values()
    ]
