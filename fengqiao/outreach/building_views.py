"""The public page of who looks after a building (/b/<code>/), opened by the QR code on its
entrance. No login and no writes: it reads ``building_selectors`` (published, cut to what
the public may see) and links to the one-click alarm and the report form for the building."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from fengqiao.outreach import building_selectors

# The page says who is on duty: a phone that scanned it may keep it a few minutes. Private:
# the page carries the visitor's CSRF token (the language switch).
PAGE_MAX_AGE = 300


@require_safe
@cache_control(private=True, max_age=PAGE_MAX_AGE)
def page(request, code: str):
    card = building_selectors.guardians_of(code)
    if card is None:
        return render(request, "outreach/building_unknown.html", status=404)
    return render(request, "outreach/building_page.html", {"card": card})
