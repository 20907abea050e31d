"""Every write to a case. Each checks role and scope, applies a legal move with a conditional
update, appends the timeline and the audit trail, all in one transaction."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, FilteredRelation, Model, Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.audit import services as audit
from fengqiao.disputes import clocks, early_warning, party_fields, rules
from fengqiao.disputes.models import (
    Case,
    CaseEvent,
    CaseLink,
    Notification,
    Party,
)
from fengqiao.disputes.references import ReferenceTake
from fengqiao.inserts import insert_together
from fengqiao.org.models import Person, Team
from fengqiao.org.permissions import roles_of
from fengqiao.org.scope import in_scope, person_of
from fengqiao.org.selectors import packages_for_place, responsibles_for_grids
from fengqiao.places.models import Building, Region, ancestor_paths
from fengqiao.places.selectors import county_code_on
from fengqiao.precompiled import precompiled

CHANGE_CASE = "disputes.change_case"

# Sent inside the transaction that moves a case to another grid or building (改派), with
# ``case`` as it now stands: modules above disputes that keep records of the case's place
# (intake's report) follow it, without disputes knowing them.
case_moved = Signal()

_REFUSED = _("这项操作在案件当前状态下不允许")


class CaseChanged(ValidationError):
    """Someone else changed the case first; the page should reload it."""


# --- reading a case's place ------------------------------------------------------------


def county_code_of(grid: Region) -> str:
    """The county code on the grid's path (the reference number's prefix)."""
    return _county_code_on(grid.path)


# Safe to keep: a region's code and parent never change, so neither does its path. A
# report's path is in places' copy already; a bulk import's paths are read once each.
_county_code_on = functools.lru_cache(maxsize=4096)(county_code_on)


def handlers_for(
    case: Case, level: int, packages: dict | None = None
) -> tuple[list[Person], Team | None]:
    """Who takes the case at ``level``, from the responsibility packages of its place
    (``packages``: ``org.selectors.packages_for_place`` of its grid and building, if the
    caller has it)."""
    plan = rules.handler_plan(level, has_building=case.building_id is not None)
    team, members = _nearest_team(case.grid, plan.team_kinds)
    if not plan.duties:
        return members, team
    if packages is None:
        packages = packages_for_place(case.grid, case.building if case.building_id else None)
    people: list[Person] = []
    if "building_head" in plan.duties:
        people = list(packages.get("building_head", []))
    for duty in plan.duties:
        if duty == "building_head":
            continue
        if duty == "grid_worker" and people and level == 1:
            break  # level 1: the building head when there is one, else the grid workers
        people += [p for p in packages.get(duty, []) if p not in people]
    people += [p for p in members if p not in people]
    return people, team


_MEMBER_COLUMNS = [field.attname for field in Person._meta.concrete_fields]


@precompiled  # every case at level 2 or 3 asks it
def _teams_with_active_members(kinds: list[str], paths: list[str]) -> QuerySet[Team]:
    """The teams of ``kinds`` on the regions with these paths, once per member, with the
    member's columns where the member is active, nearest region first."""
    return (
        Team.objects.filter(kind__in=kinds, region__path__in=paths)
        .alias(active=FilteredRelation("members", condition=Q(members__active=True)))
        .select_related("region")
        .annotate(**{f"member_{name}": F(f"active__{name}") for name in _MEMBER_COLUMNS})
        .order_by("-region__depth", "pk", "active__name", "active__id")
    )


def _nearest_team(grid: Region, kinds: tuple[str, ...]) -> tuple[Team | None, list[Person]]:
    """The team of the first of ``kinds`` that serves the grid or a region above it, the
    nearest one first (a township's committee before a county's), and its active members,
    in one query: each candidate team comes once per membership, with the member's columns
    when the member is active (NULL otherwise, and for a team with no members)."""
    if not kinds:
        return None, []
    columns = _MEMBER_COLUMNS
    rows = _teams_with_active_members([str(kind) for kind in kinds], ancestor_paths(grid.path))
    teams: dict[int, Team] = {}
    members: dict[int, list[Person]] = {}
    for row in rows:
        team = teams.setdefault(row.pk, row)
        values = [getattr(row, f"member_{name}") for name in columns]
        people = members.setdefault(team.pk, [])
        if values[columns.index("id")] is not None:
            people.append(Person.from_db(row._state.db, columns, values))
    for kind in kinds:
        for team in teams.values():
            if team.kind == kind:
                return team, members[team.pk]
    return None, []


