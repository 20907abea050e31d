"""Every read of the service pages and API.

Staff reads start from the user's scope (``scope_to``/``get_for``: 404 for missing and
out-of-scope alike). The public reads say so in their names: the catalogue is public by
nature, and an application is shown to whoever holds its tracking code, cut down to what
the applicant may see (``public_view``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from fengqiao.org.models import Unit
from fengqiao.org.scope import get_for, person_of, scope_to
from fengqiao.places.models import Building, Region
from fengqiao.services import rules
from fengqiao.services.models import Application, ApplicationEvent, Channel, Service

State = Application.State
OPEN_STATES = (State.BOOKED, State.SUBMITTED, State.MISSING)
DUE_SOON = dt.timedelta(days=2)
MAX_QUERY_CHARS = 50


# --- the public catalogue --------------------------------------------------------------------


def public_catalogue(*, township: str = "", q: str = "") -> QuerySet[Service]:
    """The services open to new applications, of the stations whose jurisdiction is (in)
    the township with this code, or of every station; ``q`` searches names and stations."""
    services = Service.objects.published().filter(open=True).select_related("station")
    township = (township or "").strip()
    if township:
        region = Region.objects.filter(code=township).only("path").first()
        if region is None:
            return services.none()
        services = services.filter(scope_path__startswith=region.path)
    q = (q or "").strip()[:MAX_QUERY_CHARS]
    if q:
        services = services.filter(Q(name__icontains=q) | Q(station__name__icontains=q))
    return services.order_by("unit_path", "kind", "name")


def public_service(pk) -> Service | None:
    """A service of the catalogue, open or closed (a closed one says so), or None."""
    try:
        return Service.objects.published().select_related("station").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def public_townships() -> QuerySet[Region]:
    """The townships that have a station with an open service, for the catalogue's picker."""
    paths = Service.objects.published().filter(open=True).values_list("scope_path", flat=True)
    townships = Region.objects.filter(level="township").only("code", "name", "path")
    wanted = {t.pk for t in townships if any(p.startswith(t.path) for p in set(paths))}
    return townships.filter(pk__in=wanted).order_by("code")


def public_building(code: str) -> Building | None:
    """The building with this code (on its plate; a kiosk's place), or None. Unscoped on
    purpose: building names and codes are public, and a resident has no jurisdiction."""
    code = (code or "").strip()
    if not code or len(code) > 40:
        return None
    return Building.objects.published().select_related("grid").filter(code=code).first()


def township_of_building(building) -> str:
    """The code of the township a building stands in ("" if none), for the kiosk's link."""
    if building is None:
        return ""
    paths = [building.grid.path[:end] for end in range(1, len(building.grid.path) + 1)]
    township = Region.objects.filter(level="township", path__in=paths).only("code").first()
    return township.code if township else ""


@dataclass(frozen=True)
class Slot:
    at: dt.datetime
    free: int


def free_slots(service: Service, day: dt.date, *, now: dt.datetime | None = None) -> list[Slot]:
    """The bookable slots of ``day`` for ``service``: future, within the booking window,
    with room left."""
    now = now or timezone.now()
    last_day = timezone.localdate(now) + dt.timedelta(days=rules.BOOK_AHEAD_DAYS)
    if service.slot_capacity == 0 or day > last_day:
        return []
    zone = timezone.get_current_timezone()
    starts = [dt.datetime.combine(day, t, tzinfo=zone) for t in rules.slots_on(day)]
    starts = [s for s in starts if s > now]
    if not starts:
        return []
    taken: dict[dt.datetime, int] = {}
    for moment in (
        Application.objects.published()
        .filter(service=service, booked_for__in=starts)
        .exclude(state=State.CANCELLED)
        .values_list("booked_for", flat=True)
    ):
        taken[moment] = taken.get(moment, 0) + 1
    slots = [Slot(s, service.slot_capacity - taken.get(s, 0)) for s in starts]
    return [slot for slot in slots if slot.free > 0]


def booking_days(*, now: dt.datetime | None = None) -> list[dt.date]:
    """The working days a resident may book, from today."""
    today = timezone.localdate(now or timezone.now())
    days = (today + dt.timedelta(days=n) for n in range(rules.BOOK_AHEAD_DAYS + 1))
    return [day for day in days if rules.slots_on(day)]


# --- an application by its tracking code (public) ----------------------------------------------


