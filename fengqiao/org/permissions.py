"""What each role may do. Roles are taxonomy codes; permissions are Django's own strings,
so the admin, the API and the pages all ask ``user.has_perm`` the same way."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from fengqiao.org.scope import person_of

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
_READ_WORK = {"disputes.view_case", "intake.view_report"}
_DO_WORK = _READ_WORK | {"disputes.change_case", "intake.add_report", "intake.change_report"}
# Building heads, grid workers, volunteers and property staff: their grids, their cases.
_GROUND_WORK = frozenset(_VIEW_PLACES | _DO_WORK | {"org.view_person", "org.view_assignment"})

# Full phone numbers of colleagues and volunteers: police and station management only.
SEE_FULL_PHONE = "org.view_full_phone"
VIEW_AUDIT = "audit.view_auditevent"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "resident": frozenset(),
    "building_head": frozenset(
        _VIEW_PLACES | _DO_WORK | {"org.view_person", "org.view_assignment"}
    ),
    "grid_worker": frozenset(_VIEW_PLACES | _DO_WORK | {"org.view_person", "org.view_assignment"}),
    "volunteer": frozenset(_VIEW_PLACES | _DO_WORK | {"org.view_person", "org.view_assignment"}),
    "property_staff": frozenset(
        _VIEW_PLACES | _DO_WORK | {"org.view_person", "org.view_assignment"}
    ),
    "auxiliary_police": frozenset(_VIEW_ALL | _DO_WORK),
    "community_police": frozenset(
        _VIEW_ALL | _DO_WORK | {SEE_FULL_PHONE, "places.add_building", "places.change_building"}
    ),
    "mediator": frozenset(_VIEW_ALL | _DO_WORK),
    "lawyer": frozenset(_VIEW_PLACES | _DO_WORK | {"org.view_person", "org.view_team"}),
    "judicial_officer": frozenset(_VIEW_ALL | _DO_WORK),
    "court_officer": frozenset(_VIEW_PLACES | _DO_WORK | {"org.view_person", "org.view_team"}),
    "procurator": frozenset(_VIEW_PLACES | _READ_WORK | {"org.view_person", "org.view_team"}),
    "station_chief": frozenset(
        _VIEW_ALL
        | _DO_WORK
        | {SEE_FULL_PHONE, VIEW_AUDIT, "org.view_accessgrant"}
        | {f"org.{a}_{m}" for a in ("add", "change") for m in ("assignment", "team", "person")}
    ),
    "analyst": frozenset(_VIEW_ALL | _READ_WORK | {VIEW_AUDIT}),
    "admin": frozenset(
        _VIEW_ALL | _MANAGE_PLACES | _MANAGE_ORG | _DO_WORK | {SEE_FULL_PHONE, VIEW_AUDIT}
    ),
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
        roles = frozenset(person.roles.values_list("code", flat=True) if person else ())
    setattr(user, _ROLES_ATTR, roles)
    return roles


def permissions_for_roles(roles) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


class RolePermissionBackend(ModelBackend):
    """Django's model backend, with each role's permissions added from ROLE_PERMISSIONS."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set(super().get_all_permissions(user_obj)) | permissions_for_roles(
            roles_of(user_obj)
        )
