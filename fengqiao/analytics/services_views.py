"""The services page (服务群众): a thin page over ``services_page``. Takes the dashboard's
query (``region`` or ``unit``, ``from``, ``to``) and downloads any of its tables as Excel
with ``?format=xlsx&table=<name>``. Bad input gets the page with the error beside its field
and status 400; a place outside the user's jurisdiction 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fengqiao.analytics import services_page
from fengqiao.analytics.dashboard_views import _download, _format, _invalid
from fengqiao.analytics.services_indicators import VIEW_SERVICE_FIGURES


@login_required
@permission_required(VIEW_SERVICE_FIGURES, raise_exception=True)
@require_GET
def service_figures(request):
    """服务群众: applications per service, channel and station, 按时办结率, 一次办结率,
    满意率, door-to-door visits and what is overdue now."""
    template = "analytics/services.html"
    try:
        fmt = _format(request.GET)
        page = services_page.for_request(request.user, request.GET)
        if fmt == "xlsx":
            return _download(request, page.table(request.GET.get("table", "")), page.about)
    except ValidationError as error:
        return _invalid(request, template, error)
    return render(request, template, {"page": page})
