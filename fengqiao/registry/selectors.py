"""Every read of the registry a page, the API or another module needs, scoped to the user.

Sensitive key-population records (medical, minors, domestic violence) are left out for
users without their own permission; opening a resident's record is written to the audit
log (``open_resident``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fengqiao.org.scope import get_for, scope_to
from fengqiao.places.models import subtree_q
from fengqiao.precompiled import precompiled
from fengqiao.registry import sealing, services
from fengqiao.registry.care import SEE_SENSITIVE
from fengqiao.registry.matching import match_address
from fengqiao.registry.models import (
    Address,
    Employment,
    Establishment,
    House,
    KeyPerson,
    Occupancy,
    RegistryChange,
    Resident,
    TenantReport,
)

# A typed address is linked to a standard one only when this similar (0–100).
LINK_SCORE = 92


def addresses_for(user) -> QuerySet[Address]:
    return scope_to(user, Address.objects.select_related("grid"))


def houses_for(user) -> QuerySet[House]:
    return scope_to(user, House.objects.select_related("address"))


def residents_for(user, *, residence_type: str = "", within: str = "") -> QuerySet[Resident]:
    """Residents in the user's jurisdiction, optionally of one type and under one region."""
    residents = scope_to(user, Resident.objects.select_related("house__address"))
    if residence_type:
        residents = residents.filter(residence_type=residence_type)
    if within:
        residents = residents.filter(subtree_q(within, "scope_path"))
    return residents


def establishments_for(user) -> QuerySet[Establishment]:
    return scope_to(user, Establishment.objects.select_related("address"))


def key_people_for(user, *, active: bool = True) -> QuerySet[KeyPerson]:
    records = scope_to(
        user, KeyPerson.objects.select_related("resident", "officer").filter(active=active)
    )
    if not user.has_perm(SEE_SENSITIVE):
        records = records.filter(sensitive=False)
    return records


def overdue_visits_for(user, *, today: dt.date | None = None) -> QuerySet[KeyPerson]:
    """Key people whose visit is past due: the user's own first when they are the officer."""
    today = today or timezone.localdate()
    return key_people_for(user).filter(next_visit_due__lt=today).order_by("next_visit_due")


def pending_tenant_reports_for(user) -> QuerySet[TenantReport]:
    return scope_to(
        user,
        TenantReport.objects.select_related("house__address", "reported_by").filter(
            status=TenantReport.Status.PENDING
        ),
    )


def tenant_reports_by(user) -> QuerySet[TenantReport]:
    """What the user has reported, newest first (a building head's own list)."""
    return TenantReport.objects.select_related("house__address").filter(reported_by=user)


def get_address_for(user, pk) -> Address:
    return get_for(user, addresses_for(user), pk=pk)


def get_house_for(user, pk) -> House:
    return get_for(user, houses_for(user), pk=pk)


def get_establishment_for(user, pk) -> Establishment:
    return get_for(user, establishments_for(user), pk=pk)


def get_key_person_for(user, pk) -> KeyPerson:
    return get_for(user, key_people_for(user), pk=pk)


def get_tenant_report_for(user, pk) -> TenantReport:
    return get_for(user, TenantReport.objects.select_related("house__address"), pk=pk)


def open_resident(user, pk) -> Resident:
    """The resident (404 outside the user's jurisdiction); the read is audited."""
    resident = get_for(user, residents_for(user), pk=pk)
    services.record_read(actor=user, record=resident)
    return resident


def resident_by_document(id_number: str) -> Resident | None:
    """Job-level lookup (no user scope): the resident registered with this number, used
    to link a dispute party or a reporter to the registry."""
    return services.duplicate_of(id_number)


def resident_ids_by_digest(digests) -> dict[str, int]:
    """Job-level lookup (no user scope): the id of the resident registered with each ID
    number's keyed hash, for linking many imported dispute parties in a few queries."""
    found: dict[str, int] = {}
    digests = sorted(set(digests))
    for start in range(0, len(digests), 900):
        rows = Resident.objects.filter(id_hash__in=digests[start : start + 900])
        found |= dict(rows.values_list("id_hash", "pk"))
    return found


def resident_by_phone(phone: str) -> Resident | None:
    """Job-level lookup: the one resident with this phone (None when none or several share
    it, since a family phone must not link a report to the wrong person)."""
    if not phone:
        return None
    found = _residents_with_phone(sealing.digest(phone))
    return found[0] if len(found) == 1 else None


@precompiled  # every report asks it
def _residents_with_phone(phone_hash: str) -> QuerySet[Resident]:
    return Resident.objects.filter(phone_hash=phone_hash)[:2]


def standard_address_for(text: str, *, within: str) -> Address | None:
    """Job-level lookup: the standard address a typed ``text`` in the subtree ``within``
    means, when the match is exact or nearly so (a report must not land on a neighbour's)."""
    if not text.strip():
        return None
    match = match_address(text, within=within)
    if match is None or match.score < LINK_SCORE:
        return None
    return Address.objects.filter(pk=match.address_id).first()


def door_address_of(building) -> Address | None:
    """The building's own (door-level) standard address, if the registry has it."""
    if building is None:
        return None
    return Address.objects.filter(building=building, kind=Address.Kind.DOOR).first()


