"""One view, two answers: the full page, or only its fragment when htmx asks for it."""

from __future__ import annotations

from django.shortcuts import render


def render_page(request, template: str, context: dict, *, fragment: str | None = None):
    if fragment and getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, fragment, context)
    return render(request, template, context)
