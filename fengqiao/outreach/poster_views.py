"""The building posters page (/outreach/posters/): choose a township, village or grid, or
one building, and download the PDF of their posters. Thin: ``poster_selectors`` reads
(404 outside the user's jurisdiction), ``poster_services.print_posters`` checks, renders
and audits."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from fengqiao.outreach import poster_selectors, poster_services


@login_required
@permission_required(poster_services.PRINT_POSTERS, raise_exception=True)
@require_safe
def posters(request):
    """The chooser; with ``?region=<code>`` or ``?building=<code>``, the PDF itself."""
    user = request.user
    region_code = request.GET.get("region", "").strip()
    building_code = request.GET.get("building", "").strip()
    errors: list[str] = []
    if region_code or building_code:
        # The place is looked up in the user's scope first: another township's is a 404.
        building = (
            poster_selectors.poster_building_for(user, building_code) if building_code else None
        )
        region = poster_selectors.poster_region_for(user, region_code) if not building else None
        try:
            pdf, _pages = poster_services.print_posters(
                actor=user,
                region=region,
                building=building,
                url_for=lambda code: request.build_absolute_uri(
                    reverse("building:page", args=[code])
                ),
            )
        except ValidationError as error:
            errors = error.messages
        else:
            code = building.code if building else region.code
            name = "".join(ch for ch in code if ch.isascii() and (ch.isalnum() or ch in "-_"))
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="posters-{name}.pdf"'
            return response
    context = {
        "places": poster_selectors.poster_places_for(user),
        "region": region_code,
        "building": building_code,
        "errors": errors,
        "max_buildings": poster_services.max_buildings(),
    }
    return render(request, "outreach/posters.html", context, status=400 if errors else 200)