# --- opening a case --------------------------------------------------------------------


def open_case(
    *,
    actor,
    title: str,
    narrative: str,
    category: str,
    risk: str,
    channel: str,
    grid: Region,
    building: Building | None = None,
    address: str = "",
    std_address=None,
    request: str = "",
    level: int | None = None,
    parties: list[dict] | None = None,
    received_at: dt.datetime | None = None,
    packages: dict | None = None,
) -> Case:
    """Register a dispute case in state ``received`` and hand it to the people who package
    its place at its starting level (red starts with the police).

    ``parties`` are dicts with role, name and optionally phone, id_number, address. For
    staff who register a case directly: they need ``disputes.change_case`` and the grid
    and building in their jurisdiction, checked again on the saved case before it commits.
    A case for a report is opened by ``open_case_for_report`` instead.
    """
    _ensure_may_open(actor, grid=grid, building=building)
    return _open_case(
        actor=actor,
        source=None,
        title=title,
        narrative=narrative,
        category=category,
        risk=risk,
        channel=channel,
        grid=grid,
        building=building,
        address=address,
        std_address=std_address,
        request=request,
        level=level,
        parties=parties,
        received_at=received_at,
        packages=packages,
    )


def open_case_for_report(
    *, report, actor, grid: Region, building: Building | None = None, **details
) -> Case:
    """Open the case for a dispute report that intake's door has already authorized (a
    resident reports from anywhere; the report's place is what was checked there).

    Only ``intake.services`` calls this, inside the transaction that stores the report, and
    records the link on its side (``Report.case``): disputes does not know intake's models.
    ``report`` is that report, saved or about to be saved with the case (so it needs no
    second write), read only for ``pk``, ``grid_id`` and ``case_id``: the case must sit in
    the report's grid, so this path opens nothing a report could not. No savepoint of its
    own: a failure here fails the caller's whole transaction. ``actor`` (the
    reporter, or None) goes on the timeline; no staff permission is asked of it. Staff who
    register a case themselves go through ``open_case``.

    ``details`` are ``open_case``'s other keyword arguments (title, narrative, category,
    risk, channel, address, std_address, request, level, parties, received_at, packages),
    and ``write_with``: given the case before it is written, the caller's own new rows that
    go with it (the report linked to it, its assignees), written in the same statement as
    the case's rows (``fengqiao.inserts``) and before the case's early warning reads.
    """
    _ensure_same_place_as(report, grid=grid, building=building)
    return _open_case(actor=actor, source=report, grid=grid, building=building, **details)


def _open_case(
    *,
    actor,
    source,
    title: str,
    narrative: str,
    category: str,
    risk: str,
    channel: str,
    grid: Region,
    building: Building | None = None,
    address: str = "",
    std_address=None,
    request: str = "",
    level: int | None = None,
    parties: list[dict] | None = None,
    received_at: dt.datetime | None = None,
    packages: dict | None = None,
    incident_number: str = "",
    write_with: Callable[[Case], Sequence[Model]] | None = None,
) -> Case:
    """The opening itself, once the caller's door is checked (``source``: the report for
    ``open_case_for_report``, None for staff)."""
    _check_codes(category=category, risk=risk, channel=channel)
    if level is None:
        level = rules.initial_level(risk)
    if level not in (1, 2, 3):
        raise ValidationError({"level": _("化解层级只能是 1、2、3")})
    level = max(level, rules.initial_level(risk))  # red starts with the police
    if not title.strip() or not narrative.strip():
        raise ValidationError({"narrative": _("请填写事由和简要案情")})
    received_at = received_at or timezone.now()
    # A report's case opens inside intake's transaction, which any failure here rolls back
    # whole: a savepoint would only cost two more statements.
    with transaction.atomic(savepoint=source is None):
        reference = ReferenceTake(county_code_of(grid), timezone.localtime(received_at).year)
        case = Case(
            category=category,
            risk=risk,
            level=level,
            channel=channel,
            title=title.strip()[:120],
            narrative=narrative.strip(),
            request=request.strip(),
            grid=grid,
            building=building,
            address=address.strip(),
            std_address=std_address,
            received_at=received_at,
            incident_number=incident_number.strip()[:32],
            scope_path=grid.path,  # as Case.save sets it: insert_together does not call it
        )
        reference.of(case)
        # Codes and texts are checked above; the foreign keys come from our own lookups, so
        # full_clean's one query per key would only re-read what was just read.
        case.clean_fields(exclude=["reference", "grid", "building", "team", "std_address"])
        if source is None and not in_scope(actor, case):
            raise PermissionDenied(_("这个位置不在您的辖区内"))
        people, team = handlers_for(case, level, packages)
        case.team = team
        added = [party_fields.unsaved_party(case, **party) for party in parties or ()]
        received = _new_event(
            case,
            actor,
            "received",
            to_state="received",
            payload={"level": level, "risk": risk, "handlers": [p.name for p in people]},
        )
        warned = []
        if risk == "red":
            # Red goes to the beat's community police at once, whoever handles it. A new
            # case has no reminders yet, so none is left out as already sent.
            police = (packages or responsibles_for_grids([grid])[grid.pk]).get(
                "community_police", []
            )
            warned = [
                reference.in_text(
                    Notification(recipient=p, case=case, key="red:received"),
                    "message",
                    _("红色预警：%(ref)s %(title)s，请立即处置"),
                    200,
                    title=case.title,
                )
                for p in dict.fromkeys([*police, *people])
            ]
        # One statement on PostgreSQL for the case, everything written with it, the
        # caller's own rows that name it (intake's report and its assignees), and the audit
        # chain's lock and head for the caller's batch of audit rows (``audit.batched``).
        insert_together(
            [
                case,
                *added,
                *[Case.handlers.through(case=case, person=p) for p in people],
                received,
                *warned,
                *(write_with(case) if write_with is not None else ()),
            ],
            reads=audit.head_reads(),
            takes=[reference.take()],
        )
        audit.record(
            actor=actor,
            action="disputes.case_opened",
            obj=case,
            changes={"risk": risk, "level": level, "category": category},
        )
        for decision in early_warning.after_opening(case, added):
            raise_grade(case, decision)
    return case


