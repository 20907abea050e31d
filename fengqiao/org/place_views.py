"""The pages of places: the region tree, a region or grid on its map, a building. They show
who packages each grid and heads each building, so they live in org, above places; their
addresses and names stay ``/places/...`` and ``places:...`` (``place_urls.py``)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from fengqiao.org import maps, selectors
from fengqiao.org.scope import get_for
from fengqiao.pages import render_page
from fengqiao.places import selectors as places
from fengqiao.places.maps import grid_map
from fengqiao.places.models import Building, Region

BUILDING_TABLE_LIMIT = 300


@login_required
@permission_required("places.view_region", raise_exception=True)
def region_list(request):
    q = request.GET.get("q", "").strip()
    context = {
        "q": q,
        "results": places.regions_for(request.user, q=q)[:50] if q else None,
        "tops": selectors.top_regions_for(request.user),
    }
    return render_page(
        request, "places/region_list.html", context, fragment="places/_region_results.html"
    )


@login_required
@permission_required("places.view_region", raise_exception=True)
def region_detail(request, code: str):
    user = request.user
    region = get_for(user, Region, code=code)
    context = {
        "region": region,
        "breadcrumbs": selectors.breadcrumbs(user, region),
        "children": places.children_with_counts(user, region),
        "units": region.units.all(),
    }
    if region.level == "grid":
        buildings = list(places.buildings_for(user, grid=region)[:BUILDING_TABLE_LIMIT])
        heads = selectors.building_heads(buildings)
        context["grid_count"] = 1
        context["map"] = grid_map([region], buildings=buildings, selected=region)
        context["responsible"] = selectors.responsibles_for_grids([region])[region.pk]
        context["buildings"] = [(b, heads[b.pk]) for b in buildings]
    else:
        context.update(maps.grids_overview(user, [region]))
    return render(request, "places/region_detail.html", context)


@login_required
@permission_required("places.view_building", raise_exception=True)
def building_detail(request, pk: int):
    building = get_for(request.user, Building.objects.select_related("grid"), pk=pk)
    context = {
        "building": building,
        "heads": selectors.building_heads([building])[building.pk],
        "responsible": selectors.responsibles_for_grids([building.grid])[building.grid_id],
        "map": grid_map([building.grid], buildings=[building], selected=building.grid),
    }
    return render(request, "places/building_detail.html", context)
