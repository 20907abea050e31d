"""Recognition pages (积分榜): a community's monthly list with how points are earned, its
commendations and 登记表彰 for chiefs; a person's points month by month. Thin: the
selectors in ``recognition`` read (scoped, 404 outside it), ``recognition_services``
writes; a missing permission is a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.outreach import recognition
from fengqiao.outreach import recognition_rules as rules
from fengqiao.outreach import recognition_services as services
from fengqiao.outreach.recognition_forms import CommendationForm

VIEW = "outreach.view_commendation"
ADD = "outreach.add_commendation"


def chosen_month(text: str):
    return rules.month_asked(text, timezone.localdate())


def chosen_community(user, pk: str):
    """The community asked for (404 outside reach), else the user's own; None if none."""
    if pk:
        return recognition.get_community_for(user, pk)
    return recognition.default_community(user)


@login_required
@permission_required(VIEW, raise_exception=True)
def board(request):
    """The monthly list of a community (the user's own by default, last full month)."""
    community = chosen_community(request.user, request.GET.get("community", ""))
    month = chosen_month(request.GET.get("month", ""))
    return _render_board(request, community, month)


def _render_board(request, community, month, *, form=None, status: int = 200):
    user = request.user
    rows, commendations, unranked = [], [], 0
    if community is not None:
        rows = recognition.monthly_points(user, community=community, month=month)
        unranked = recognition.unranked_count(user, community=community, month=month, ranked=rows)
        commendations = recognition.commendations_for(user, community=community)[:20]
        if form is None and user.has_perm(ADD):
            form = CommendationForm(
                people=recognition.people_working_in(user, community, month),
                initial={"awarded_on": timezone.localdate()},
            )
    context = {
        "community": community,
        "communities": recognition.communities_for(user),
        "month": month,
        "previous_month": rules.previous_month(month),
        "next_month": rules.next_month(month)
        if rules.next_month(month) <= timezone.localdate()
        else None,
        "rows": rows,
        "unranked": unranked,
        "rules": rules.RULES,
        "max_points": rules.max_monthly_points(),
        "commendations": commendations,
        "form": form if user.has_perm(ADD) else None,
    }
    return render(request, "outreach/recognition.html", context, status=status)


@login_required
@permission_required(ADD, raise_exception=True)
@require_POST
def commend(request, community_pk: int):
    """登记表彰 from the list's form; errors come back next to the fields."""
    community = recognition.get_community_for(request.user, community_pk)
    month = chosen_month(request.POST.get("month", ""))
    form = CommendationForm(
        request.POST, people=recognition.people_working_in(request.user, community, month)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_commendation(
                actor=request.user,
                person=data["person"],
                community=community,
                awarded_on=data["awarded_on"],
                title=data["title"],
                reason=data["reason"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("表彰已登记"))
            url = reverse("outreach:recognition")
            return redirect(f"{url}?community={community.pk}&month={month:%Y-%m}")
    return _render_board(request, community, month, form=form, status=400)


@login_required
@permission_required(VIEW, raise_exception=True)
def person_detail(request, pk: int):
    """A person's points month by month (the last twelve) and their commendations."""
    person = recognition.get_person_for(request.user, pk)
    history = recognition.points_history(request.user, person, until=timezone.localdate())
    context = {
        "person": person,
        "history": history,
        "rules": rules.RULES,
        "commendations": recognition.commendations_for(request.user, person=person),
    }
    return render(request, "outreach/recognition_person.html", context)