def notify(people, case: Case, key: str, message: str) -> None:
    """A reminder to each of ``people`` about ``case``; the same key is sent once per person."""
    Notification.objects.bulk_create(
        [Notification(recipient=p, case=case, key=key, message=message[:200]) for p in people],
        ignore_conflicts=True,
    )


def add_party(*, case: Case, actor, **values) -> Party:
    """A party the case opens with (no actor), or one added by ``actor`` for older callers:
    staff add and correct parties through ``disputes.parties``, which also audits."""
    if actor is not None:
        ensure_may(actor, case, "regrade")
    party = party_fields.new_party(case, **values)
    if actor is not None:
        append_event(case, actor, "party_added", payload={"name": party.name, "role": party.role})
    return party


# --- moving a case ---------------------------------------------------------------------


def transition(
    *,
    case: Case,
    actor,
    action: str,
    note: str = "",
    payload: dict | None = None,
    changes: dict | None = None,
) -> Case:
    """Apply ``action`` to ``case`` if the actor may and the state allows.

    The write is conditional on the version the actor saw: if someone changed the case
    meanwhile, nothing is written and CaseChanged says to reload. ``changes`` are extra
    field values set in the same update (level, risk ...).

    ``close`` on a case that must be verified first (``needs_verification``) becomes
    ``request_verification``: the case waits in 待验证 for someone else to close it, whoever
    asked to close it (a page, the API, the last return visit).
    """
    if action == "close" and needs_verification(case):
        action = "request_verification"
    ensure_may(actor, case, action)
    return _move(case, actor, action, note=note, payload=payload, changes=changes)


def _move(
    case: Case,
    actor,
    action: str,
    *,
    note: str = "",
    payload: dict | None = None,
    changes: dict | None = None,
    audit_extra: dict | None = None,
    first_action: bool = True,
) -> Case:
    """``transition`` once the actor is allowed: the state table, the conditional update,
    the timeline entry and the audit row. ``first_action`` False: the move is not the
    case's first action (a body's answer resuming the clock is not the handler's)."""
    try:
        target = rules.next_state(action, case.state)
    except rules.TransitionError:
        raise ValidationError(
            _("%(refused)s（当前状态：%(state)s）")
            % {"refused": _REFUSED, "state": taxonomy.label("case_state", case.state)}
        ) from None
    changes = dict(changes or {})
    # A move whose target the table leaves to the service (a 回退 from verification) names
    # it in ``changes``; the timeline records where the case really went.
    target = changes.pop("state", target)
    now = timezone.now()
    fields = {"state": target, "version": F("version") + 1, **changes}
    if case.first_action_at is None and first_action and action != "pause":
        fields["first_action_at"] = now
    if target in ("agreement", "closed") and case.resolved_at is None:
        fields["resolved_at"] = now
    if target in rules.ENDED_STATES:
        fields["closed_at"] = now
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=case.version).update(**fields)
        if not updated:
            raise CaseChanged(_("这个案件刚刚被其他人修改过，请刷新后再操作"))
        from_state = case.state
        case.refresh_from_db()
        append_event(
            case,
            actor,
            action,
            from_state=from_state,
            to_state=target,
            note=note,
            payload=payload or {},
        )
        audit.record(
            actor=actor,
            action=f"disputes.{action}",
            obj=case,
            changes={"state": [from_state, target], **(payload or {}), **(audit_extra or {})},
        )
    return case


