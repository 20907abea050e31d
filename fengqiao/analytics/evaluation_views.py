"""The evaluation page: the police rooms' stars or the stations' scores for a period, ranked,
laggards marked, each score opened into its parts and deductions; ``?format=xlsx`` downloads
the ranking. Bad input: the page with the error beside its field, status 400."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fengqiao.analytics import evaluation, sheets
from fengqiao.analytics.indicators import Period
from fengqiao.org.models import Unit

VIEW_EVALUATION = "analytics.view_flag"
UNIT_SUFFIX = {"percent": "%", "per_10k": "", "count": "", "minutes": ""}


def _labels() -> dict[str, str]:
    return {
        "from": _("起始日期（from）"),
        "to": _("截止日期（to）"),
        "kind": _("评价对象（kind）"),
        "format": _("格式（format）"),
    }


def _query(params) -> tuple[Period, str, str]:
    errors: dict[str, list[str]] = {}
    try:
        period = Period.parse(params.get("from"), params.get("to"))
    except ValidationError as error:
        errors.update(error.message_dict)
        period = None
    kind = params.get("kind") or Unit.Kind.POLICE_ROOM
    if kind not in evaluation.KINDS:
        errors["kind"] = [_("请选择评价对象：警务室或派出所")]
    fmt = params.get("format", "")
    if fmt not in ("", "html", "xlsx"):
        errors["format"] = [_("下载格式只能是 xlsx")]
    if errors:
        raise ValidationError(errors)
    return period, kind, fmt


def ranking_table(scores: list[evaluation.Score], scheme: evaluation.Scheme) -> sheets.Table:
    """The ranking as one table: rank, unit, stars, score and each criterion's points."""
    headers = [_("排名"), _("单位"), _("星级"), _("得分"), _("指标得分"), _("扣分"), _("后进")]
    for criterion in scheme.criteria:
        name = criterion.definition.name
        headers += [_("%(name)s（数值）") % {"name": name}, _("%(name)s（得分）") % {"name": name}]
    table = sheets.Table("evaluation", scheme.name, headers, numeric=frozenset({0, 2, 3, 4, 5}))
    for score in scores:
        row = [
            score.rank,
            score.unit.name,
            score.stars or None,
            score.score,
            score.base,
            score.deducted or None,
            _("是") if score.laggard else "",
        ]
        for part in score.parts:
            row += [part.value, part.points]
        table.rows.append(row)
    return table


@login_required
@permission_required(VIEW_EVALUATION, raise_exception=True)
@require_GET
def evaluation_page(request):
    """考核评价: the user's police rooms (or stations) ranked for a period."""
    try:
        period, kind, fmt = _query(request.GET)
    except ValidationError as error:
        labels = _labels()
        errors = [(labels.get(f, f), messages) for f, messages in error.message_dict.items()]
        return render(request, "analytics/evaluation.html", {"errors": errors}, status=400)
    scheme = evaluation.SCHEMES[kind]
    scores = evaluation.ranking(request.user, period, kind=kind)
    if fmt == "xlsx":
        about = f"{period.start.isoformat()} — {period.end.isoformat()}"
        table = ranking_table(scores, scheme)
        content = sheets.workbook(actor=request.user, table=table, about=about)
        response = HttpResponse(content, content_type=sheets.XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{scheme.name}-{stamp}.xlsx"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    context = {
        "period": period,
        "kind": kind,
        "kinds": [(k, evaluation.SCHEMES[k].name) for k in evaluation.KINDS],
        "scheme": scheme,
        "scores": scores,
        "laggards": sum(1 for s in scores if s.laggard),
        "suffix": UNIT_SUFFIX,
    }
    return render(request, "analytics/evaluation.html", context)
