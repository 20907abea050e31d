"""The dashboard and its drill-down: thin pages over ``dashboard`` and ``drill``.

Both take the same query (``region`` or ``unit``, ``from``, ``to``) and both download any
of their tables as Excel with ``?format=xlsx&table=<name>``. Bad input gets the page with
the error beside its field and status 400; a place outside the user's jurisdiction 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fengqiao.analytics import dashboard, drill, heatmap, response, response_page, sheets
from fengqiao.org.permissions import VIEW_FIGURES

PAGE_SIZE = 50


def _download(request, table: sheets.Table, about: str) -> HttpResponse:
    content = sheets.workbook(actor=request.user, table=table, about=about)
    response = HttpResponse(content, content_type=sheets.XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{table.title}-{stamp}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _format(params) -> str:
    fmt = params.get("format", "")
    if fmt not in ("", "html", "xlsx"):
        raise ValidationError({"format": _("下载格式只能是 xlsx")})
    return fmt


def _field_labels() -> dict[str, str]:
    return {
        "from": _("起始日期（from）"),
        "to": _("截止日期（to）"),
        "region": _("地区（region）"),
        "unit": _("单位（unit）"),
        "person": _("人员（person）"),
        "measure": _("地图指标（measure）"),
        "table": _("表（table）"),
        "format": _("格式（format）"),
        "code": _("指标（code）"),
        "part": _("分子或分母（part）"),
    }


def _invalid(request, template: str, error: ValidationError) -> HttpResponse:
    """The page with each error beside the name of its field, status 400."""
    labels = _field_labels()
    errors = [
        (labels.get(field, field), messages) for field, messages in error.message_dict.items()
    ]
    return render(request, template, {"errors": errors}, status=400)


@login_required
@permission_required(VIEW_FIGURES, raise_exception=True)
@require_GET
def figures(request):
    """统计分析: the indicators of the user's area (or a place or unit they name) for a
    period, with trends, the places compared, the heat map and the laggards."""
    template = "analytics/dashboard.html"
    try:
        fmt = _format(request.GET)
        board = dashboard.for_request(request.user, request.GET)
        if fmt == "xlsx":
            table = board.table(request.GET.get("table", ""))
            return _download(request, table, board.about)
    except ValidationError as error:
        return _invalid(request, template, error)
    context = {
        "board": board,
        "quick_periods": [
            (key, label, dashboard.dashboard_url(board.target, period), period == board.period)
            for key, label, period in dashboard.quick_periods()
        ],
        "measures": list(heatmap.MEASURES.items()),
        "chart_data": board.chart_data(),
        "arrival": _arrival(request.user, board),
    }
    return render(request, template, context)


def _arrival(user, board) -> dict | None:
    """出警到场 of the target and period under the cards, for those who may read incidents
    (one query); the page ``/figures/response/`` has the rest."""
    if board.target.person is not None or not user.has_perms(response.VIEW_RESPONSE):
        return None
    return {
        "leg": response.arrival(user, board.target, board.period).arrival,
        "url": response_page.response_url(board.target, board.period),
    }


@login_required
@permission_required(VIEW_FIGURES, raise_exception=True)
@require_GET
def cases(request):
    """The cases behind one figure, newest first, a page at a time; ``?format=xlsx`` gives
    all of them."""
    template = "analytics/drill_down.html"
    try:
        fmt = _format(request.GET)
        found = drill.for_request(request.user, request.GET)
        if fmt == "xlsx":
            return _download(request, found.table(found.records), found.about)
    except ValidationError as error:
        return _invalid(request, template, error)
    page = Paginator(found.records, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"drill": found, "page": page, "table": found.table(list(page.object_list))}
    return render(request, template, context)