def needs_verification(case: Case) -> bool:
    """Whether closing the case waits for verification (``rules.needs_verification``): it
    is at level 2 or 3, red, or has been under supervision."""
    return rules.needs_verification(
        level=case.level, risk=case.risk, supervised=case.supervisions.exists()
    )


def close_or_verify(*, case: Case, actor, note: str = "") -> Case:
    """Close the case, or, when it must be verified first, send it to 待验证 (the state it
    came from is kept on the timeline for a 回退). The one call for "this case is done"."""
    return transition(case=case, actor=actor, action="close", note=note)


def accept_case(*, case: Case, actor, note: str = "") -> Case:
    return transition(case=case, actor=actor, action="accept", note=note)


def escalate_case(*, case: Case, actor, reason: str) -> Case:
    """Move the case one level up and hand it to that level's people (DESIGN: 1→2→3)."""
    if case.level >= 3:
        raise ValidationError(_("已是最高层级（三级），无法继续上报"))
    return _change_level(case, actor, "escalate", case.level + 1, reason)


def de_escalate_case(*, case: Case, actor, reason: str) -> Case:
    if case.level <= 1:
        raise ValidationError(_("已是一级，无法再下放"))
    if not reason.strip():
        raise ValidationError({"reason": _("下放层级必须说明理由")})
    return _change_level(case, actor, "de_escalate", case.level - 1, reason)


def _change_level(case: Case, actor, action: str, level: int, reason: str) -> Case:
    people, team = handlers_for(case, level)
    with transaction.atomic():
        case = transition(
            case=case,
            actor=actor,
            action=action,
            note=reason,
            payload={"level": [case.level, level], "handlers": [p.name for p in people]},
            changes={"level": level, "team": team},
        )
        case.handlers.set(people)
    return case


def regrade_case(*, case: Case, actor, risk: str, reason: str) -> Case:
    """Change the risk grade; lowering it needs a reason (domain-notes §2.4)."""
    _check_codes(risk=risk)
    order = clocks.GRADES_LOW_TO_HIGH
    if order.index(risk) < order.index(case.risk) and not reason.strip():
        raise ValidationError({"reason": _("降低风险等级必须说明理由")})
    return transition(
        case=case,
        actor=actor,
        action="regrade",
        note=reason,
        payload={"risk": [case.risk, risk]},
        changes={"risk": risk},
    )


def pause_clock(*, case: Case, actor, reason: str) -> Case:
    """The case waits on a party: its clocks stand still until resumed."""
    if case.paused_since is not None:
        raise ValidationError(_("计时已经暂停"))
    return transition(
        case=case,
        actor=actor,
        action="pause",
        note=reason,
        changes={"paused_since": timezone.now()},
    )


def resume_clock(*, case: Case, actor, note: str = "") -> Case:
    ensure_may(actor, case, "resume")
    return resume_unchecked(case=case, actor=actor, note=note)


def resume_unchecked(*, case: Case, actor, note: str = "", by: str = "") -> Case:
    """Start the case's clocks again without asking whether the actor may work the case:
    the caller has decided. ``resume_clock`` asked ``ensure_may``; a partner body's answer
    ends the wait its hand-off began (``handoffs``), though its staff may not work the
    case. ``by`` names such a cause in the audit row, and the move is then not the case's
    first action. The same conditional update, timeline entry and audit row either way."""
    if case.paused_since is None:
        raise ValidationError(_("计时没有暂停"))
    return _move(
        case,
        actor,
        "resume",
        note=note,
        payload={"paused_since": case.paused_since.isoformat()},
        changes={"paused_since": None},
        audit_extra={"by": by} if by else None,
        first_action=not by,
    )


