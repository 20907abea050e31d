"""Household visit pages: the outreach hub, campaigns with their coverage, 我的走访任务 on a
phone and the visit form. Thin: forms parse, the services write, ``visit_selectors`` reads
(scoped, 404 outside it); a missing permission is a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.outreach import campaign_services, visit_services
from fengqiao.outreach import visit_selectors as selectors
from fengqiao.outreach.models import Campaign
from fengqiao.outreach.visit_forms import AssignForm, CampaignForm, VisitForm

VIEW_CAMPAIGN = "outreach.view_campaign"
ADD_RECORD = "outreach.add_visitrecord"
UNREACHED_PAGE = 100


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
def index(request):
    """The outreach hub on a phone: campaigns, my households, and the other outreach work."""
    return render(request, "outreach/index.html")


# --- campaigns ----------------------------------------------------------------------------


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
def campaigns(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in Campaign.Kind.values else ""
    context = {
        "campaigns": selectors.campaigns_for(request.user, kind=kind),
        "kind": kind,
        "kinds": Campaign.Kind.choices,
    }
    return render(request, "outreach/visit_campaigns.html", context)


def _campaign_form(request, **kwargs) -> CampaignForm:
    user = request.user
    return CampaignForm(
        **kwargs,
        stations=selectors.stations_for_campaigns(user),
        communities=selectors.community_choices_for(user),
        grids=selectors.grid_choices_for(user),
    )


def _save_campaign(request, form: CampaignForm, campaign=None):
    data = form.cleaned_data
    try:
        return campaign_services.save_campaign(
            actor=request.user,
            campaign=campaign,
            kind=data["kind"],
            name=data["name"],
            station=data["station"],
            grids=form.chosen_grids(),
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            note=data["note"],
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return None


def _render_campaign_form(request, form: CampaignForm, campaign, status: int):
    communities, grids = form.ticked()
    context = {
        "form": form,
        "campaign": campaign,
        "groups": selectors.grids_by_community(form.fields["grids"].queryset),
        "ticked_communities": communities,
        "ticked_grids": grids,
    }
    return render(request, "outreach/visit_campaign_form.html", context, status=status)


@login_required
@permission_required("outreach.add_campaign", raise_exception=True)
def campaign_new(request):
    if request.method == "POST":
        form = _campaign_form(request, data=request.POST)
        if form.is_valid() and (campaign := _save_campaign(request, form)) is not None:
            messages.success(
                request,
                _("活动已保存，共 %(n)s 户走访任务") % {"n": campaign.tasks.count()},
            )
            return redirect("outreach:campaign", campaign.pk)
        return _render_campaign_form(request, form, None, 400)
    station = selectors.stations_for_campaigns(request.user).first()
    form = _campaign_form(
        request,
        initial={"kind": request.GET.get("kind") or Campaign.Kind.VISIT, "station": station},
    )
    return _render_campaign_form(request, form, None, 200)


@login_required
@permission_required("outreach.change_campaign", raise_exception=True)
def campaign_edit(request, pk: int):
    campaign = selectors.get_campaign_to_change(request.user, pk)
    if request.method == "POST":
        form = _campaign_form(request, data=request.POST)
        if form.is_valid() and _save_campaign(request, form, campaign) is not None:
            messages.success(request, _("活动已保存"))
            return redirect("outreach:campaign", campaign.pk)
        return _render_campaign_form(request, form, campaign, 400)
    initial = {
        "name": campaign.name,
        "kind": campaign.kind,
        "station": campaign.station_id,
        "grids": list(campaign.grids.values_list("pk", flat=True)),
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "note": campaign.note,
    }
    return _render_campaign_form(request, _campaign_form(request, initial=initial), campaign, 200)


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
def campaign_detail(request, pk: int):
    """The campaign and its coverage: per grid, per person, and the total."""
    campaign = selectors.get_campaign_for(request.user, pk)
    context = {"campaign": campaign, "grids": campaign.grids.defer("boundary").order_by("path")}
    if campaign.kind == Campaign.Kind.VISIT:
        context |= {
            "total": selectors.coverage_total(request.user, campaign),
            "by_grid": selectors.coverage_by_grid(request.user, campaign),
            "by_person": selectors.coverage_by_person(request.user, campaign),
        }
    return render(request, "outreach/visit_campaign.html", context)


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
def unreached(request, pk: int):
    """The households of the campaign nobody has reached yet, of one grid if asked."""
    campaign = selectors.get_campaign_for(request.user, pk)
    try:
        grid = int(request.GET.get("grid") or 0) or None
    except ValueError:
        grid = None
    tasks = selectors.never_reached(request.user, campaign, grid=grid)
    page = Paginator(tasks, UNREACHED_PAGE).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "page": page,
        "grid": grid,
        "by_grid": selectors.coverage_by_grid(request.user, campaign),
    }
    return render(request, "outreach/visit_unreached.html", context)


# --- the phone ----------------------------------------------------------------------------


@login_required
@permission_required(ADD_RECORD, raise_exception=True)
def mine(request):
    """我的走访任务: households by building, the ones to visit first."""
    groups, total = selectors.phone_list(request.user)
    shown = sum(len(group.tasks) for group in groups)
    context = {"groups": groups, "total": total, "shown": shown}
    return render(request, "outreach/visit_mine.html", context)


def _visit_form(request, task, **kwargs) -> VisitForm:
    return VisitForm(**kwargs, key_people=selectors.key_people_of_house(request.user, task))


@login_required
@permission_required(ADD_RECORD, raise_exception=True)
def visit(request, pk: int):
    """One household: its visits so far and the form for this one. After saving, the
    next household to visit."""
    task = selectors.get_task_for_visit(request.user, pk)
    if request.method == "POST":
        form = _visit_form(request, task, data=request.POST)
        if form.is_valid():
            made = _record(request, form, task)
            if made is not None:
                return _after_visit(request, task, *made)
        status = 400
    else:
        form = _visit_form(request, task)
        status = 200
    context = {"task": task, "form": form, "visits": selectors.visits_of_task(task)}
    return render(request, "outreach/visit_form.html", context, status=status)


def _record(request, form: VisitForm, task):
    data = form.cleaned_data
    try:
        return visit_services.record_visit(
            actor=request.user,
            task=task,
            outcome=data["outcome"],
            people_home=data["people_home"],
            situation=data["situation"],
            problem=data["problem"],
            problem_kind=data["problem_kind"],
            key_people_seen=data["key_people_seen"],
            app_installed=data["app_installed"],
            contact_card_given=data["contact_card_given"],
            client_key=data["client_key"] or None,
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return None


def _after_visit(request, task, record, created: bool):
    if not created:
        messages.info(request, _("这次走访已经登记过了"))
    else:
        messages.success(
            request,
            _("已登记：%(house)s，%(outcome)s")
            % {"house": str(task.house), "outcome": record.get_outcome_display()},
        )
        if record.report_code:
            messages.success(
                request, _("发现的问题已上报，查询码 %(code)s") % {"code": record.report_code}
            )
    following = selectors.next_task_after(request.user, task)
    if following is None:
        messages.info(request, _("您的走访任务都已完成"))
        return redirect("outreach:visits")
    return redirect("outreach:visit", following.pk)


@login_required
@permission_required("outreach.change_visittask", raise_exception=True)
def assign(request, pk: int):
    """Hand a household's visit to someone else."""
    task = selectors.get_task_for(request.user, pk)
    people = selectors.people_choices_for(request.user)
    if request.method == "POST":
        form = AssignForm(request.POST, people=people)
        if form.is_valid():
            try:
                visit_services.reassign_task(
                    actor=request.user, task=task, assignee=form.cleaned_data["assignee"]
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("走访任务已分派"))
                return redirect("outreach:unreached", task.campaign_id)
        status = 400
    else:
        form = AssignForm(initial={"assignee": task.assignee_id}, people=people)
        status = 200
    return render(
        request, "outreach/visit_assign.html", {"task": task, "form": form}, status=status
    )
