"""One view, two answers: the full page, or only its fragment when htmx asks for it.

Every view that can answer htmx decides here (NetBox's ``htmx_partial``), not by branching on
``request.htmx`` itself.
"""

from __future__ import annotations

from django.shortcuts import render


def wants_fragment(request) -> bool:
    """Whether htmx asked for a piece of the page (a boosted link wants the whole page)."""
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def render_page(
    request, template: str, context: dict, *, fragment: str | None = None, status: int = 200
):
    """``template`` with ``context``, or only ``fragment`` when htmx asks for it.

    htmx swaps only 2xx answers, so the fragment is always 200: a refusal in it is shown in
    place like a success. ``status`` is the full page's (400, 403, 409 for a refused post).
    """
    if fragment and wants_fragment(request):
        return render(request, fragment, context)
    return render(request, template, context, status=status)
