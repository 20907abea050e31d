"""What each role may do. Roles are taxonomy codes; permissions are Django's own strings,
so the admin, the API and the pages all ask ``user.has_perm`` the same way."""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection

from fengqiao.org.scope import (
    GRANT_ROW,
    grant_rows_sql,
    grants_known,
    keep_grant_paths,
    person_of,
    sql_names,
)

_VIEW_PLACES = {"places.view_region", "places.view_building"}
_VIEW_ORG = {
    "org.view_unit",
    "org.view_beat",
    "org.view_person",
    "org.view_team",
    "org.view_assignment",
}
_VIEW_ALL = _VIEW_PLACES | _VIEW_ORG
_MANAGE_PLACES = {
    f"places.{action}_{model}"
    for action in ("add", "change", "delete")
    for model in ("region", "building")
} | {"places.import_grids"}
_MANAGE_ORG = {
    f"org.{action}_{model}"
    for action in ("add", "change", "delete")
    for model in ("unit", "beat", "person", "team", "assignment", "accessgrant")
} | {"org.view_accessgrant", "org.view_role", "auth.view_user", "auth.change_user"}

# Cases and reports: everyone who works them reads them; handlers and police change them.
# The county's library of typical cases (典型案例) is read by everyone who works cases.
_READ_WORK = {"disputes.view_case", "intake.view_report", "disputes.view_typicalcase"}
# Mediators, the judicial office and supervisors choose closed cases for the library.
_CHOOSE_TYPICAL = {"disputes.add_typicalcase"}
# A body that takes hand-offs (转办) answers those addressed to its team, nothing else.
_ANSWER_HANDOFFS = frozenset({"disputes.view_handoff", "disputes.change_handoff"})
_DO_WORK = _READ_WORK | {"disputes.change_case", "intake.add_report", "intake.change_report"}
# The registry ("four reals"): the ground sees addresses and houses and reports tenants;
# police keep the registry; full ID and phone numbers only by a logged reveal.
_REGISTRY_MODELS = ("address", "house", "resident", "establishment", "keyperson", "carevisit")
_REGISTRY_VIEW = {f"registry.view_{model}" for model in _REGISTRY_MODELS} | {
    "registry.view_tenantreport"
}
# A ground submission of a resident's add, correction or end waits for the police
# (registry.editing); the police apply their own at once and review the ground's.
_REGISTRY_GROUND = {
    "registry.view_address",
    "registry.view_house",
    "registry.add_tenantreport",
    "registry.add_registrychange",
}
_REGISTRY_KEEP = (
    _REGISTRY_VIEW
    | {f"registry.{a}_{m}" for a in ("add", "change") for m in _REGISTRY_MODELS}
    | {"registry.add_tenantreport", "registry.change_tenantreport"}
    | {f"registry.{a}_registrychange" for a in ("view", "add", "change")}
)
REVEAL_IDENTITY = "registry.reveal_identity"
SEE_SENSITIVE_POPULATION = "registry.view_sensitive_population"

# Community groups: the ground and the police talk in them; police and chiefs broadcast,
# raise alerts and moderate. Residents act through their memberships, not permissions.
_COMMUNITY_TALK = {"community.view_group", "community.add_message"}
_COMMUNITY_RUN = _COMMUNITY_TALK | {
    "community.add_group",
    "community.change_group",
    "community.change_message",
    "community.add_broadcast",
    "community.view_broadcast",
    "community.add_alert",
    "community.change_alert",
    "community.view_alert",
}

# Patrol check-ins (巡逻打卡): the ground below and the police.
_PATROL_CHECK_IN = frozenset({"dispatch.add_checkin"})

# Building heads, grid workers, volunteers and property staff: their grids, their cases.
_GROUND_WORK = frozenset(
    _VIEW_PLACES
    | _DO_WORK
    | _REGISTRY_GROUND
    | _COMMUNITY_TALK
    | {"community.view_alert", "org.view_person", "org.view_assignment"}
    | _PATROL_CHECK_IN
)