def transfer_case(
    *,
    case: Case,
    actor,
    body: str,
    reason: str,
    kind: str = "department",
    court_number: str = "",
) -> Case:
    """Hand the case to a court, criminal investigation (``kind`` "criminal": the dispute
    became a criminal case, 民转刑), the petition office or another department. A court's
    case number (``court_number``, court transfers only) is kept on the case and found by
    the case search, beside the incident number it may carry."""
    if kind not in rules.TRANSFER_KINDS:
        raise ValidationError({"kind": _("请选择移送去向")})
    if not body.strip() or not reason.strip():
        raise ValidationError({"body": _("请填写接收单位和移送理由")})
    court_number = (court_number or "").strip()
    if court_number and (kind != "court" or len(court_number) > 64):
        raise ValidationError({"court_number": _("法院案号只用于移送法院，最多 64 个字")})
    payload = {"body": body.strip(), "kind": kind}
    if court_number:
        payload["court_number"] = court_number
    with transaction.atomic():
        case = transition(case=case, actor=actor, action="transfer", note=reason, payload=payload)
        if court_number:
            Case.objects.filter(pk=case.pk).update(court_number=court_number)
            case.court_number = court_number
    return case


def withdraw_case(*, case: Case, actor, reason: str) -> Case:
    return transition(case=case, actor=actor, action="withdraw", note=reason)


def merge_case(*, case: Case, actor, into: Case, reason: str = "") -> Case:
    """Close ``case`` as merged into ``into`` (both must be in the actor's scope)."""
    if into.pk == case.pk:
        raise ValidationError({"into": _("不能把案件合并到它自己")})
    if not in_scope(actor, into) or not into.is_open:
        raise ValidationError({"into": _("目标案件不存在、不在您的辖区或已办结")})
    with transaction.atomic():
        case = transition(
            case=case,
            actor=actor,
            action="merge",
            note=reason,
            payload={"into": into.reference},
            changes={"merged_into": into},
        )
        append_event(into, actor, "merged_in", payload={"from": case.reference})
    return case


def link_cases(*, case: Case, actor, other: Case, kind: str) -> CaseLink:
    ensure_may(actor, case, "regrade")
    if not in_scope(actor, other):
        raise ValidationError({"other": _("目标案件不存在或不在您的辖区")})
    link, _created = CaseLink.objects.get_or_create(from_case=case, to_case=other, kind=kind)
    append_event(case, actor, "linked", payload={"to": other.reference, "kind": kind})
    return link


# --- asked and written by every write on a case, mediation's too ---------------------


def ensure_may(actor, case: Case, action: str) -> None:
    """Refuse unless the actor may change cases, sees this one, and may take ``action``.

    Out-of-scope cases are refused in the words used for a missing permission. Every write
    on a case asks this first, the sub-domains' too (``disputes.mediation``).
    """
    if not may_take(actor, case, action):
        raise PermissionDenied(_("您没有办理这个案件的权限"))


def may_take(actor, case: Case, action: str) -> bool:
    """Whether the actor may take ``action`` on the case: the permission to change cases,
    the case in their jurisdiction, and the ladder's table (``rules.LADDER``) for their
    roles at the case's level from their posting's tier. Pages ask this to offer an action
    (handlers prefetched or not), the services to allow it."""
    if actor is None or not actor.has_perm(CHANGE_CASE) or not in_scope(actor, case):
        return False
    return rules.may_act(
        roles_of(actor),
        action,
        level=case.level,
        is_handler=any(person.user_id == actor.pk for person in case.handlers.all()),
        tier=tier_of(actor),
    )


def tier_of(actor) -> str | None:
    """The ladder's tier of the actor's posting (``rules.posting_tier``), None without one."""
    person = person_of(actor)
    if person is None:
        return None
    return rules.posting_tier(
        unit_kind=person.unit.kind if person.unit_id else None,
        region_level=person.region.level if person.region_id else None,
    )


def append_event(
    case: Case,
    actor,
    kind: str,
    *,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    payload: dict | None = None,
) -> CaseEvent:
    """Append one entry to the case's timeline, inside the caller's transaction (the caller
    writes the audit entry). A note written by a person is read by early warning: a red-flag
    word in it raises the grade."""
    event = _new_event(
        case, actor, kind, from_state=from_state, to_state=to_state, note=note, payload=payload
    )
    event.save()
    if event.actor is not None and event.note:
        for decision in early_warning.after_note(case, event.note):
            raise_grade(case, decision)
    return event