def application_by_code_for_public(code: str) -> Application | None:
    """The application with this tracking code, for its status page, or None."""
    code = (code or "").strip().upper()
    if not code or len(code) > 12:
        return None
    return (
        Application.objects.published()
        .select_related("service__station")
        .filter(tracking_code=code)
        .first()
    )


def public_timeline(application: Application) -> list[ApplicationEvent]:
    """The steps the applicant may read: no staff names, no visit notes."""
    return list(
        ApplicationEvent.objects.published().filter(application=application).order_by("at", "id")
    )


# --- staff reads -----------------------------------------------------------------------------


def services_for(user, *, include_closed: bool = True) -> QuerySet[Service]:
    services = scope_to(user, Service.objects.select_related("station"))
    return services if include_closed else services.filter(open=True)


def get_service_for(user, pk) -> Service:
    return get_for(user, Service.objects.select_related("station"), pk=pk)


def stations_for(user) -> QuerySet[Unit]:
    """The stations and police rooms whose catalogue the user may keep."""
    units = Unit.objects.filter(kind__in=(Unit.Kind.STATION, Unit.Kind.POLICE_ROOM))
    return scope_to(user, units.select_related("jurisdiction")).order_by("path")


def applications_for(
    user,
    *,
    state: str = "",
    service=None,
    channel: str = "",
    mine: bool = False,
    q: str = "",
) -> QuerySet[Application]:
    """The applications in the user's jurisdiction, overdue first, then by due date and
    age. ``state`` is a state code or ``open``; ``mine``: door requests assigned to the
    user; ``q``: tracking code, applicant name or the phone's last four digits."""
    now = timezone.now()
    apps = scope_to(
        user,
        Application.objects.select_related("service", "service__station", "assignee", "building"),
    )
    if state == "open":
        apps = apps.filter(state__in=OPEN_STATES)
    elif state in State.values:
        apps = apps.filter(state=state)
    if service is not None:
        apps = apps.filter(service=service)
    if channel in Channel.values:
        apps = apps.filter(channel=channel)
    if mine:
        person = person_of(user)
        apps = apps.filter(assignee=person) if person else apps.none()
    q = (q or "").strip()[:MAX_QUERY_CHARS]
    if q:
        apps = apps.filter(
            Q(tracking_code=q.upper()) | Q(applicant_name__icontains=q) | Q(phone_last4=q)
        )
    overdue = Case(
        When(state=State.SUBMITTED, due_at__lt=now, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return apps.annotate(overdue_rank=overdue).order_by(
        "overdue_rank", "due_at", "booked_for", "created_at", "id"
    )


def get_application_for(user, pk) -> Application:
    return get_for(
        user,
        Application.objects.select_related(
            "service__station", "assignee", "handler", "building__grid", "user"
        ),
        pk=pk,
    )


def door_requests_of(user) -> QuerySet[Application]:
    """我的上门服务: the open door-to-door requests routed to the user, oldest first."""
    return (
        applications_for(user, mine=True, channel=Channel.DOOR)
        .filter(state__in=OPEN_STATES)
        .order_by("created_at", "id")
    )


def unassigned_door_requests(user) -> QuerySet[Application]:
    """Door-to-door requests nobody packages (待分派), for the chief's queue."""
    return applications_for(user, channel=Channel.DOOR, state="open").filter(assignee__isnull=True)


def due_soon(user, *, within: dt.timedelta = DUE_SOON) -> QuerySet[Application]:
    """Accepted applications whose clock runs out within ``within`` (overdue included)."""
    return applications_for(user, state=State.SUBMITTED).filter(due_at__lte=timezone.now() + within)


def overdue(user) -> QuerySet[Application]:
    return applications_for(user, state=State.SUBMITTED).filter(due_at__lt=timezone.now())


def timeline(application: Application) -> QuerySet[ApplicationEvent]:
    """The full history for staff (the application was read through a scoped lookup)."""
    return (
        ApplicationEvent.objects.unscoped_for_jobs()
        .filter(application=application)
        .select_related("actor")
        .order_by("at", "id")
    )


def applications_of_resident(user) -> QuerySet[Application]:
    """A signed-in resident's own applications, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    return (
        Application.objects.published()
        .filter(user=user)
        .select_related("service__station")
        .order_by("-created_at", "-id")
    )
