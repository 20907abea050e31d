"""The registry's pages: one search box over the beat; a resident's, an address's and a
unit's page; key people and their visits; tenant reports from the ground and the police's
review queue; resident counts per grid and building.

Reads go through ``registry.selectors`` (a resident's page through ``open_resident``, which
audits the read) and writes through the services; a refused write comes back next to the
field it names. Related cases and reports come from ``registry.panels``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.forms_support import new_client_key
from fengqiao.org.permissions import REVEAL_IDENTITY, SEE_SENSITIVE_POPULATION
from fengqiao.pages import render_page, wants_fragment
from fengqiao.places import selectors as places
from fengqiao.registry import care, exports, panels, reveals, rules, selectors, services, tenants
from fengqiao.registry.forms import (
    CareVisitForm,
    EnrolForm,
    ReviewForm,
    TenantReportForm,
)
from fengqiao.registry.models import Address, Resident
from fengqiao.registry.search import search as search_registry

VIEW_ADDRESS = "registry.view_address"
VIEW_RESIDENT = "registry.view_resident"
VIEW_UNIT = "registry.view_establishment"
VIEW_KEY_PERSON = "registry.view_keyperson"
ADD_TENANT_REPORT = "registry.add_tenantreport"
REVIEW_TENANT_REPORT = "registry.change_tenantreport"
PAGE_SIZE = 50
MERGE_RESIDENT = "registry.merge_resident"
MERGE_SHOWN = 5
RECENT_REPORTS = 10
SUBMIT_CHANGE = "registry.add_registrychange"
ADDRESS_ELEMENTS = Address.ELEMENTS
SEARCH_EXPORTS = ("residents", "addresses", "houses", "units")  # the lists the search covers


# --- search ----------------------------------------------------------------------------


@login_required
@permission_required(VIEW_ADDRESS, raise_exception=True)
def search(request):
    """The search box: live results as one types (htmx gets only the results)."""
    user = request.user
    query = request.GET.get("q", "")
    results = search_registry(user, query)
    # A building head sees addresses and houses, not people or units.
    if not user.has_perm(VIEW_RESIDENT):
        results.residents = []
    if not user.has_perm(VIEW_UNIT):
        results.establishments = []
    context = {
        "q": query,
        "results": results,
        "exports": _search_exports(user, results),
        "counts": selectors.population_counts(user) if user.has_perm(VIEW_RESIDENT) else None,
    }
    return render_page(
        request, "registry/search.html", context, fragment="registry/_search_results.html"
    )


def _search_exports(user, results) -> list[tuple[str, str]]:
    """(title, url) of the Excel exports the user may take of what the page shows: the
    whole lists before a search, the search's matches after one, none when it found
    nothing (the export applies the same search, so it gets what the page lists)."""
    if results.query and (len(results.query) < 2 or results.empty):
        return []
    suffix = f"?{urlencode({'q': results.query})}" if results.query else ""
    return [
        (_(exports.EXPORTS[kind].title), reverse("registry:export", args=[kind]) + suffix)
        for kind in SEARCH_EXPORTS
        if user.has_perm(exports.EXPORTS[kind].permission)
    ]


# --- residents -------------------------------------------------------------------------


def _resident_context(request, resident: Resident, **extra) -> dict:
    user = request.user
    key_records = (
        selectors.key_people_for(user)
        .filter(resident=resident)
        .prefetch_related("visits")
        .order_by("next_visit_due")
    )
    may_enrol = user.has_perm("registry.add_keyperson")
    context = {
        "resident": resident,
        "may_reveal": user.has_perm(REVEAL_IDENTITY),
        "reveals": reveals.slots(resident),
        "occupancies": selectors.stays_of(resident),
        "key_records": key_records,
        "employments": selectors.jobs_of(resident),
        "tenant_reports": selectors.tenant_reports_for(user, resident=resident)
        if user.has_perm("registry.view_tenantreport")
        else [],
        "panels": panels.panels_for(user, "resident", resident),
        "duplicates": selectors.possible_duplicates_of(user, resident)[:MERGE_SHOWN]
        if user.has_perm(MERGE_RESIDENT)
        else [],
        "enrol_form": EnrolForm(may_see_sensitive=user.has_perm(SEE_SENSITIVE_POPULATION))
        if may_enrol
        else None,
        "may_edit": user.has_perm("registry.change_resident") or user.has_perm(SUBMIT_CHANGE),
        "changes": selectors.changes_of(user, resident)[:RECENT_REPORTS],
    }
    context.update(extra)
    return context


@login_required
@permission_required(VIEW_RESIDENT, raise_exception=True)
def resident_detail(request, pk: int):
    resident = selectors.open_resident(request.user, pk)
    return render(request, "registry/resident_detail.html", _resident_context(request, resident))


@login_required
@permission_required(REVEAL_IDENTITY, raise_exception=True)
@require_POST
def resident_reveal(request, pk: int, field: str):
    """The full ID or phone in place of the masked one, for a stated reason (audited by
    ``services.reveal``). htmx gets the field's fragment; a plain post, the whole page."""
    if field not in reveals.LABELS:
        raise Http404
    resident = selectors.get_resident_for(request.user, pk)
    reveal, status = reveals.answer(request, resident, field)
    if wants_fragment(request):
        # htmx swaps only 2xx answers: a refusal is shown in place like a success.
        return render(request, "registry/_reveal.html", {"reveal": reveal, "may_reveal": True})
    page = _resident_context(request, resident)
    page["reveals"] = [reveal if r["field"] == field else r for r in page["reveals"]]
    return render(request, "registry/resident_detail.html", page, status=status)


