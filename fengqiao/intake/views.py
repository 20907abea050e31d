"""The intake pages: the public report form and status page (no login), and the quick
intake form staff use for walk-ins, phone calls and 110 transfers.

Every write goes through ``intake.services``; the forms only parse, and the services'
messages are shown next to the fields they name.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fengqiao import rate_limits
from fengqiao.forms_support import new_client_key
from fengqiao.idempotency import sender_of
from fengqiao.intake import grading, replies, selectors, services
from fengqiao.intake.forms import (
    PUBLIC_CHANNELS,
    DuplicateForm,
    FeedbackForm,
    ReopenForm,
    ReplyForm,
    ReportForm,
    StaffReportForm,
    category_options,
)
from fengqiao.intake.models import Report
from fengqiao.intake.templatetags.triage import panel_context
from fengqiao.org.permissions import REVEAL_IDENTITY
from fengqiao.org.scope import in_scope
from fengqiao.pages import render_page
from fengqiao.places import selectors as places
from fengqiao.places.maps import pick_map
from fengqiao.places.models import Building
from fengqiao.registry import reveals

MIN_SUGGEST_CHARS = 5  # what the form itself requires of a report's text
# How often one browser (and one network address) may ask for kind suggestions: a page
# asks at most once per pause in typing, so this is far above any resident's use.
SUGGEST_RATE_LIMIT = {"per_sender": 60, "per_address": 600, "seconds": 600}
# How long a browser keeps a drawn map before asking again (then with its ETag).
MAP_MAX_AGE = 300

# --- residents -------------------------------------------------------------------------


def report(request):
    """The public report form. ``?channel=kiosk`` marks reports from a self-service kiosk."""
    channel = (request.POST if request.method == "POST" else request.GET).get("channel")
    channel = channel if channel in PUBLIC_CHANNELS else "web"
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                submission = services.submit_report(
                    channel=channel,
                    actor=_actor(request),
                    sender=sender_of(request.user, session=request.session),
                    building=_public_building(form.cleaned_data["building"]),
                    **form.submission(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return redirect("intake:thanks", submission.report.tracking_code)
    else:
        # The form's key will belong to this browser's session: start it now, so a double
        # tap on the first send already finds the first report.
        sender_of(request.user, session=request.session)
        form = ReportForm(
            initial={
                "client_key": new_client_key(),
                "kind": "dispute",
                **_chosen_building(request.GET.get("building", "")),
            }
        )
    context = {
        "form": form,
        "channel": channel,
        "categories": category_options(),
        "grid_choices": _grid_choices(form),
        "map_areas": places.pick_map_areas(),
        "map_url": reverse("intake:map"),
        **_suggestions(form.data.get("text", "") if form.is_bound else ""),
        **_place_picker(request, form),
    }
    return render(request, "intake/report_form.html", context)


@require_POST
def suggest_kinds(request):
    """ "Is it one of these?": the categories triage finds likeliest for the story typed so
    far (an htmx fragment the public form asks for as the resident pauses). Rate limited
    per browser and per address; only the first ``grading.SUGGEST_MAX_CHARS`` characters
    are read. Changes nothing, so a repeat is harmless."""
    limit = {
        "sender": sender_of(request.user, session=request.session),
        "address": rate_limits.address_of(request),
        "limits": rate_limits.limits_for(SUGGEST_RATE_LIMIT, "FENGQIAO_SUGGEST_RATE_LIMIT"),
    }
    if rate_limits.refused("suggest", **limit):
        context = {**_suggestions(""), "refused": True}
        return render(request, "intake/_kind_suggestions.html", context, status=429)
    rate_limits.counted("suggest", **limit)
    text = request.POST.get("text", "")
    return render(request, "intake/_kind_suggestions.html", _suggestions(text))


def _suggestions(text: str) -> dict:
    codes = grading.likely_categories(text) if isinstance(text, str) else []
    by_code = {code: (code, label, examples) for code, label, examples in category_options()}
    return {"suggestions": [by_code[code] for code in codes if code in by_code]}


@require_GET
def report_map(request):
    """The public form's map: one village's (community's) grids and buildings, public
    data only, as an SVG fragment. ``?area=<code>`` names the area; ``?lon=&lat=`` draws
    the area holding that point and marks it."""
    return _pick_map_response(request, user=None)


def _public_building(code: str) -> Building | None:
    """The building the public map's tap chose, by its code (an unknown code: none)."""
    code = (code or "").strip()[:40]
    if not code:
        return None
    return Building.objects.published().select_related("grid").filter(code=code).first()


def _pick_map_response(request, *, user):
    point = _point(request.GET.get("lon"), request.GET.get("lat"))
    code = request.GET.get("area", "").strip()[:32]
    if point is not None:
        code = places.pick_map_area_at(*point) or code
    version = places.pick_map_version(code, user)
    who = user.pk if user else "public"
    key = "|".join(str(part) for part in ("pick-map", who, code, point, get_language(), version))
    etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        found = places.pick_map_places(code, user)
        drawn = pick_map(found) if found is not None else None
        context = {"map": drawn, "area": found.area if found else None, "mark": None}
        if drawn is not None and point is not None and drawn.projection is not None:
            projection = drawn.projection
            context["mark"] = (
                round((point[0] - projection.west) * projection.x_factor * projection.scale, 1),
                round((projection.north - point[1]) * projection.scale, 1),
            )
        response = render(request, "intake/_map_pick.html", context)
    response["ETag"] = etag
    patch_cache_control(response, private=True, max_age=MAP_MAX_AGE)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def _point(lon, lat) -> tuple[float, float] | None:
    lon, lat = _float(lon), _float(lat)
    if lon is None or lat is None or not -90 <= lat <= 90:
        return None
    return lon, lat


@require_GET
def grid_choice(request):
    """The "which grid?" question for a point near an edge (an htmx fragment the public
    form fetches when the browser gives a location; empty when there is nothing to ask)."""
    grids = selectors.grid_choices(request.GET.get("lon"), request.GET.get("lat"))
    return render(request, "intake/_grid_choice.html", {"grid_choices": grids})


def _grid_choices(form) -> list:
    """After a send with a map point near an edge, the grids to choose from, so the
    question stays on the page with everything typed."""
    if not form.is_bound:
        return []
    return selectors.grid_choices(form.data.get("lon"), form.data.get("lat"))


@require_GET
def place_options(request):
    """The next select of the township → village → grid picker (an htmx fragment)."""
    if "community" in request.GET:
        community = request.GET["community"]
        grids = selectors.public_places(parent_code=community, level="grid") if community else []
        return render(request, "intake/_grid_select.html", {"grids": grids})
    township = request.GET.get("township", "")
    communities = (
        selectors.public_places(parent_code=township, level="community") if township else []
    )
    return render(request, "intake/_place_lower.html", {"communities": communities})


def thanks(request, code: str):
    report = selectors.find_public_report(code)
    if report is None:
        raise Http404
    context = {
        "report": report,
        "acknowledgement": selectors.received_acknowledgement(report),
        "similar_received": selectors.similar_report_received_unscoped(report),
    }
    return render(request, "intake/thanks.html", context)


def status_lookup(request):
    code = request.GET.get("code", "").strip()
    if code:
        report = selectors.find_public_report(code)
        if report is not None:
            return redirect("intake:status", report.tracking_code)
    return render(request, "intake/status_lookup.html", {"code": code, "not_found": bool(code)})


def status(request, code: str):
    """Where a report stands, for whoever holds its tracking code: plain words, public
    milestones, the reporter's feedback once finished, and reopening within 30 days."""
    report = selectors.find_public_report(code)
    if report is None:
        context = {"code": code, "not_found": True}
        return render(request, "intake/status_lookup.html", context, status=404)
    feedback_form, reopen_form = FeedbackForm(), ReopenForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "feedback":
                feedback_form = FeedbackForm(request.POST)
                if feedback_form.is_valid():
                    services.record_feedback(
                        tracking_code=report.tracking_code,
                        feedback=feedback_form.cleaned_data["feedback"],
                        satisfaction=feedback_form.cleaned_data["satisfaction"],
                    )
                    messages.success(request, _("谢谢您的评价"))
                    return redirect("intake:status", report.tracking_code)
            elif action == "reopen":
                reopen_form = ReopenForm(request.POST)
                if reopen_form.is_valid():
                    services.reopen_report(
                        tracking_code=report.tracking_code,
                        reason=reopen_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("已重新交办，工作人员会再与您联系"))
                    return redirect("intake:status", report.tracking_code)
        except ValidationError as error:
            (feedback_form if action == "feedback" else reopen_form).add_service_errors(error)
    finished = selectors.closed_at_of(report) is not None
    context = {
        "report": report,
        "state_words": selectors.public_state(report),
        "acknowledgement": selectors.acknowledgement_for(report),
        "timeline": selectors.public_timeline(report),
        "handoffs": selectors.public_handoffs(report),
        "finished": finished,
        "may_reopen": selectors.may_reopen(report),
        "feedback_form": feedback_form,
        "reopen_form": reopen_form,
        "satisfaction_choices": range(1, 6),
    }
    return render(request, "intake/status.html", context)


def _actor(request):
    return request.user if request.user.is_authenticated else None


def _chosen_building(code: str) -> dict:
    """``?building=<code>`` (the link on a building's QR page, /b/<code>/): the form opens
    with the building's grid chosen and its address filled in. An unknown code: nothing."""
    code = code.strip()[:40]
    building = (
        Building.objects.published().select_related("grid").filter(code=code).first()
        if code
        else None
    )
    if building is None:
        return {}
    codes = building.grid.ancestor_codes
    return {
        "township": codes[-2] if len(codes) >= 2 else "",
        "community": codes[-1] if codes else "",
        "grid_code": building.grid.code,
        "address": building.address or building.name,
        "building": building.code,
    }


def _place_picker(request, form) -> dict:
    """Townships, and (after an error, or a building chosen by link) the villages and grids
    under what was chosen."""
    data = request.POST if request.method == "POST" else form.initial
    township = data.get("township", "")
    community = data.get("community", "")
    return {
        "townships": selectors.public_places(level="township"),
        "township": township,
        "community": community,
        "grid_code": data.get("grid_code", ""),
        "communities": selectors.public_places(parent_code=township, level="community")
        if township
        else [],
        "grids": selectors.public_places(parent_code=community, level="grid") if community else [],
    }


# --- staff -----------------------------------------------------------------------------


@login_required
@permission_required("intake.add_report", raise_exception=True)
def staff_new(request):
    """Quick intake for walk-ins, phone calls and 110 transfers, with possibly related
    open reports shown beside the form as it is filled in."""
    user = request.user
    grids = selectors.staff_grids_for(user).select_related("parent")
    if request.method == "POST":
        form = StaffReportForm(request.POST, request.FILES, grids=grids)
        building = None
        if form.is_valid():
            building = _staff_building(user, form.cleaned_data["building"])
            if building is False:
                form.add_error("address", _("所选楼栋不在您的辖区内，请重新选择"))
        if form.is_valid():
            try:
                submission = services.submit_report(
                    actor=user, building=building or None, **form.submission()
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return _after_intake(request, submission.report)
        related = _related_for(user, request.POST)
    else:
        form = StaffReportForm(
            initial={"client_key": new_client_key(), "kind": "dispute"},
            grids=grids,
        )
        related = None
    context = {
        "form": form,
        "categories": category_options(),
        "related": related,
        "map_areas": places.pick_map_areas(user),
        "map_url": reverse("intake:staff_map"),
    }
    return render(request, "intake/staff_form.html", context)


@login_required
@permission_required("intake.add_report", raise_exception=True)
@require_GET
def staff_map(request):
    """The intake form's map: only the grids and buildings of the user's jurisdiction."""
    return _pick_map_response(request, user=request.user)


def _staff_building(user, code: str):
    """The building the staff map's tap chose, looked up in the user's scope: None when
    none was chosen, False when the code names none they may see."""
    code = (code or "").strip()[:40]
    if not code:
        return None
    return places.buildings_for(user).filter(code=code).first() or False


@login_required
@permission_required("intake.add_report", raise_exception=True)
@require_POST
def staff_suggest(request):
    """Triage's reading of the text being typed (an htmx fragment beside the form)."""
    text = request.POST.get("text", "").strip()
    prediction = grading.grade(text) if len(text) >= MIN_SUGGEST_CHARS else None
    return render(request, "intake/_triage.html", panel_context(prediction, live=True))


@login_required
@permission_required("intake.add_report", raise_exception=True)
@require_POST
def staff_related(request):
    """The related-reports list beside the intake form (an htmx fragment)."""
    return render(
        request, "intake/_related.html", {"related": _related_for(request.user, request.POST)}
    )


@login_required
@permission_required("intake.view_report", raise_exception=True)
def staff_detail(request, code: str):
    """One report as staff see it: the reporter's name even when anonymous to the public."""
    report = selectors.get_report_for(request.user, code)
    return render(request, "intake/detail.html", _detail_context(request, report))


def _detail_context(request, report: Report, **forms) -> dict:
    user = request.user
    case = getattr(report, "case", None) if report.kind == Report.Kind.DISPUTE else None
    may_change = user.has_perm("intake.change_report")
    return {
        "report": report,
        # The phone is masked for everyone; a full one is revealed for a reason, audited.
        "phone_reveal": _phone_slot(report) if report.phone_masked else None,
        "may_reveal": user.has_perm(REVEAL_IDENTITY),
        "case": case,
        "case_url": _case_url(case) if case is not None else "",
        "source_url": _source_url(report),
        "photos": report.photos.all(),
        "assignees": report.assignees.all(),
        "state_words": selectors.public_state(report),
        "badge": selectors.status_badge(report),
        # The original is named only to those who may see it.
        "duplicate_of": report.duplicate_of
        if report.duplicate_of_id and in_scope(user, report.duplicate_of)
        else None,
        "duplicates": selectors.duplicate_candidates(user, report) if may_change else [],
        "may_change": may_change,
        "replies": selectors.replies_to(report),
        "reply_form": forms.get("reply_form") or ReplyForm(kind=report.kind),
        "reply_templates": replies.templates_for(report.kind),
        "duplicate_form": forms.get("duplicate_form") or DuplicateForm(),
    }


@login_required
@permission_required("intake.change_report", raise_exception=True)
@require_POST
def staff_reply(request, code: str):
    """Answer the reporter (shown on their status page), from a template or in full."""
    report = selectors.get_report_for(request.user, code)
    form = ReplyForm(request.POST, kind=report.kind)
    if form.is_valid():
        try:
            services.reply_to_reporter(report=report, actor=request.user, **form.reply())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("已答复，反映人凭查询码可以看到"))
            return redirect("intake:detail", report.tracking_code)
    context = _detail_context(request, report, reply_form=form)
    return render(request, "intake/detail.html", context, status=400)


@login_required
@permission_required("intake.change_report", raise_exception=True)
@require_POST
def staff_mark_duplicate(request, code: str):
    """Mark the report a duplicate of another (by tracking code), or merge it into it."""
    report = selectors.get_report_for(request.user, code)
    form = DuplicateForm(request.POST)
    if form.is_valid():
        try:
            services.mark_duplicate(
                report=report,
                actor=request.user,
                of=_other_report(request.user, form.cleaned_data["of"]),
                reason=form.cleaned_data["reason"],
                merge=form.cleaned_data["merge"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("已标记为重复反映"))
            return redirect("intake:detail", report.tracking_code)
    context = _detail_context(request, report, duplicate_form=form)
    return render(request, "intake/detail.html", context, status=400)


def _other_report(user, code: str) -> Report:
    """The report a form names by tracking code, looked up in the user's scope: a code
    that is missing and one from another jurisdiction get the same answer."""
    try:
        return selectors.get_report_for(user, code)
    except Http404:
        raise ValidationError({"of": _("要对照的反映不存在或不在您的辖区")}) from None


def _phone_slot(report: Report) -> dict:
    url = reverse("intake:reveal", args=[report.tracking_code, "phone"])
    return reveals.slot(report, "phone", url=url)


@login_required
@permission_required(REVEAL_IDENTITY, raise_exception=True)
@require_POST
def staff_reveal(request, code: str, field: str):
    """The reporter's full phone in place of the masked one, for a stated reason
    (``registry.services.reveal`` checks and audits it). htmx gets the slot; a plain post,
    a page with it."""
    if field != "phone":
        raise Http404
    report = selectors.get_report_for(request.user, code)
    reveal, status = reveals.answer(request, report, field, url=request.path)
    back = reverse("intake:detail", args=[report.tracking_code])
    context = {"reveal": reveal, "may_reveal": True, "back": back}
    page, fragment = "registry/reveal_page.html", "registry/_reveal.html"
    return render_page(request, page, context, fragment=fragment, status=status)


# The kinds of record a report can be made from, and the page that shows one.
_SOURCES = {"community.message": "community:message"}


def _source_url(report: Report) -> str:
    """The page of the message (or other record) this report was made from, if any."""
    kind, _sep, pk = report.source.partition(":")
    if kind in _SOURCES and pk.isdigit():
        return reverse(_SOURCES[kind], args=[pk])
    return ""


@login_required
@permission_required("intake.view_report", raise_exception=True)
def staff_photo(request, code: str, pk: int):
    """A report's photo, only for staff who may see the report (photos are not public)."""
    report = selectors.get_report_for(request.user, code)
    photo = report.photos.filter(pk=pk).first()
    if photo is None:
        raise Http404
    return FileResponse(photo.image.open("rb"), content_type=photo.content_type)


def _after_intake(request, report: Report):
    if not in_scope(request.user, report):
        # Located outside the officer's jurisdiction: routed there, nothing to open here.
        messages.success(
            request,
            _("已登记（查询码 %(code)s），按位置交由%(grid)s办理")
            % {"code": report.tracking_code, "grid": report.grid.name},
        )
        return redirect("intake:new")
    messages.success(request, _("已登记，查询码 %(code)s") % {"code": report.tracking_code})
    case = getattr(report, "case", None) if report.kind == Report.Kind.DISPUTE else None
    url = _case_url(case) if case is not None else ""
    return redirect(url or reverse("intake:detail", args=[report.tracking_code]))


def _case_url(case) -> str:
    try:
        return reverse("disputes:case", args=[case.reference])
    except NoReverseMatch:
        return ""


def _related_for(user, data) -> list[selectors.RelatedReport]:
    address = data.get("address", "").strip()
    building = None
    if address:
        building = places.buildings_for(user).filter(address=address).first()
    lon, lat = _float(data.get("lon")), _float(data.get("lat"))
    if (lon is None or lat is None) and building is not None:
        lon, lat = building.lon, building.lat
    return selectors.related_reports(
        user,
        address=address,
        building=building,
        phones=[data.get("applicant_phone", ""), data.get("respondent_phone", "")],
        names=[data.get("applicant_name", ""), data.get("respondent_name", "")],
        category=data.get("category", ""),
        lon=lon,
        lat=lat,
        text=data.get("text", ""),
    )


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -180 <= number <= 180 else None