def population_counts(user, *, within: str = "") -> dict[str, int]:
    """Residents living here now by residence type, always computed from the records."""
    residents = residents_for(user, within=within).filter(house__isnull=False)
    rows = residents.values("residence_type").annotate(n=Count("id"))
    counts = {row["residence_type"]: row["n"] for row in rows}
    counts["total"] = sum(counts.values())
    return counts


def floating_by_building(user, *, grid_path: str) -> QuerySet:
    """Per building in a grid: how many residents and how many of them are floating."""
    return (
        residents_for(user, within=grid_path)
        .filter(house__isnull=False, house__address__building__isnull=False)
        .values("house__address__building_id", "house__address__building__name")
        .annotate(
            residents=Count("id"),
            floating=Count("id", filter=Q(residence_type=Resident.ResidenceType.FLOATING)),
        )
        .order_by("house__address__building__name")
    )


# --- for the registry's pages ----------------------------------------------------------


def get_resident_for(user, pk) -> Resident:
    """The resident (404 outside the user's jurisdiction), without auditing a read: for
    acting on a record the page already showed (a reveal audits itself)."""
    return get_for(user, residents_for(user), pk=pk)


def tenant_reports_for(user, *, resident=None, address=None) -> QuerySet[TenantReport]:
    """Tenant reports in the user's jurisdiction about one resident or one address."""
    reports = scope_to(user, TenantReport.objects.select_related("house__address"))
    if resident is not None:
        reports = reports.filter(resident=resident)
    if address is not None:
        reports = reports.filter(house__address=address)
    return reports


def floating_by_grid(user) -> QuerySet:
    """Per grid path: how many residents live there now and how many are floating."""
    return (
        residents_for(user)
        .filter(house__isnull=False)
        .values("scope_path")
        .annotate(
            residents=Count("id"),
            floating=Count("id", filter=Q(residence_type=Resident.ResidenceType.FLOATING)),
        )
        .order_by("scope_path")
    )


def possible_duplicates_of(user, resident: Resident) -> QuerySet[Resident]:
    """Other records in the user's jurisdiction that may be the same person: the same
    name and birth date (a typo in the ID number, or another document). Only a person may
    decide; ``services.merge_residents`` is the explicit action."""
    if resident.birth_date is None:
        return Resident.objects.none()
    return (
        residents_for(user)
        .filter(name=resident.name, birth_date=resident.birth_date)
        .exclude(pk=resident.pk)
        .order_by("id")
    )


def stays_of(resident: Resident) -> QuerySet[Occupancy]:
    """Where a resident (already opened through the user's scope) has lived."""
    return Occupancy.objects.filter(resident=resident).select_related("house__address")


def jobs_of(resident: Resident) -> QuerySet[Employment]:
    return Employment.objects.filter(resident=resident).select_related("establishment")


def current_staff_of(unit: Establishment) -> QuerySet[Employment]:
    return Employment.objects.filter(establishment=unit, until__isnull=True).select_related(
        "resident"
    )


def houses_at(user, address: Address, *, with_residents: bool) -> QuerySet[House]:
    """The houses at an address in the user's scope, with who lives there now if asked."""
    houses = houses_for(user).filter(address=address)
    if not with_residents:
        return houses
    living = Resident.objects.filter(moved_out__isnull=True).order_by("name")
    return houses.prefetch_related(Prefetch("residents", queryset=living))


def pending_changes_for(user) -> QuerySet[RegistryChange]:
    """Ground submissions waiting for the police of the user's area, oldest first."""
    return scope_to(
        user,
        RegistryChange.objects.select_related("house__address", "resident", "submitted_by").filter(
            status=RegistryChange.Status.PENDING
        ),
    ).order_by("submitted_at", "id")


def changes_by(user) -> QuerySet[RegistryChange]:
    """What the user submitted themselves, newest first (their own, whatever the area)."""
    return RegistryChange.objects.select_related("house__address", "resident").filter(
        submitted_by=user
    )


def changes_of(user, resident: Resident) -> QuerySet[RegistryChange]:
    """Changes to one resident that the user may see: all of them for the police, one's own
    for the ground."""
    changes = RegistryChange.objects.filter(resident=resident).select_related("submitted_by")
    if user.has_perm("registry.view_registrychange"):
        return scope_to(user, changes)
    return changes.filter(submitted_by=user)


def get_change_for(user, pk) -> RegistryChange:
    """A change in the user's area (404 outside it)."""
    changes = RegistryChange.objects.select_related("house__address", "resident", "submitted_by")
    return get_for(user, changes, pk=pk)


def get_employment_for(user, pk) -> Employment:
    """An employment at a unit in the user's jurisdiction; 404 otherwise."""
    units = establishments_for(user).values("pk")
    job = (
        Employment.objects.select_related("establishment", "resident")
        .filter(pk=pk, establishment__in=units)
        .first()
    )
    if job is None:
        raise Http404
    return job


def get_stay_for(user, pk) -> Occupancy:
    """A stay of a resident in the user's jurisdiction; 404 otherwise."""
    stay = (
        Occupancy.objects.select_related("resident", "house__address")
        .filter(pk=pk, resident__in=residents_for(user).values("pk"))
        .first()
    )
    if stay is None:
        raise Http404
    return stay
