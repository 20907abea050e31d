"""Every write of a campaign: ``save_campaign`` for both kinds (household visits 大走访 and
anti-fraud work). A visit campaign's tasks are the registry's houses in its grids, one each,
made here in bulk and handed by default to the grid's grid worker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.org.models import Duty, Unit
from fengqiao.org.scope import in_scope
from fengqiao.org.selectors import responsibles_for_grids
from fengqiao.outreach.models import Campaign, VisitRecord, VisitTask
from fengqiao.places.models import Region
from fengqiao.registry.models import House

ADD_CAMPAIGN = "outreach.add_campaign"
CHANGE_CAMPAIGN = "outreach.change_campaign"
CAMPAIGN_UNIT_KINDS = (Unit.Kind.STATION,)
MAX_NAME_CHARS = 100
MAX_NOTE_CHARS = 2000
MAX_GRIDS = 500
MAX_DAYS = 366
# How many tasks go to the database in one statement.
TASK_BATCH = 2000


def save_campaign(
    *,
    actor,
    campaign: Campaign | None = None,
    kind: str,
    name: str,
    station: Unit | None,
    grids: Iterable[Region],
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    note: str = "",
) -> Campaign:
    """Create or change a campaign of a station over chosen grids and dates.

    Police and chiefs, for a station in their jurisdiction; every grid must be a grid
    (level ``grid``) inside the station's jurisdiction; the campaign lasts from one day to a
    year. The kind is fixed once the campaign exists.

    For a visit campaign every registry house in its grids becomes one visit task, assigned
    to the grid's grid worker (walking up to the nearest one) — in bulk, and again only for
    the houses that have none yet when grids are added later, so saving twice changes
    nothing. A grid can be taken out only while nobody has visited a household in it; its
    tasks go with it. Returns the campaign; audited with the tasks added and removed.
    """
    permission = ADD_CAMPAIGN if campaign is None else CHANGE_CAMPAIGN
    if (
        actor is None
        or not actor.has_perm(permission)
        or (campaign is not None and not in_scope(actor, campaign))
    ):
        raise PermissionDenied(_("您没有管理走访宣传活动的权限"))
    name, note = (name or "").strip(), (note or "").strip()
    grids = list({grid.pk: grid for grid in grids or ()}.values())
    errors: dict[str, str] = {}
    if kind not in Campaign.Kind.values:
        errors["kind"] = _("请选择活动类型")
    elif campaign is not None and kind != campaign.kind:
        errors["kind"] = _("活动类型创建后不能更改")
    if not name or len(name) > MAX_NAME_CHARS:
        errors["name"] = _("请填写活动名称（最多 %(n)s 个字）") % {"n": MAX_NAME_CHARS}
    if station is None or station.kind not in CAMPAIGN_UNIT_KINDS:
        errors["station"] = _("请选择组织活动的派出所")
    elif not in_scope(actor, station):
        errors["station"] = _("这个派出所不在您的管辖范围")
    elif campaign is not None and station.pk != campaign.station_id:
        errors["station"] = _("活动的派出所创建后不能更改")
    if "station" not in errors:
        problem = _grids_problem(grids, station)
        if problem:
            errors["grids"] = problem
    if starts_on is None:
        errors["starts_on"] = _("请填写开始日期")
    if ends_on is None:
        errors["ends_on"] = _("请填写结束日期")
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期")
    elif starts_on is not None and (ends_on - starts_on).days >= MAX_DAYS:
        errors["ends_on"] = _("活动最长一年，请把结束日期提前")
    if len(note) > MAX_NOTE_CHARS:
        errors["note"] = _("说明请控制在 %(n)s 字以内") % {"n": MAX_NOTE_CHARS}
    if "name" not in errors and "station" not in errors:
        clash = Campaign.objects.unscoped_for_jobs().filter(station=station, name=name)
        if campaign is not None:
            clash = clash.exclude(pk=campaign.pk)
        if clash.exists():
            errors["name"] = _("这个派出所已有同名的活动")
    dropped: list[Region] = []
    if campaign is not None and "grids" not in errors:
        kept = {grid.pk for grid in grids}
        dropped = [grid for grid in campaign.grids.all() if grid.pk not in kept]
        visited = _grids_visited(campaign, dropped)
        if visited:
            errors["grids"] = _("这些网格已有走访记录，不能移出活动：%(names)s") % {
                "names": "、".join(visited)
            }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = None if campaign is None else _summary(campaign)
        campaign = campaign or Campaign(kind=kind, created_by=actor)
        campaign.name, campaign.station, campaign.note = name, station, note
        campaign.starts_on, campaign.ends_on = starts_on, ends_on
        campaign.save()
        campaign.grids.set(grids)
        removed = _remove_tasks(campaign, dropped)
        added = _add_tasks(campaign, grids) if campaign.kind == Campaign.Kind.VISIT else 0
        # Re-checked after the write: a campaign moved out of the actor's reach is refused.
        if not in_scope(actor, campaign):
            raise PermissionDenied(_("保存后的活动不在您的辖区内"))
        audit.record(
            actor=actor,
            action="outreach.campaign_saved",
            obj=campaign,
            changes={
                "before": before,
                **_summary(campaign),
                "tasks_added": added,
                "tasks_removed": removed,
            },
        )
    return campaign


def _grids_problem(grids: list[Region], station: Unit) -> str:
    """What is wrong with the chosen grids for this station, or ''."""
    if not grids:
        return _("请至少选择一个网格")
    if len(grids) > MAX_GRIDS:
        return _("一次最多选择 %(n)s 个网格") % {"n": MAX_GRIDS}
    not_grids = [grid.name for grid in grids if grid.level != "grid"]
    if not_grids:
        return _("只能选择网格：%(names)s 不是网格") % {"names": "、".join(not_grids)}
    within = station.jurisdiction.path
    outside = [grid.name for grid in grids if not grid.path.startswith(within)]
    if outside:
        return _("这些网格不在%(station)s的辖区内：%(names)s") % {
            "station": station.name,
            "names": "、".join(outside),
        }
    return ""


def _grids_visited(campaign: Campaign, grids: list[Region]) -> list[str]:
    if not grids:
        return []
    ids = set(
        VisitRecord.objects.unscoped_for_jobs()
        .filter(task__campaign=campaign, task__grid__in=grids)
        .values_list("task__grid_id", flat=True)
    )
    return [grid.name for grid in grids if grid.pk in ids]


def _remove_tasks(campaign: Campaign, grids: list[Region]) -> int:
    if not grids:
        return 0
    removed, _by_model = (
        VisitTask.objects.unscoped_for_jobs().filter(campaign=campaign, grid__in=grids).delete()
    )
    return removed


def _add_tasks(campaign: Campaign, grids: list[Region]) -> int:
    """One task per registry house in the grids that has none in this campaign yet."""
    have = set(
        VisitTask.objects.unscoped_for_jobs()
        .filter(campaign=campaign)
        .values_list("house_id", flat=True)
    )
    by_pk = {grid.pk: grid for grid in grids}
    workers = responsibles_for_grids(grids, duties=[Duty.GRID_WORKER])
    houses = (
        House.objects.unscoped_for_jobs()
        .filter(address__grid__in=grids)
        .order_by("pk")
        .values_list("pk", "address__grid_id")
    )
    tasks = []
    for house_id, grid_id in houses.iterator(chunk_size=TASK_BATCH):
        if house_id in have:
            continue
        grid = by_pk[grid_id]
        people = workers[grid_id][Duty.GRID_WORKER]
        tasks.append(
            VisitTask(
                campaign=campaign,
                house_id=house_id,
                grid=grid,
                assignee=people[0] if people else None,
                scope_path=grid.path,  # bulk_create skips save(), which sets it
            )
        )
    VisitTask.objects.bulk_create(tasks, batch_size=TASK_BATCH)
    return len(tasks)


def _summary(campaign: Campaign) -> dict:
    return {
        "kind": campaign.kind,
        "name": campaign.name,
        "station": campaign.station_id,
        "grids": sorted(campaign.grids.values_list("pk", flat=True)),
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
    }
