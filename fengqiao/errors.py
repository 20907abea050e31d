"""Refusals in each interface's own format: a program calling the REST API gets JSON, an
Open311 client the spec's error list (JSON or XML), a person the Chinese page.

- ``not_found``: the 404 handler.
- ``ConflictMiddleware``: a unique constraint lost to a simultaneous request answers 409
  ("changed meanwhile, reload"), never 500.
"""

from __future__ import annotations

import logging
from xml.sax.saxutils import escape

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。")}, status=404)
    if request.path.startswith("/open311/"):
        from fengqiao.intake.open311.rendering import not_found_errors

        return not_found_errors(request.path)
    return defaults.page_not_found(request, exception)


def refusal(request, status: int, message: str) -> HttpResponse | None:
    """``message`` as the API (``{"detail": ...}``) or Open311 (the spec's error list)
    answers it; None for a page, which the caller renders in its own way."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    if not request.path.startswith("/open311/"):
        return None
    if request.path.rstrip("/").endswith(".xml"):
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<errors><error>'
            f"<code>{status}</code><description>{escape(message)}</description>"
            "</error></errors>"
        )
        return HttpResponse(body.encode(), status=status, content_type="text/xml; charset=utf-8")
    rows = [{"code": status, "description": message}]
    return JsonResponse(rows, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def is_unique_violation(error: BaseException) -> bool:
    """A unique constraint refused a write (not a NOT NULL, foreign key or check one:
    those are bugs, and stay 500)."""
    if not isinstance(error, IntegrityError):
        return False
    if getattr(error.__cause__, "sqlstate", None) == UNIQUE_VIOLATION:
        return True
    return str(error).startswith("UNIQUE constraint failed")  # SQLite's words


class ConflictMiddleware:
    """The net under the races the services do not handle themselves (each known one is
    turned into its own message there): a unique constraint that refuses a write because a
    simultaneous request wrote first answers 409 and "reload", in the caller's format. An
    htmx request is told to reload the page, where the message waits for the person.
    Logged as a warning with the traceback, so the service gets its own handling."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_unique_violation(exception):
            return None
        logger.warning("%s lost a race on a unique constraint", request.path, exc_info=True)
        message = _("这条记录刚刚被其他人修改过，请刷新后再试")
        answer = refusal(request, 409, message)
        if answer is not None:
            return answer
        if getattr(request, "htmx", False):
            messages.warning(request, message)
            return HttpResponse(status=409, headers={"HX-Refresh": "true"})
        return render(request, "409.html", {"message": message}, status=409)
