"""Request bodies larger than any form or API call of ours are refused before they are read.

Django bounds the fields it keeps in memory (``DATA_UPLOAD_MAX_MEMORY_SIZE``), not files:
a multipart body of any size was streamed to a temporary file before a photo's own 8 MB
check saw it, and DRF reads a JSON body whole. Django reads a request body only up to its
Content-Length (none given: nothing), so checking that header bounds every read.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from fengqiao.errors import refusal


class RequestSizeMiddleware:
    """413 for a request whose Content-Length exceeds ``settings.MAX_REQUEST_BYTES``,
    in the caller's format (API JSON, Open311 error list, or a page), its body unread."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads nothing of a body whose length it cannot parse
        if declared <= limit:
            return self.get_response(request)
        message = _("提交的内容太大（最多 %(limit)s），请减少或压缩照片、文件后再试") % {
            "limit": filesizeformat(limit)
        }
        answer = refusal(request, 413, message)
        if answer is None:
            answer = render(request, "413.html", {"message": message}, status=413)
        return answer
