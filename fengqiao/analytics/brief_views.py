"""The stations' briefs (工作简报): the list in the reader's jurisdiction and the downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fengqiao.analytics import briefs

VIEW_BRIEF = "analytics.view_brief"
FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
@permission_required(VIEW_BRIEF, raise_exception=True)
@require_GET
def brief_list(request):
    """Every brief in the reader's jurisdiction, newest period first."""
    return render(request, "analytics/briefs.html", {"briefs": briefs.briefs_for(request.user)})


@login_required
@permission_required(VIEW_BRIEF, raise_exception=True)
@require_GET
def brief_file(request, pk: int, fmt: str):
    """One brief as PDF or Excel; 404 outside the reader's jurisdiction."""
    brief = briefs.get_brief_for(request.user, pk)
    response = HttpResponse(bytes(getattr(brief, fmt)), content_type=FORMATS[fmt])
    name = f"brief-{brief.unit.code}-{brief.period}-{brief.start.isoformat()}.{fmt}"
    disposition = "inline" if fmt == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