# Full phone numbers of colleagues and volunteers: police and station management only.
SEE_FULL_PHONE = "org.view_full_phone"
VIEW_AUDIT = "audit.view_auditevent"
# Figures (analytics): the police and mediators see their area's indicators; chiefs and the
# bureau's analysts also the evaluation, the inspectors' flags and the briefs; only the
# bureau (analyst, administrator) confirms or dismisses a flag, never the unit flagged.
VIEW_FIGURES = "analytics.view_dailyfact"
_FIGURES_READ = frozenset({VIEW_FIGURES})
_FIGURES_SUPERVISE = _FIGURES_READ | {"analytics.view_flag", "analytics.view_brief"}
_FIGURES_INSPECT = _FIGURES_SUPERVISE | {"analytics.change_flag"}

# Dispatch (接处警): police see their area's incidents and units and answer what they are
# sent to; community police and chiefs also take 110 transfers and dispatch; chiefs and
# administrators keep the station's units on duty.
_DISPATCH_RESPOND = frozenset(
    {"dispatch.view_incident", "dispatch.view_dutyunit", "dispatch.respond_incident"}
)
_DISPATCH_RUN = _DISPATCH_RESPOND | {
    "dispatch.dispatch_incident",
    "dispatch.add_incident",
    "dispatch.change_incident",
}
_DISPATCH_UNITS = frozenset(
    {"dispatch.view_dutyunit", "dispatch.add_dutyunit", "dispatch.change_dutyunit"}
)
# Patrols: chiefs, administrators and community police keep routes and plan shifts.
_PATROL_RUN = frozenset(
    {f"dispatch.{a}_patrolroute" for a in ("view", "add", "change")}
    | {"dispatch.view_patrolshift", "dispatch.add_patrolshift", "dispatch.view_checkin"}
)