def _new_event(
    case: Case,
    actor,
    kind: str,
    *,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    payload: dict | None = None,
) -> CaseEvent:
    """A timeline entry, not yet saved."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return CaseEvent(
        case=case,
        at=timezone.now(),
        actor=user,
        actor_name=_display_name(user),
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        note=note.strip(),
        payload=payload or {},
    )


def raise_grade(case: Case, decision: early_warning.GradeRaise) -> bool:
    """Apply early warning's decision: one grade up (or up to its ``to``), with the rule and
    its evidence on the timeline; the handlers and, for red, the beat's community police are
    told. Never lowers a grade; False when nothing changed (the grade is already there, or the
    case changed meanwhile: the next note or case looks again)."""
    case.refresh_from_db(fields=["risk", "version"])
    new = decision.target(case.risk)
    if new is None:
        return False
    old = case.risk
    message = decision.message
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=case.version).update(
            risk=new, version=F("version") + 1
        )
        if not updated:
            return False
        case.risk, case.version = new, case.version + 1
        payload = {
            "rule": decision.rule,
            "risk": [old, new],
            **{k: str(v) for k, v in decision.detail.items()},
        }
        append_event(case, None, "auto_regrade", note=message, payload=payload)
        audit.record(actor=None, action="disputes.auto_regrade", obj=case, changes=payload)
        people = list(case.handlers.all())
        if new == "red":
            people += responsibles_for_grids([case.grid])[case.grid_id].get("community_police", [])
        notify(
            list(dict.fromkeys(people)),
            case,
            f"raised:{decision.rule}:{new}",
            _("%(ref)s：%(why)s") % {"ref": case.reference, "why": message},
        )
    return True


# --- helpers ---------------------------------------------------------------------------


def _ensure_same_place_as(report, *, grid: Region, building: Building | None) -> None:
    """A case for a report sits where the report does, and a report has one case."""
    _ensure_building_in_grid(grid, building)
    if report is None or report.grid_id is None or report.grid_id != grid.pk:
        raise PermissionDenied(_("案件须与反映在同一网格"))
    if getattr(report, "case_id", None) is not None:
        raise PermissionDenied(_("这条反映已经有案件"))


def _ensure_may_open(actor, *, grid: Region, building: Building | None) -> None:
    """A case registered directly needs a member of staff who works cases, in whose
    jurisdiction the grid and building lie."""
    _ensure_building_in_grid(grid, building)
    refused = _("您没有在这里登记案件的权限")
    if actor is None or not actor.has_perm(CHANGE_CASE) or not in_scope(actor, grid):
        raise PermissionDenied(refused)
    if building is not None and not in_scope(actor, building):
        raise PermissionDenied(refused)


def _ensure_building_in_grid(grid: Region, building: Building | None) -> None:
    if building is not None and building.grid_id != grid.pk:
        raise ValidationError({"building": _("这个楼栋不在所选网格内")})


def display_name(user) -> str:
    """How the timeline names ``user``: their person's name, else their account's."""
    return _display_name(user)


def _display_name(user) -> str:
    if user is None:
        return ""
    person = person_of(user)
    return (person.name if person else "") or user.get_full_name() or user.get_username()


def _check_codes(**values) -> None:
    kinds = {"category": "category", "risk": "risk", "channel": "channel"}
    for field, value in values.items():
        if value not in taxonomy.codes(kinds[field]):
            raise ValidationError({field: _("未知的代码：%(code)s") % {"code": value}})


def reopen_for_reporter(*, case: Case, reason: str) -> Case:
    """The reporter says it is not settled (within 30 days of closing, checked by intake):
    the case goes back to ``accepted`` at its level, with the same handlers."""
    try:
        target = rules.next_state("reopen", case.state)
    except rules.TransitionError:
        raise ValidationError(_REFUSED) from None
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=case.version).update(
            state=target, closed_at=None, resolved_at=None, version=F("version") + 1
        )
        if not updated:
            raise CaseChanged(_("这个案件刚刚被其他人修改过，请刷新后再操作"))
        from_state = case.state
        case.refresh_from_db()
        append_event(
            case, None, "reopened_by_reporter", from_state=from_state, to_state=target, note=reason
        )
        audit.record(
            actor=None,
            action="disputes.reopen",
            obj=case,
            changes={"state": [from_state, target], "by": "reporter"},
        )
    return case


def mark_notifications_read(*, user, case: Case) -> int:
    """The reader opened the case: their reminders about it are read."""
    person = getattr(user, "person", None)
    if person is None:
        return 0
    return Notification.objects.filter(recipient=person, case=case, read_at__isnull=True).update(
        read_at=timezone.now()
    )
