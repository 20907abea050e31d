"""The response-time page (出警时间): a thin page over ``response_page``. Takes the
dashboard's query (``region`` or ``unit``, ``from``, ``to``) and downloads any of its tables
as Excel with ``?format=xlsx&table=<name>``. Bad input gets the page with the error beside
its field and status 400; a place outside the user's jurisdiction 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fengqiao.analytics import response_page
from fengqiao.analytics.dashboard_views import _download, _format, _invalid
from fengqiao.analytics.response import VIEW_RESPONSE


@login_required
@permission_required(VIEW_RESPONSE, raise_exception=True)
@require_GET
def response_times(request):
    """出警时间: median and P90 of each leg per station, police room, unit and month."""
    template = "analytics/response.html"
    try:
        fmt = _format(request.GET)
        page = response_page.for_request(request.user, request.GET)
        if fmt == "xlsx":
            return _download(request, page.table(request.GET.get("table", "")), page.about)
    except ValidationError as error:
        return _invalid(request, template, error)
    context = {"page": page, "chart_data": page.chart_data()}
    return render(request, template, context)
