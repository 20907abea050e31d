"""Re-routing a case (改派): to another grid (and building) when it was placed wrong, or to
another handling body (a mediation team, a committee, the dispute-resolution centre), with
a reason.

The case keeps its state, level and clocks; what changes is where it sits and who handles
it. Where it sits is also who may see it (``Case.scope_path``, copied onto its parties), so
both the old and the new place must lie in the actor's jurisdiction, and the saved case is
checked again before the transaction commits.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.disputes import services
from fengqiao.disputes.models import Case, Party
from fengqiao.org.models import Team
from fengqiao.org.scope import in_scope
from fengqiao.places.models import Building, Region, ancestor_paths

# The bodies a case can be handed to as its handler; patrol, volunteer, property and agency
# teams help with a case but do not carry it.
HANDLING_TEAM_KINDS = (
    Team.Kind.MEDIATION,
    Team.Kind.COMMITTEE,
    Team.Kind.GOVERNANCE,
    Team.Kind.DISPUTE_CENTRE,
)


def team_serves(team: Team, grid: Region) -> bool:
    """Whether ``team``'s service area covers ``grid`` (its region is the grid or above it)."""
    return grid.path.startswith(team.region.path)


def reassign_case(
    *,
    case: Case,
    actor,
    reason: str,
    grid: Region | None = None,
    building: Building | None = None,
    team: Team | None = None,
    version: int | None = None,
) -> Case:
    """Move ``case`` to ``grid`` (and ``building``, which must lie in it; a building alone
    names its grid) and/or hand it to ``team``, for ``reason``.

    The handlers are those of the new place at the case's level (``services.handlers_for``),
    or the members of ``team`` when one is named; they are told, and so are the handlers it
    leaves. The actor must be allowed to steer cases (``reassign``) and hold the case, the
    new grid and building in their jurisdiction; a team must serve the case's place.
    ``version``, when given, is the version the actor saw: an older one is refused as
    changed meanwhile. One transaction: state and version (``services.transition``), the
    timeline and audit, the parties' place, the handlers and the notifications.
    """
    services.ensure_may(actor, case, "reassign")
    if version is not None and version != case.version:
        raise services.CaseChanged(_("这个案件刚刚被其他人修改过，请刷新后再操作"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("改派必须说明理由")})
    if building is not None and grid is None:
        grid = building.grid
    new_grid = grid or case.grid
    if new_grid.level != "grid":
        raise ValidationError({"grid": _("请选择一个网格")})
    if building is not None and building.grid_id != new_grid.pk:
        raise ValidationError({"building": _("这个楼栋不在所选网格内")})
    refused = _("新的位置不在您的辖区内")
    if not in_scope(actor, new_grid) or (building is not None and not in_scope(actor, building)):
        raise PermissionDenied(refused)
    if team is not None:
        if team.kind not in HANDLING_TEAM_KINDS:
            raise ValidationError({"team": _("这个队伍不能承办案件")})
        if not team_serves(team, new_grid):
            raise ValidationError({"team": _("这个承办单位的服务区域不包括案件所在网格")})
    # A new grid without a building named leaves the old building behind: it lies elsewhere.
    new_building = building if (building is not None or grid is not None) else case.building
    moved = new_grid.pk != case.grid_id or _pk(new_building) != case.building_id
    handed = team is not None and team.pk != case.team_id
    if not moved and not handed:
        raise ValidationError({"grid": _("请选择新的网格、楼栋或承办单位")})
    return _reassign(case, actor, reason.strip(), new_grid, new_building, team)


def _pk(obj) -> int | None:
    return obj.pk if obj is not None else None


def _reassign(
    case: Case, actor, reason: str, grid: Region, building: Building | None, team: Team | None
) -> Case:
    old_grid, old_building, old_team = case.grid, case.building, case.team
    old_handlers = list(case.handlers.all())
    if team is not None:
        people, new_team = list(team.members.all()), team
    else:
        # Who packages the new place at the case's level; computed on the case as it will be.
        case.grid, case.building = grid, building
        try:
            people, new_team = services.handlers_for(case, case.level)
        finally:
            case.grid, case.building = old_grid, old_building
    changes = {"grid": grid, "building": building, "scope_path": grid.path, "team": new_team}
    if case.std_address_id and grid.pk != old_grid.pk and case.std_address.grid_id != grid.pk:
        changes["std_address"] = None  # the standard address named the old place
    payload = {
        "grid": [old_grid.code, grid.code],
        "building": [old_building.code if old_building else "", building.code if building else ""],
        "team": [old_team.name if old_team else "", new_team.name if new_team else ""],
        "handlers": [p.name for p in people],
    }
    with transaction.atomic():
        case = services.transition(
            case=case,
            actor=actor,
            action="reassign",
            note=reason,
            payload=payload,
            changes=changes,
        )
        # Parties carry the case's place so that "this name in this village" is one range.
        Party.objects.filter(case=case).update(scope_path=case.scope_path)
        if grid.pk != old_grid.pk or _pk(building) != _pk(old_building):
            services.case_moved.send(sender=Case, case=case)
        case.handlers.set(people)
        if not in_scope(actor, case):
            raise PermissionDenied(_("新的位置不在您的辖区内"))
        services.notify(
            people,
            case,
            f"reassigned:{case.version}",
            _("%(ref)s 已改派给您承办：%(reason)s") % {"ref": case.reference, "reason": reason},
        )
        gone = [p for p in old_handlers if p not in people]
        services.notify(
            gone,
            case,
            f"reassigned_away:{case.version}",
            _("%(ref)s 已改派他人承办：%(reason)s") % {"ref": case.reference, "reason": reason},
        )
    return case


def handling_teams_for(user, case: Case):
    """The bodies the user may hand ``case`` to: handling teams in the user's jurisdiction
    whose service area covers the case's grid."""
    return (
        Team.objects.for_user(user)
        .filter(kind__in=HANDLING_TEAM_KINDS, region__path__in=ancestor_paths(case.grid.path))
        .select_related("region")
        .order_by("-region__depth", "name")
    )