@login_required
@permission_required(REVEAL_IDENTITY, raise_exception=True)
@require_POST
def tenant_reveal(request, pk: int, field: str):
    """A tenant report's full ID or phone, for checking it before verifying (audited)."""
    if field not in reveals.LABELS:
        raise Http404
    report = selectors.get_tenant_report_for(request.user, pk)
    reveal, status = reveals.answer(request, report, field)
    context = {"reveal": reveal, "may_reveal": True, "back": reverse("registry:tenants")}
    page, fragment = "registry/reveal_page.html", "registry/_reveal.html"
    return render_page(request, page, context, fragment=fragment, status=status)


@login_required
@permission_required(MERGE_RESIDENT, raise_exception=True)
@require_POST
def resident_merge(request, pk: int, duplicate_pk: int):
    """Fold a duplicate record into this one, for a stated reason (an explicit act)."""
    user = request.user
    resident = selectors.get_resident_for(user, pk)
    duplicate = selectors.get_resident_for(user, duplicate_pk)
    try:
        services.merge_residents(
            actor=user, keep=resident, duplicate=duplicate, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已合并，原记录的居住、案件等信息已并入本记录"))
    return redirect("registry:resident", pk=resident.pk)


@login_required
@permission_required("registry.add_keyperson", raise_exception=True)
@require_POST
def resident_enrol(request, pk: int):
    """Put the resident under care (a key population); errors come back on the page."""
    user = request.user
    resident = selectors.get_resident_for(user, pk)
    form = EnrolForm(request.POST, may_see_sensitive=user.has_perm(SEE_SENSITIVE_POPULATION))
    if form.is_valid():
        try:
            record = care.enrol_key_person(
                actor=user,
                resident=resident,
                kind=form.cleaned_data["kind"],
                care_level=form.cleaned_data["care_level"],
                since=form.cleaned_data["since"],
                note=form.cleaned_data["note"],
                officer=getattr(user, "person", None),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("已纳入%(kind)s，首次走访 %(due)s 前完成")
                % {"kind": record.kind_label, "due": record.next_visit_due},
            )
            return redirect("registry:resident", pk=resident.pk)
    context = _resident_context(request, resident, enrol_form=form, enrol_open=True)
    return render(request, "registry/resident_detail.html", context, status=400)


# --- addresses and units ---------------------------------------------------------------


def _address_context(request, address) -> dict:
    user = request.user
    houses = selectors.houses_at(user, address, with_residents=user.has_perm(VIEW_RESIDENT))
    return {
        "address": address,
        "elements": [
            (Address._meta.get_field(name).verbose_name, getattr(address, name))
            for name in ADDRESS_ELEMENTS
            if getattr(address, name)
        ],
        "houses": houses,
        "show_residents": user.has_perm(VIEW_RESIDENT),
        "units": selectors.establishments_for(user).filter(address=address)
        if user.has_perm(VIEW_UNIT)
        else [],
        "tenant_reports": selectors.tenant_reports_for(user, address=address)[:RECENT_REPORTS]
        if user.has_perm("registry.view_tenantreport")
        else [],
        "may_verify": user.has_perm("registry.change_address"),
        "may_add_resident": user.has_perm("registry.add_resident") or user.has_perm(SUBMIT_CHANGE),
        "may_report_tenant": user.has_perm(ADD_TENANT_REPORT),
        "panels": panels.panels_for(user, "address", address),
    }


@login_required
@permission_required(VIEW_ADDRESS, raise_exception=True)
def address_detail(request, pk: int):
    address = selectors.get_address_for(request.user, pk)
    return render(request, "registry/address_detail.html", _address_context(request, address))


@login_required
@permission_required("registry.change_address", raise_exception=True)
@require_POST
def address_verify(request, pk: int):
    """Mark the address checked on the ground now (htmx swaps the verification line)."""
    address = selectors.get_address_for(request.user, pk)
    services.verify_address(actor=request.user, address=address)
    if wants_fragment(request):
        context = {"address": address, "may_verify": True, "notice": _("已核实")}
        return render(request, "registry/_address_verified.html", context)
    messages.success(request, _("已核实"))
    return redirect("registry:address", pk=address.pk)


@login_required
@permission_required(VIEW_UNIT, raise_exception=True)
def unit_detail(request, pk: int):
    unit = selectors.get_establishment_for(request.user, pk)
    context = {
        "unit": unit,
        "employees": selectors.current_staff_of(unit),
        "show_residents": request.user.has_perm(VIEW_RESIDENT),
    }
    return render(request, "registry/unit_detail.html", context)


# --- key people under care -------------------------------------------------------------


@login_required
@permission_required(VIEW_KEY_PERSON, raise_exception=True)
def care_list(request):
    """Key people in the jurisdiction, the most overdue first."""
    today = timezone.localdate()
    records = selectors.key_people_for(request.user).select_related("resident__house__address")
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        records = records.filter(next_visit_due__lt=today)
    page = Paginator(records.order_by("next_visit_due", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "rows": [(r, rules.days_overdue(r.next_visit_due, today)) for r in page.object_list],
        "overdue_only": overdue_only,
        "overdue_count": selectors.overdue_visits_for(request.user, today=today).count(),
    }
    return render(request, "registry/care_list.html", context)


@login_required
@permission_required(VIEW_KEY_PERSON, raise_exception=True)
def care_detail(request, pk: int):
    """A key person's visits, and the form to record one (posted here)."""
    user = request.user
    record = selectors.get_key_person_for(user, pk)
    may_visit = user.has_perm("registry.add_carevisit")
    form = CareVisitForm(request.POST or None) if may_visit else None
    status = 200
    if request.method == "POST":
        if not may_visit:
            raise PermissionDenied
        if form.is_valid():
            try:
                care.record_care_visit(actor=user, key_person=record, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                record.refresh_from_db()
                messages.success(
                    request,
                    _("已记录走访，下次走访 %(due)s 前完成") % {"due": record.next_visit_due},
                )
                return redirect("registry:care", pk=record.pk)
        status = 400
    context = {
        "record": record,
        "days_overdue": rules.days_overdue(record.next_visit_due, timezone.localdate()),
        "visits": record.visits.all(),
        "form": form,
    }
    return render(request, "registry/care_detail.html", context, status=status)


# --- tenant reports --------------------------------------------------------------------


def _report_houses(user):
    return selectors.houses_for(user).select_related("address__building", "address__grid")


@login_required
@permission_required(ADD_TENANT_REPORT, raise_exception=True)
def tenant_new(request):
    """A building head's phone form: which house, in or out, who. A second tap of the
    same form (same client key) adds nothing."""
    user = request.user
    houses = _report_houses(user)
    if request.method == "POST":
        form = TenantReportForm(request.POST, houses=houses)
        if form.is_valid():
            try:
                report, _created = tenants.report_tenant(actor=user, **form.submission())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("已提交，等待社区民警核实"))
                # The next report is often for the same house: keep it chosen.
                return redirect(f"{reverse('registry:tenant_new')}?house={report.house_id}")
        status = 400
    else:
        form = TenantReportForm(initial={"client_key": new_client_key()}, houses=houses)
        choices = form.fields["house"].widget.choices
        offered = {str(pk) for _group, options in choices[1:] for pk, _label in options}
        if request.GET.get("house") in offered:
            form.initial["house"] = request.GET["house"]
        elif len(offered) == 1:
            form.initial["house"] = offered.pop()
        status = 200
    context = {
        "form": form,
        # The house select's first choice is the "choose" prompt.
        "has_houses": len(form.fields["house"].widget.choices) > 1,
        "recent": selectors.tenant_reports_by(user)[:RECENT_REPORTS],
    }
    return render(request, "registry/tenant_new.html", context, status=status)


@login_required
@permission_required(REVIEW_TENANT_REPORT, raise_exception=True)
def tenant_queue(request):
    """Reports waiting for the community police, oldest first."""
    reports = selectors.pending_tenant_reports_for(request.user).order_by("reported_at", "id")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/tenant_queue.html", {"page": page})


@login_required
@permission_required(REVIEW_TENANT_REPORT, raise_exception=True)
@require_POST
def tenant_review(request, pk: int, action: str):
    """Verify or send back one report; htmx swaps the report's row."""
    user = request.user
    if action not in ("verify", "reject"):
        raise Http404
    report = selectors.get_tenant_report_for(user, pk)
    form = ReviewForm(request.POST, prefix=f"r{report.pk}")
    status = 200
    if form.is_valid():
        try:
            if action == "verify":
                report = tenants.verify_tenant_report(
                    actor=user, report=report, note=form.cleaned_data["note"]
                )
                notice = _("已核实，人员信息已更新")
            else:
                report = tenants.reject_tenant_report(
                    actor=user, report=report, reason=form.cleaned_data["reason"]
                )
                notice = _("已退回")
        except ValidationError as error:
            form.add_service_errors(error)
            status = 400
        else:
            if not wants_fragment(request):
                messages.success(request, notice)
                return redirect("registry:tenants")
            context = {"report": report, "form": form, "notice": notice}
            return render(request, "registry/_tenant_review.html", context)
    else:
        status = 400
    context = {"report": report, "form": form, "failed": action}
    if wants_fragment(request):
        return render(request, "registry/_tenant_review.html", context)
    reports = selectors.pending_tenant_reports_for(user).order_by("reported_at", "id")
    page = Paginator(reports, PAGE_SIZE).get_page(1)
    return render(
        request,
        "registry/tenant_queue.html",
        {"page": page, "failed_report": report.pk, "failed_form": form},
        status=status,
    )


# --- counts ----------------------------------------------------------------------------


@login_required
@permission_required(VIEW_RESIDENT, raise_exception=True)
def counts(request):
    """Residents and floating residents per grid, and per building in one chosen grid;
    always counted from the records themselves."""
    user = request.user
    by_grid = list(selectors.floating_by_grid(user))
    grids = {
        grid.path: grid
        for grid in places.regions_for(user)
        .filter(path__in=[row["scope_path"] for row in by_grid])
        .select_related(None)
        .defer("boundary")
    }
    rows = [(grids.get(row["scope_path"]), row) for row in by_grid]
    chosen = next((g for g in grids.values() if g.code == request.GET.get("grid")), None)
    context = {
        "totals": selectors.population_counts(user),
        "rows": rows,
        "chosen": chosen,
        "buildings": selectors.floating_by_building(user, grid_path=chosen.path) if chosen else [],
    }
    return render(request, "registry/counts.html", context)
