"""Not-found answers in each interface's own format: a program calling the REST API or
Open311 gets JSON (or Open311's XML), never the HTML page meant for people."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。")}, status=404)
    if request.path.startswith("/open311/"):
        from fengqiao.intake.open311 import not_found_errors

        return not_found_errors(request.path)
    return defaults.page_not_found(request, exception)
