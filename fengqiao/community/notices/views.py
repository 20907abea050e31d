"""Broadcast and alert pages. Thin: forms parse, ``services`` writes, ``selectors`` reads
(scoped, 404 outside it); a missing permission is a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.community.models import Alert
from fengqiao.community.notices import selectors
from fengqiao.community.notices import services as notices
from fengqiao.community.notices.forms import AlertForm, BroadcastForm, CloseAlertForm, SightingForm
from fengqiao.org.scope import in_scope
from fengqiao.pages import push_stream_for
from fengqiao.photos import content_type_of

PAGE_SIZE = 20
ACTIVITY_TARGET = "alert-activity"
BROADCAST_FORM = "community/broadcast_form.html"
ALERT_FORM = "community/alert_form.html"
# The no-script "全选本镇" submit button's name: it ticks a township's groups, sends nothing.
PICK_TOWNSHIP = "pick_township"

# --- broadcasts ----------------------------------------------------------------------------


@login_required
@permission_required("community.view_broadcast", raise_exception=True)
def broadcast_list(request):
    page = Paginator(selectors.broadcasts_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(broadcast, selectors.reach_from_row(broadcast)) for broadcast in page]
    return render(request, "community/broadcast_list.html", {"page": page, "rows": rows})


def _ids(values) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return ids


def _picked_township(request):
    """The form's data with a township's groups ticked, when the no-script "全选本镇" button
    sent it (nothing is sent then: the page comes back with the boxes ticked); else None."""
    township = request.POST.get(PICK_TOWNSHIP)
    if not township:
        return None
    data = request.POST.copy()
    chosen = set(_ids(data.getlist("groups")))
    chosen.update(selectors.township_group_ids(request.user, township))
    data.setlist("groups", [str(pk) for pk in sorted(chosen)])
    data.pop(PICK_TOWNSHIP)
    return data


def _with_picker(request, form, template: str, status: int = 200):
    """Render a notice form with its target picker ticked as the form was sent."""
    data = form.data if form.is_bound else {}
    getlist = getattr(data, "getlist", lambda _key: [])
    tree = selectors.target_tree(
        request.user, chosen=_ids(getlist("groups")), chosen_regions=_ids(getlist("regions"))
    )
    context = {
        "form": form,
        "tree": tree,
        "pick_map": selectors.target_map(tree),
        "pick_township": PICK_TOWNSHIP,
    }
    return render(request, template, context, status=status)


def _refused(request, form, template: str, refused: PermissionDenied):
    """A target outside the actor's jurisdiction (a hand-made post, or a group closed since
    the page loaded): 403, the form back with the reason at the picker, nothing sent."""
    form.add_error("groups", str(refused) or _("所选的群不在您的管辖范围内"))
    return _with_picker(request, form, template, status=403)


@login_required
@permission_required("community.add_broadcast", raise_exception=True)
def broadcast_new(request):
    user = request.user
    if request.method != "POST":
        return _with_picker(request, BroadcastForm(), BROADCAST_FORM)
    picked = _picked_township(request)
    if picked is not None:
        return _with_picker(request, BroadcastForm(picked), BROADCAST_FORM)
    form = BroadcastForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            broadcast = notices.send_broadcast(
                actor=user,
                title=data["title"],
                text=data["text"],
                groups=data["groups"],
                regions=data["regions"],
                client_key=data["client_key"] or None,
                topic=data["topic"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        except PermissionDenied as refused:
            return _refused(request, form, BROADCAST_FORM, refused)
        else:
            messages.success(
                request,
                _("已发送到 %(groups)s 个群，共 %(members)s 人")
                % {"groups": broadcast.group_count, "members": broadcast.member_count},
            )
            return redirect("community:broadcast", broadcast.pk)
    return _with_picker(request, form, BROADCAST_FORM)


@login_required
@permission_required("community.view_broadcast", raise_exception=True)
def broadcast_detail(request, pk: int):
    broadcast = selectors.get_broadcast_for(request.user, pk)
    context = {
        "broadcast": broadcast,
        "reach": selectors.reach_of(broadcast),
        "groups": selectors.broadcast_groups_of(broadcast),
    }
    return render(request, "community/broadcast_detail.html", context)


# --- alerts --------------------------------------------------------------------------------


@login_required
def alert_list(request):
    page = Paginator(selectors.alerts_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "community/alert_list.html", {"page": page})


@login_required
@permission_required("community.add_alert", raise_exception=True)
def alert_new(request):
    if request.method != "POST":
        return _with_picker(request, AlertForm(), ALERT_FORM)
    picked = _picked_township(request)
    if picked is not None:
        return _with_picker(request, AlertForm(picked), ALERT_FORM)
    form = AlertForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            alert = notices.raise_alert(
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                groups=data["groups"],
                regions=data["regions"],
                grids=data["grids"],
                last_seen_place=data["last_seen_place"],
                last_seen_at=data["last_seen_at"],
                lon=data["lon"],
                lat=data["lat"],
                photo=data["photo"],
                client_key=data["client_key"] or None,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        except PermissionDenied as refused:
            return _refused(request, form, ALERT_FORM, refused)
        else:
            messages.success(request, _("预警已发出"))
            return redirect("community:alert", alert.pk)
    return _with_picker(request, form, ALERT_FORM)


@login_required
def alert_detail(request, pk: int):
    """The alert, its acknowledgements and sightings; the htmx poll gets the activity only."""
    alert = selectors.get_alert_for(request.user, pk)
    if request.headers.get("HX-Target") == ACTIVITY_TARGET:
        return render(request, "community/alert_activity.html", _activity(request, alert))
    return _render_alert(request, alert)


@login_required
@require_POST
def alert_acknowledge(request, pk: int):
    alert = selectors.get_alert_for(request.user, pk)
    try:
        notices.acknowledge_alert(actor=request.user, alert=alert)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已确认收到"))
    return redirect("community:alert", alert.pk)


@login_required
@require_POST
def alert_sighting(request, pk: int):
    alert = selectors.get_alert_for(request.user, pk)
    form = SightingForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            notices.report_sighting(
                actor=request.user,
                alert=alert,
                text=data["text"],
                place=data["place"],
                lon=data["lon"],
                lat=data["lat"],
                seen_at=data["seen_at"],
                photo=data["photo"],
                client_key=data["client_key"] or None,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("线索已送达，谢谢您"))
            return redirect("community:alert", alert.pk)
    return _render_alert(request, alert, sighting_form=form, status=400)


@login_required
@permission_required("community.change_alert", raise_exception=True)
@require_POST
def alert_close(request, pk: int):
    alert = selectors.get_alert_for(request.user, pk)
    form = CloseAlertForm(request.POST)
    if form.is_valid():
        try:
            notices.close_alert(
                actor=request.user,
                alert=alert,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("预警已结束：%(status)s") % {"status": alert.get_status_display()}
            )
            return redirect("community:alert", alert.pk)
    return _render_alert(request, alert, close_form=form, status=400)


@login_required
@permission_required("community.change_alert", raise_exception=True)
@require_POST
def alert_sighting_confirm(request, pk: int, sighting: int):
    """Vouch for one clue of the alert (another township's alert or clue is a 404)."""
    alert = selectors.get_alert_for(request.user, pk)
    found = alert.sightings.filter(pk=sighting).first()
    if found is None:
        raise Http404
    try:
        notices.confirm_sighting(actor=request.user, sighting=found)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已确认线索属实"))
    return redirect("community:alert", alert.pk)


@login_required
def alert_photo(request, pk: int):
    alert = selectors.get_alert_for(request.user, pk)
    if not alert.photo:
        raise Http404
    return _photo_response(alert.photo)


@login_required
def alert_sighting_photo(request, pk: int, sighting: int):
    alert = selectors.get_alert_for(request.user, pk)
    sightings = alert.sightings.all()
    if not _sees_all(request.user, alert):
        sightings = sightings.filter(reporter=request.user)
    found = sightings.filter(pk=sighting).first()
    if found is None or not found.photo:
        raise Http404
    return _photo_response(found.photo)


def _sees_all(user, alert: Alert) -> bool:
    """Staff who may view alerts see every acknowledgement and sighting; a resident who
    received the alert sees only their own sightings."""
    return user.has_perm("community.view_alert")


def _activity(request, alert: Alert) -> dict:
    sees_all = _sees_all(request.user, alert)
    activity = selectors.activity_of(alert, sightings_by=None if sees_all else request.user)
    context = {
        "alert": alert,
        "activity": activity,
        "sees_all": sees_all,
        "may_confirm": notices.may_confirm_sightings(request.user, alert),
        **push_stream_for(request, [f"alert:{alert.pk}"]),
    }
    if sees_all:
        context["map"], context["marks"] = selectors.alert_map(alert, activity.sightings)
    return context


def _render_alert(request, alert: Alert, *, sighting_form=None, close_form=None, status=200):
    user = request.user
    recipient = selectors.recipient_of(user, alert)
    is_open = alert.status == Alert.Status.OPEN
    context = {
        **_activity(request, alert),
        "recipient": recipient,
        "may_report": is_open and notices.may_report_sighting(user, alert),
        "may_close": is_open and user.has_perm("community.change_alert") and in_scope(user, alert),
        "sighting_form": sighting_form or SightingForm(),
        "close_form": close_form or CloseAlertForm(),
        "activity_target": ACTIVITY_TARGET,
    }
    return render(request, "community/alert_detail.html", context, status=status)


def _photo_response(field) -> FileResponse:
    handle = field.open("rb")
    response = FileResponse(
        handle, content_type=content_type_of(handle) or "application/octet-stream"
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
