"""The official statistics page: the form on screen, and the same form as Excel."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fengqiao.analytics import official
from fengqiao.analytics.official_excel import official_workbook
from fengqiao.analytics.official_forms import OfficialForm
from fengqiao.org.permissions import VIEW_FIGURES
from fengqiao.places.models import Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("", "html", "xlsx")


def _with_defaults(query):
    """The query, this month where it names no period (the monthly form is the usual one)."""
    data = query.copy()
    if not any(data.get(name) for name in ("year", "month", "quarter")):
        today = timezone.localdate()
        data["year"], data["month"] = str(today.year), str(today.month)
    return data


def _period_query(period: official.OfficialPeriod) -> str:
    values = {"year": period.year, "month": period.month or "", "quarter": period.quarter or ""}
    return urlencode(values)


@login_required
@permission_required(VIEW_FIGURES, raise_exception=True)
@require_GET
def official_statistics(request):
    """矛盾纠纷排查调处情况统计表 for a region of the user's jurisdiction (404 outside it) and
    a year, month or quarter; ``?format=xlsx`` downloads it. Bad input: the page, 400, the
    error beside its field."""
    form = OfficialForm(request.user, _with_defaults(request.GET))
    fmt = request.GET.get("format", "")
    valid = form.is_valid()
    if fmt not in FORMATS:
        form.add_error(None, _("下载格式只能是 xlsx"))
        valid = False
    if not valid:
        return render(request, "analytics/official.html", {"form": form}, status=400)
    region, period = form.cleaned_data["region"], form.cleaned_data["period"]
    table = official.official_table(request.user, region, period)
    if fmt == "xlsx":
        response = HttpResponse(official_workbook(table, actor=request.user), content_type=XLSX)
        filename = f"{table.title}-{period.slug}.xlsx"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    period_query = _period_query(period)
    parent = (
        Region.objects.for_user(request.user)
        .filter(pk=region.parent_id, level__in=official.REGION_LEVELS)
        .only("code", "name")
        .first()
    )
    context = {
        "form": form,
        "table": table,
        "parent": parent,
        "period_query": period_query,
        "download_query": urlencode({"region": region.code}) + "&" + period_query,
    }
    return render(request, "analytics/official.html", context)
