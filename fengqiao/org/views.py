from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from fengqiao import taxonomy
from fengqiao.audit import services as audit
from fengqiao.org import maps, selectors
from fengqiao.org.models import Person, Unit
from fengqiao.org.permissions import SEE_FULL_PHONE, roles_of
from fengqiao.org.scope import get_for, scope_to
from fengqiao.pages import render_page
from fengqiao.places import selectors as places


@login_required
def area(request):
    """我的辖区: the user's jurisdiction, where it is, the grids on a map, and who packages
    each (the home page, ``fengqiao.home``, links here)."""
    user = request.user
    tops = list(selectors.top_regions_for(user))
    person = getattr(user, "person", None)
    mine = list(scope_to(user, selectors.grids_packaged_by(person))) if person else []
    context = {
        "role_labels": [taxonomy.label("role", code) for code in sorted(roles_of(user))],
        "person": person,
        "my_assignments": selectors.current_assignments_of(person) if person else [],
        "tops": tops,
        "units": selectors.units_for(user).filter(pk__in=user.access_grants.values("unit")),
        **maps.grids_overview(user, tops, highlighted={grid.pk for grid in mine}),
    }
    if mine and len(mine) <= maps.GRID_TABLE_LIMIT and "grid_rows" not in context:
        # The whole jurisdiction is too big for one table: show the officer's own grids.
        responsible = selectors.responsibles_for_grids(mine)
        context["my_grid_rows"] = [(grid, responsible[grid.pk]) for grid in mine]
    if "grid_rows" not in context:
        context["areas"] = [(top, places.children_with_counts(user, top)) for top in tops]
    return render(request, "org/area.html", context)


@login_required
@permission_required("org.view_unit", raise_exception=True)
def unit_list(request):
    q = request.GET.get("q", "").strip()
    context = {"q": q, "units": selectors.units_for(request.user, q=q)[:200]}
    return render_page(request, "org/unit_list.html", context, fragment="org/_unit_rows.html")


@login_required
@permission_required("org.view_unit", raise_exception=True)
def unit_detail(request, code: str):
    user = request.user
    unit = get_for(user, Unit.objects.select_related("jurisdiction", "parent"), code=code)
    beats = unit.beats.prefetch_related("areas").order_by("code")
    context = {
        "unit": unit,
        "children": selectors.units_for(user).filter(parent=unit),
        "beats": [(beat, selectors.beat_officers(beat)) for beat in beats],
        "people": selectors.people_for(user).filter(unit=unit)[:200],
        "teams": unit.teams.select_related("leader", "region"),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
@permission_required("org.view_person", raise_exception=True)
def person_list(request):
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if role not in taxonomy.codes("role"):
        role = ""
    people = selectors.people_for(request.user, q=q, role=role)
    context = {
        "q": q,
        "role": role,
        "roles": taxonomy.choices("role"),
        "people": people[:100],
        "total": people.count(),
    }
    return render_page(request, "org/person_list.html", context, fragment="org/_person_rows.html")


@login_required
@permission_required("org.view_person", raise_exception=True)
def person_detail(request, pk: int):
    user = request.user
    person = get_for(user, Person.objects.select_related("unit", "region", "user"), pk=pk)
    if person.phone and user.has_perm(SEE_FULL_PHONE) and person.user_id != user.pk:
        # A full personal number on screen is a read of personal information: log it.
        audit.record(actor=user, action="org.person.phone_shown", obj=person)
    context = {
        "person": person,
        "roles": [taxonomy.label("role", role.code) for role in person.roles.all()],
        "assignments": person.assignments.select_related("beat", "region", "building").order_by(
            "-starts_on"
        ),
        "teams": person.teams.select_related("region"),
    }
    return render(request, "org/person_detail.html", context)
