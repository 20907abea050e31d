"""Registry editing pages, phone first: 新增居民, 修改, 迁出 and the police's queue of
ground submissions. Thin shells over ``registry.editing``: the police's edits apply at
once, a grid worker's or building head's wait in the queue; a refused edit comes back
next to the field it names, with what was typed kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.pages import wants_fragment
from fengqiao.registry import editing, selectors
from fengqiao.registry.forms import (
    ResidentAddForm,
    ResidentCorrectionForm,
    ResidentEndForm,
    ReviewForm,
)
from fengqiao.registry.models import END_REASON_CHOICES, ID_TYPE_CHOICES, Resident

ADD = ("registry.add_resident", editing.SUBMIT)
CHANGE = ("registry.change_resident", editing.SUBMIT)
PAGE_SIZE = 50
RECENT = 10
# How a stored code reads on the review card.
CODE_LABELS = {
    "residence_type": dict(Resident.ResidenceType.choices),
    "id_type": dict(ID_TYPE_CHOICES),
    "end_reason": dict(END_REASON_CHOICES),
}
SHOWN_FIELDS = {
    "id_number": "id_masked",
    "phone": "phone_masked",
}


def _may(user, permissions) -> None:
    if not any(user.has_perm(permission) for permission in permissions):
        raise PermissionDenied


def change_rows(change) -> list[tuple[str, str, str]]:
    """(label, old, new) of each field a change sets, as the reviewer reads them."""
    rows = []
    for field, values in change.shown.items():
        if field == "house":
            continue
        label = Resident._meta.get_field(SHOWN_FIELDS.get(field, field)).verbose_name
        codes = CODE_LABELS.get(field, {})
        old, new = (codes.get(values.get(k), values.get(k)) or "" for k in ("old", "new"))
        rows.append((label, old, new))
    return rows


def _applied_or_waiting(request, edit, *, done: str) -> None:
    if edit.applied:
        messages.success(request, done)
    else:
        messages.success(request, _("已提交，等待社区民警核实后生效"))


# --- add, correct, end -----------------------------------------------------------------


@login_required
def resident_new(request):
    """新增居民: which house, who. The police register at once; the ground submits."""
    user = request.user
    _may(user, ADD)
    houses = (
        selectors.houses_for(user)
        .filter(ended_on__isnull=True)
        .select_related("address__building", "address__grid")
    )
    if request.method == "POST":
        form = ResidentAddForm(request.POST, houses=houses)
        if form.is_valid():
            try:
                edit = editing.add_resident(
                    actor=user,
                    house=form.cleaned_data["house"],
                    values=form.values(),
                    client_key=form.sent_key(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                _applied_or_waiting(request, edit, done=_("已登记"))
                if edit.applied and user.has_perm("registry.view_resident"):
                    return redirect("registry:resident", pk=edit.change.resident_id)
                house = edit.change.house_id
                return redirect(f"{reverse('registry:resident_new')}?house={house}")
        status = 400
    else:
        form = ResidentAddForm(houses=houses)
        offered = set(houses.values_list("pk", flat=True))
        chosen = request.GET.get("house", "")
        if chosen.isdigit() and int(chosen) in offered:
            form.initial["house"] = int(chosen)
        elif len(offered) == 1:
            form.initial["house"] = offered.pop()
        status = 200
    context = {
        "form": form,
        "has_houses": len(form.fields["house"].widget.choices) > 1,
        "recent": selectors.changes_by(user)[:RECENT],
    }
    return render(request, "registry/resident_new.html", context, status=status)


@login_required
@permission_required("registry.view_resident", raise_exception=True)
def resident_edit(request, pk: int):
    """修改: the record's fields filled in; only what is changed is sent."""
    user = request.user
    _may(user, CHANGE)
    resident = selectors.get_resident_for(user, pk)
    form = ResidentCorrectionForm(request.POST or None, resident=resident)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                edit = editing.correct_resident(
                    actor=user, resident=resident, values=form.values(), client_key=form.sent_key()
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                _applied_or_waiting(request, edit, done=_("已修改"))
                return redirect("registry:resident", pk=resident.pk)
        status = 400
    context = {"resident": resident, "form": form}
    return render(request, "registry/resident_edit.html", context, status=status)


@login_required
@permission_required("registry.view_resident", raise_exception=True)
def resident_end(request, pk: int):
    """迁出 / 死亡 / 注销户口: the stay ends on a date, the record stays."""
    user = request.user
    _may(user, CHANGE)
    resident = selectors.get_resident_for(user, pk)
    form = ResidentEndForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                edit = editing.end_resident(
                    actor=user, resident=resident, values=form.values(), client_key=form.sent_key()
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                _applied_or_waiting(request, edit, done=_("已办理迁出"))
                return redirect("registry:resident", pk=resident.pk)
        status = 400
    context = {"resident": resident, "form": form}
    return render(request, "registry/resident_end.html", context, status=status)


# --- the police's queue ----------------------------------------------------------------


@login_required
@permission_required(editing.REVIEW, raise_exception=True)
def change_queue(request):
    """Adds, corrections and ends from the ground waiting for the police, oldest first."""
    page = Paginator(selectors.pending_changes_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    cards = [(change, change_rows(change), None) for change in page.object_list]
    return render(request, "registry/change_queue.html", {"page": page, "cards": cards})


@login_required
@permission_required(editing.REVIEW, raise_exception=True)
@require_POST
def change_review(request, pk: int, action: str):
    """Apply or send back one submission; htmx swaps its card."""
    user = request.user
    if action not in ("apply", "reject"):
        raise Http404
    change = selectors.get_change_for(user, pk)
    form = ReviewForm(request.POST, prefix=f"c{change.pk}")
    notice, status = "", 400
    if form.is_valid():
        try:
            if action == "apply":
                change = editing.apply_change(
                    actor=user, change=change, note=form.cleaned_data["note"]
                )
                notice = _("已核实，登记已更新")
            else:
                change = editing.reject_change(
                    actor=user, change=change, reason=form.cleaned_data["reason"]
                )
                notice = _("已退回")
            status = 200
        except ValidationError as error:
            form.add_service_errors(error)
    if status == 200 and not wants_fragment(request):
        messages.success(request, notice)
        return redirect("registry:changes")
    context = {
        "change": change,
        "rows": change_rows(change),
        "form": form,
        "notice": notice,
        "failed": action if status != 200 else "",
    }
    if wants_fragment(request):
        # htmx swaps only 2xx answers: a refusal is shown in place like a success.
        return render(request, "registry/_change_review.html", context)
    page = Paginator(selectors.pending_changes_for(user), PAGE_SIZE).get_page(1)
    cards = [(c, change_rows(c), form if c.pk == change.pk else None) for c in page.object_list]
    return render(
        request, "registry/change_queue.html", {"page": page, "cards": cards}, status=status
    )