# Services to the people (户籍及行政服务): the police read the catalogue and work the
# applications (window, online, kiosk, door to door); chiefs and administrators keep the
# catalogue. Residents apply through the public pages, not permissions.
_SERVICES_WORK = frozenset(
    {
        "services.view_service",
        "services.view_application",
        "services.add_application",
        "services.process_application",
    }
)
_SERVICES_KEEP = _SERVICES_WORK | {"services.add_service", "services.change_service"}
# Outreach: everyone on the ground records visits, events and warnings in their grids; the
# police and chiefs plan campaigns; chiefs and administrators record commendations.
_OUTREACH_GROUND = frozenset(
    {
        "outreach.view_campaign",
        "outreach.view_visittask",
        "outreach.view_visitrecord",
        "outreach.add_visitrecord",
        "outreach.view_outreachevent",
        "outreach.add_outreachevent",
        "outreach.view_commendation",
    }
)
_OUTREACH_POLICE = _OUTREACH_GROUND | {
    "outreach.add_campaign",
    "outreach.change_campaign",
    "outreach.change_visittask",
    "outreach.view_fraudwarning",
    "outreach.add_fraudwarning",
}
_OUTREACH_RUN = _OUTREACH_POLICE | {"outreach.add_commendation"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "resident": frozenset(),
    "building_head": _GROUND_WORK | _OUTREACH_GROUND,
    # Grid workers collect the registry in their grids (masked numbers only).
    "grid_worker": _GROUND_WORK
    | {"registry.view_resident", "registry.view_establishment"}
    | _OUTREACH_GROUND,
    "volunteer": _GROUND_WORK | _OUTREACH_GROUND,
    "property_staff": _GROUND_WORK,
    "auxiliary_police": frozenset(
        _VIEW_ALL | _DO_WORK | _REGISTRY_KEEP | _COMMUNITY_TALK | _DISPATCH_RESPOND
    )
    | _PATROL_CHECK_IN
    | _SERVICES_WORK
    | _OUTREACH_POLICE,
    "community_police": frozenset(
        _VIEW_ALL
        | _DO_WORK
        | _REGISTRY_KEEP
        | _COMMUNITY_RUN
        | {SEE_FULL_PHONE, REVEAL_IDENTITY, SEE_SENSITIVE_POPULATION}
        | {"places.add_building", "places.change_building", "registry.merge_resident"}
        | _FIGURES_READ
        | _DISPATCH_RUN
        | _PATROL_RUN
        | _PATROL_CHECK_IN
        | _SERVICES_WORK
        | _OUTREACH_POLICE
    ),
    "mediator": frozenset(_VIEW_ALL | _DO_WORK | _CHOOSE_TYPICAL | _FIGURES_READ),
    "lawyer": frozenset(_VIEW_PLACES | _DO_WORK | {"org.view_person", "org.view_team"}),
    "judicial_officer": frozenset(_VIEW_ALL | _DO_WORK | _CHOOSE_TYPICAL | _FIGURES_READ),
    "court_officer": frozenset(_VIEW_PLACES | _DO_WORK | {"org.view_person", "org.view_team"}),
    "procurator": frozenset(_VIEW_PLACES | _READ_WORK | {"org.view_person", "org.view_team"}),
    "station_chief": frozenset(
        _VIEW_ALL
        | _DO_WORK
        | _REGISTRY_KEEP
        | _COMMUNITY_RUN
        | {SEE_FULL_PHONE, VIEW_AUDIT, "org.view_accessgrant"}
        | _CHOOSE_TYPICAL
        | {REVEAL_IDENTITY, SEE_SENSITIVE_POPULATION, "registry.merge_resident"}
        | {f"org.{a}_{m}" for a in ("add", "change") for m in ("assignment", "team", "person")}
        | _FIGURES_SUPERVISE
        | _DISPATCH_RUN
        | _DISPATCH_UNITS
        | _PATROL_RUN
        | _SERVICES_KEEP
        | _OUTREACH_RUN
    ),
    "analyst": frozenset(
        _VIEW_ALL
        | _READ_WORK
        | _REGISTRY_VIEW
        | {VIEW_AUDIT}
        | _FIGURES_INSPECT
        | {"dispatch.view_incident", "dispatch.view_dutyunit"}
        | {"services.view_service", "services.view_application"}
        | {f"outreach.view_{m}" for m in ("campaign", "visittask", "outreachevent")}
        | {"outreach.view_fraudwarning", "outreach.view_commendation"}
    ),
    "admin": frozenset(
        _VIEW_ALL
        | _MANAGE_PLACES
        | _MANAGE_ORG
        | _DO_WORK
        | _REGISTRY_KEEP
        | _COMMUNITY_RUN
        | {"community.view_outboundtarget", "community.add_outboundtarget"}
        | {"community.change_outboundtarget", "community.view_outbounddelivery"}
        | {SEE_FULL_PHONE, VIEW_AUDIT, "registry.merge_resident"}
        | _CHOOSE_TYPICAL
        # A county's own time limits and escalation setting (disputes.policy).
        | {"disputes.view_countypolicy", "disputes.change_countypolicy"}
        | _FIGURES_INSPECT
        | _DISPATCH_UNITS
        | {"dispatch.view_incident"}
        | _PATROL_RUN
        | _SERVICES_KEEP
        | _OUTREACH_RUN
    ),
    "agency_staff": _ANSWER_HANDOFFS,
}

# Roles whose holders may open the (scoped) Django admin.
ADMIN_SITE_ROLES = frozenset({"admin", "station_chief"})

_ROLES_ATTR = "_fengqiao_roles"


def roles_of(user) -> frozenset[str]:
    """The role codes of the user's staff profile (cached on the user object)."""
    cached = getattr(user, _ROLES_ATTR, None)
    if cached is not None:
        return cached
    roles: frozenset[str] = frozenset()
    if getattr(user, "is_authenticated", False) and user.is_active:
        person = person_of(user)
        # Someone taken off duty keeps their roles on record but acts with none of them.
        if person is not None and person.active:
            roles = _read_grants(user)
    setattr(user, _ROLES_ATTR, roles)
    return roles


