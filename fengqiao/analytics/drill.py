"""The cases behind a figure: one indicator's numerator or denominator for a target and a
period, measured by the same rule as the facts (``indicators.drill_down``), so the list and
the figure never disagree. Scoped like every read: a target outside the user's jurisdiction
is a 404, and only cases inside it are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.analytics import indicators
from fengqiao.analytics.dashboard import dashboard_url, drill_parts, parse
from fengqiao.analytics.facts import CaseRecord
from fengqiao.analytics.indicators import DEFINITIONS, Definition, Period, Target
from fengqiao.analytics.sheets import Link, Table
from fengqiao.disputes.models import Case

CHUNK = 2000


@dataclass
class Drill:
    user: object
    target: Target
    period: Period
    definition: Definition
    part: str

    @property
    def part_label(self) -> str:
        return _("分子") if self.part == "numerator" else _("分母")

    @property
    def about(self) -> str:
        return (
            f"{self.definition.name}（{self.part_label}） {self.target.label} "
            f"{self.period.start:%Y-%m-%d} — {self.period.end:%Y-%m-%d}"
        )

    @property
    def dashboard_url(self) -> str:
        return dashboard_url(self.target, self.period)

    @cached_property
    def records(self) -> list[CaseRecord]:
        """The cases, newest first."""
        return indicators.drill_down(
            self.user, self.target, self.period, self.definition.code, part=self.part
        )

    def table(self, records: list[CaseRecord]) -> Table:
        """``records`` as a table: reference (to the case page), title, category, risk,
        level, state and the day received."""
        titles: dict[int, str] = {}
        ids = [r.id for r in records]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            cases = Case.objects.for_user(self.user).filter(pk__in=chunk)
            titles.update(cases.values_list("pk", "title"))
        labels = {kind: _labels(kind) for kind in ("category", "risk", "level", "case_state")}
        table = Table(
            "cases",
            _("案件清单"),
            [_("案件编号"), _("事由"), _("纠纷类别"), _("风险等级"), _("化解层级")]
            + [_("状态"), _("登记日期")],
        )
        for r in records:
            table.rows.append(
                [
                    Link(r.reference, reverse("disputes:case", args=[r.reference])),
                    titles.get(r.id, ""),
                    labels["category"].get(r.category, r.category),
                    labels["risk"].get(r.risk, r.risk),
                    labels["level"].get(r.level, r.level),
                    labels["case_state"].get(r.state, r.state),
                    r.day.isoformat(),
                ]
            )
        return table


def _labels(kind: str) -> dict:
    return {code: str(label) for code, label in taxonomy.choices(kind)}


def for_request(user, params) -> Drill:
    """The drill-down a page's query asks for: ``code``, ``part`` (numerator or denominator),
    ``region``/``unit``, ``from``, ``to``. Bad input raises ``ValidationError`` naming the
    field; an unknown indicator or a target outside the user's jurisdiction 404."""
    errors: dict[str, list] = {}
    code = params.get("code", "")
    part = params.get("part") or "numerator"
    definition = DEFINITIONS.get(code)
    if not code:
        errors["code"] = [_("请选择指标")]
    elif definition is None:
        errors["code"] = [_("没有这个指标：%(code)s") % {"code": code[:40]}]
    if part not in indicators.PARTS:
        errors["part"] = [_("请选择分子（numerator）或分母（denominator）")]
    elif definition is not None and not drill_parts(definition)[part]:
        errors["part"] = [_("这一项没有可列出的案件")]
    try:
        target, period = parse(user, params)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return Drill(user, target, period, definition, part)