def _read_grants(user) -> frozenset[str]:
    """The roles of the user's (active) staff profile, Django's own permissions of the user
    and their groups, and the user's access grants, in one query: every staff request needs
    them all. The permissions are kept where Django's ``ModelBackend`` keeps them
    (``_perm_cache``), unless they are there already; the grants where ``scope_for`` looks
    (a superuser's scope needs none)."""
    with_permissions = not (user.is_superuser or hasattr(user, "_perm_cache"))  # else Django
    with_grants = not (user.is_superuser or grants_known(user))
    sql = _staff_rows_sql(connection.vendor, with_permissions, with_grants)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk] * sql.count("%s"))
        rows = cursor.fetchall()
    roles, granted, grants = set(), set(), []
    for row in rows:
        kind, name = row[0], row[1]
        if kind == _ROLE_ROW:
            roles.add(name)
        elif kind == GRANT_ROW:
            grants.append(row)
        else:
            granted.add(f"{kind}.{name}")
    if with_permissions:
        user._perm_cache = granted
    if with_grants:
        keep_grant_paths(user, grants)
    return frozenset(roles)


# No app is labelled so (labels are identifiers): marks a role among permission rows.
_ROLE_ROW = "-role"


@cache
def _staff_rows_sql(vendor: str, with_permissions: bool, with_grants: bool) -> str:
    """One statement of four-column rows: the user's roles (``_ROLE_ROW``, code), their own
    and their groups' permissions (app label, codename), each padded with NULLs, and their
    grants (as ``scope.grant_rows_sql`` gives them). Every ``%s`` is the user's id.

    Written by hand and built once per database vendor (quoting differs): it runs on every
    staff request, and compiling the equivalent ORM union each time cost several times
    what the database took to answer it.
    """
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from fengqiao.org.models import Person

    user_model = get_user_model()
    person, role_link = sql_names(Person), sql_names(Person.roles.through)
    user_links = sql_names(user_model.user_permissions.through)
    member = sql_names(user_model.groups.through)
    group_links = sql_names(Group.permissions.through)
    perm, content_type = sql_names(Permission), sql_names(ContentType)
    permission_label = (
        f"SELECT ct.{content_type.app_label}, p.{perm.codename}, NULL, NULL"
        f" FROM {perm.table} p"
        f" INNER JOIN {content_type.table} ct ON ct.{content_type.pk} = p.{perm.content_type}"
    )
    parts = [
        f"SELECT '{_ROLE_ROW}', pr.{role_link.role}, NULL, NULL"
        f" FROM {role_link.table} pr"
        f" INNER JOIN {person.table} s ON s.{person.pk} = pr.{role_link.person}"
        f" WHERE s.{person.user} = %s"
    ]
    if with_permissions:
        parts.append(
            f"{permission_label}"
            f" INNER JOIN {user_links.table} up ON up.{user_links.permission} = p.{perm.pk}"
            f" WHERE up.{user_links.user} = %s"
        )
        parts.append(
            f"{permission_label}"
            f" INNER JOIN {group_links.table} gp ON gp.{group_links.permission} = p.{perm.pk}"
            f" INNER JOIN {member.table} ug ON ug.{member.group} = gp.{group_links.group}"
            f" WHERE ug.{member.user} = %s"
        )
    if with_grants:
        parts.append(grant_rows_sql())
    return " UNION ALL ".join(parts)


def permissions_for_roles(roles) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def may_sign_in(user) -> bool:
    """An active account whose staff profile, if it has one, is on duty. Residents have no
    profile; a member of staff taken off duty is refused at once, whatever they hold."""
    if not getattr(user, "is_active", False):
        return False
    person = person_of(user)
    return person is None or person.active


class RolePermissionBackend(ModelBackend):
    """Django's model backend, with each role's permissions added from ROLE_PERMISSIONS.

    It also refuses staff taken off duty, at login and on every request of a session they
    already hold (Django asks ``user_can_authenticate`` when it reloads the session's user).
    """

    def user_can_authenticate(self, user) -> bool:
        return may_sign_in(user)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        roles = roles_of(user_obj)  # first: it reads Django's permissions in the same query
        return set(super().get_all_permissions(user_obj)) | permissions_for_roles(roles)
